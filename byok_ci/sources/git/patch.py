"""Parse `git diff -U0` / `git log -p -U0 --cc` output into the lines each file gains.

The stream is read as bytes, one line at a time, so memory stays bounded by the largest
file patch. Ordinary and combined (merge) diffs share one parser: a line is *added* when
every parent column says ``+``, so a merge reports only what none of its parents had.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from byok_ci.model import CommitInfo

COMMIT_MARK = b"\0commit "
# `git log --format` for COMMIT_MARK lines: sha, author, ISO date, NUL-separated.
LOG_FORMAT = "%x00commit %H%x00%aN <%aE>%x00%aI"
SUBMODULE_MODE = "160000"
SYMLINK_MODE = "120000"
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"
NULL_PATH = "/dev/null"


@dataclass(frozen=True)
class Commit:
    sha: str
    info: CommitInfo


@dataclass
class Run:
    """Consecutive added lines; ``first`` is the line number of the first in the new file."""

    first: int
    lines: list[bytes] = field(default_factory=list)

    def text(self) -> str:
        return b"".join(self.lines).decode("utf-8", "replace")


@dataclass
class FilePatch:
    """What one file gained in one commit (or in the index)."""

    commit: Commit | None
    path: str
    blob: str | None = None
    mode: str | None = None
    binary: bool = False
    runs: list[Run] = field(default_factory=list)
    added_bytes: int = 0

    @property
    def deleted(self) -> bool:
        return self.path == NULL_PATH


def unquote(raw: bytes) -> bytes:
    """Undo git's C-style quoting of a path (core.quotePath)."""
    if not (raw.startswith(b'"') and raw.endswith(b'"') and len(raw) >= 2):
        return raw
    body, out, i = raw[1:-1], bytearray(), 0
    simple = {ord("a"): 7, ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("v"): 11, ord("f"): 12, ord("r"): 13}
    while i < len(body):
        ch = body[i]
        if ch != 0x5C or i + 1 >= len(body):  # backslash
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if 0x30 <= nxt <= 0x37:
            out.append(int(body[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(simple.get(nxt, nxt))
            i += 2
    return bytes(out)


def display(raw: bytes) -> str:
    """A repository path as reports show it: UTF-8, other bytes as ``\\xNN`` escapes."""
    return raw.decode("utf-8", "backslashreplace")


def raw_path(shown: str) -> bytes:
    """The bytes of a repository path as reports show it (``\\xNN`` escapes undone)."""
    raw = shown.encode("utf-8")
    if b"\\x" not in raw:
        return raw
    return re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _path_of(line: bytes, prefix_len: int) -> str:
    raw = line[prefix_len:].rstrip(b"\n")
    # git appends a TAB to ---/+++ names that hold a space.
    if raw.endswith(b"\t"):
        raw = raw[:-1]
    return display(unquote(raw))


def _diff_git_path(line: bytes) -> str:
    """Best effort path of a `diff --git A B` line (used for binary files only)."""
    rest = line.rstrip(b"\n").split(b" ", 2)[-1]
    if rest.startswith(b"--cc ") or rest.startswith(b"--combined "):
        return display(unquote(rest.split(b" ", 1)[1]))
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half:half + 1] == b" " and rest[:half] == rest[half + 1:]:
        return display(unquote(rest[:half]))
    return display(unquote(rest))


def _commit(line: bytes) -> Commit:
    parts = line[len(COMMIT_MARK):].rstrip(b"\n").split(b"\0")
    sha = parts[0].decode("ascii", "replace")
    author = parts[1].decode("utf-8", "replace") if len(parts) > 1 else ""
    date = parts[2].decode("ascii", "replace") if len(parts) > 2 else ""
    return Commit(sha, CommitInfo(author=author, date=date))


def parse(stream: Iterable[bytes], on_commit: Callable[[Commit], None] | None = None) -> Iterator[FilePatch]:
    """File patches in stream order; ``on_commit`` hears of every commit, including those
    that change no file."""
    commit: Commit | None = None
    current: FilePatch | None = None
    in_hunk = False
    parents = 1
    plus = b"+"
    new_line = 0
    run: Run | None = None
    collect = False

    for line in stream:
        first = line[:1]
        if in_hunk:
            if first == b"+" or first == b"-" or first == b" ":
                if parents == 1:
                    if first == b"-":
                        continue
                    if first == b"+" and collect:
                        assert current is not None
                        if run is None or run.first + len(run.lines) != new_line:
                            run = Run(new_line)
                            current.runs.append(run)
                        run.lines.append(line[1:])
                        current.added_bytes += len(line) - 1
                    new_line += 1
                    continue
                prefix = line[:parents]
                if b"-" in prefix:
                    continue
                if prefix == plus and collect:
                    assert current is not None
                    if run is None or run.first + len(run.lines) != new_line:
                        run = Run(new_line)
                        current.runs.append(run)
                    run.lines.append(line[parents:])
                    current.added_bytes += len(line) - parents
                new_line += 1
                continue
            if first == b"\\":  # "\ No newline at end of file"
                continue
            in_hunk = False
        if first == b"@":
            # "@@ -a,b +c,d @@" or, for a merge with N parents, N+1 "@" on each side.
            ats = len(line) - len(line.lstrip(b"@"))
            parents = max(1, ats - 1)
            plus = b"+" * parents
            header = line[ats:].split(b"@@", 1)[0]
            new_part = next((p for p in header.split() if p.startswith(b"+")), b"+1")
            new_line = int(new_part[1:].split(b",")[0] or b"1")
            # "+c,0" (no new lines) still keeps counting right: nothing is added.
            in_hunk = True
            run = None
            continue
        if first == b"d" and line.startswith(b"diff "):
            if current is not None:
                yield current
            current = FilePatch(commit, _diff_git_path(line))
            collect = False
            run = None
            continue
        if first == b"\0" and line.startswith(COMMIT_MARK):
            if current is not None:
                yield current
                current = None
            commit = _commit(line)
            if on_commit is not None:
                on_commit(commit)
            continue
        if current is None:
            continue
        if first == b"i" and line.startswith(b"index "):
            fields = line.split()
            ids = fields[1].split(b"..")
            current.blob = ids[-1].decode("ascii") if len(ids) > 1 else None
            if len(fields) > 2:
                current.mode = fields[2].decode("ascii")
        elif first == b"d" and line.startswith(b"deleted file mode "):
            current.path = NULL_PATH  # --irreversible-delete: no ---/+++ lines follow
        elif first == b"n" and line.startswith(b"new file mode "):
            current.mode = line.split()[-1].decode("ascii")
        elif first == b"+" and line.startswith(b"+++ "):
            current.path = _path_of(line, 4)
            collect = not current.deleted and current.mode != SUBMODULE_MODE
        elif first == b"B" and line.startswith(b"Binary files "):
            current.binary = True
    if current is not None:
        yield current

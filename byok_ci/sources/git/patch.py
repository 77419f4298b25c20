"""Parse `git diff -U0` / `git log -p -U0 --cc` output into the lines each file gains.

git's output is read in large blocks and cut into commits and file patches; memory stays
bounded by the largest file patch. An ordinary hunk without context lines (what -U0
gives) is taken whole with bytes operations; combined (merge) diffs and anything unusual
are read line by line, where a line is *added* when every parent column says ``+``, so a
merge reports only what none of its parents had.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from byok_ci._values import by_value
from byok_ci.model import CommitInfo

COMMIT_MARK = b"\0commit "
# `git log --format` for COMMIT_MARK lines: sha, author, ISO date, NUL-separated. The author
# as the commit holds it (%an, not %aN): GitHub shows that, whatever a .mailmap renames it to.
LOG_FORMAT = "%x00commit %H%x00%an <%ae>%x00%aI"
SUBMODULE_MODE = "160000"
SYMLINK_MODE = "120000"
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"
NULL_PATH = "/dev/null"


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Commit:
    """A commit by its sha, with what reports say of it."""

    sha: str
    info: CommitInfo


@by_value
@dataclass(eq=False, repr=False)
class Run:
    """Consecutive added lines (``data``, each with its newline); ``first`` is the line
    number of the first in the new file."""

    first: int
    data: bytes = field(default=b"", repr=False)  # scanned text: may hold a key
    # While the line-by-line parser collects them: the lines, joined into data by close().
    lines: list[bytes] | None = field(default=None, repr=False, compare=False)

    def close(self) -> None:
        if self.lines is not None:
            self.data, self.lines = b"".join(self.lines), None

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


@by_value
@dataclass(eq=False, repr=False)
class FilePatch:
    """What one file gained in one commit (or in the index)."""

    commit: Commit | None
    path: str
    blob: str | None = None
    mode: str | None = None
    binary: bool = False
    runs: list[Run] = field(default_factory=list)
    added_bytes: int = 0
    parents: tuple[str, ...] = ()  # the blobs it was diffed against (all zeros: none, a new file)
    renamed_from: str | None = None  # the path it had before (git's rename detection, -M)

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


def parse(blocks: Iterable[bytes], on_commit: Callable[[Commit], None] | None = None) -> Iterator[FilePatch]:
    """File patches in stream order; ``on_commit`` hears of every commit, including those
    that change no file. ``blocks`` is git's output cut anywhere (lines, or large reads)."""
    commit: Commit | None = None
    for section in sections(blocks):
        if section.startswith(COMMIT_MARK):
            end = section.find(b"\n") + 1
            commit = _commit(section[:end] if end else section)
            if on_commit is not None:
                on_commit(commit)
        elif section.startswith(b"diff "):
            yield _file_patch(section, commit)
        # Anything else comes before the first commit or file: nothing to read there.


# Where a file or a commit starts: no line of a hunk starts with "d" or NUL (each starts
# with "+", "-", " " or "\"), and paths holding a newline are quoted, so these are exact.
_FILE_MARK = b"\ndiff "
_COMMIT_AT = b"\n" + COMMIT_MARK
_SEAM = len(_COMMIT_AT) - 1  # a start cut between two blocks lies in this many bytes of the first


def sections(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """git's output cut into commit headers and file patches, each whole, from blocks cut
    anywhere. Only the unfinished section is held, in pieces joined once it is complete."""
    held: list[bytes] = []
    tail = b""  # the last bytes held: a start may straddle two blocks
    for block in blocks:
        if not block:
            continue
        at: int | None = max(block.rfind(_FILE_MARK), block.rfind(_COMMIT_AT))
        if at is not None and at < 0:
            seam = tail + block[:_SEAM]
            found = max(seam.rfind(_FILE_MARK), seam.rfind(_COMMIT_AT))
            at = found - len(tail) if found >= 0 else None
        if at is None:
            held.append(block)
            tail = (tail + block)[-_SEAM:]
            continue
        held.append(block)
        data = b"".join(held) if len(held) > 1 else block
        cut = len(data) - len(block) + at + 1
        yield from _split(data, cut)
        held = [data[cut:]] if cut < len(data) else []
        tail = held[0][-_SEAM:] if held else b""
    if held:
        data = b"".join(held)
        yield from _split(data, len(data))


def _split(data: bytes, end: int) -> Iterator[bytes]:
    """The sections of ``data[:end]``. Starts are searched for whole ("d" starts no hunk
    line; the longer the word, the farther each step of the search skips) and by NUL,
    which no line of text holds."""
    starts = []
    at = data.find(_FILE_MARK, 0, end)
    while at >= 0:
        starts.append(at + 1)
        at = data.find(_FILE_MARK, at + 2, end)
    at = data.find(b"\0", 1, end)
    while at >= 0:
        if data.startswith(_COMMIT_AT, at - 1):
            starts.append(at)
        at = data.find(b"\0", at + 1, end)
    starts.sort()
    start = 0
    for stop in starts:
        yield data[start:stop]
        start = stop
    if start < end:
        yield data[start:end]


def _new_line(header: bytes, ats: int) -> int:
    """The new file's line number a hunk header "@@ -a,b +c,d @@" starts at (c)."""
    ranges = header[ats:].split(b"@@", 1)[0]
    new_part = next((p for p in ranges.split() if p.startswith(b"+")), b"+1")
    return int(new_part[1:].split(b",")[0] or b"1")


# The usual hunk header of an ordinary diff, and the line number of the new side it gives.
_HUNK = re.compile(rb"@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
# A line other than removed, or other than added (context, "\ No newline at end of file", ...).
_NOT_REMOVED = re.compile(rb"\n[^-]")
_NOT_ADDED = re.compile(rb"\n[^+]")
_AT, _PLUS, _BACKSLASH = ord("@"), ord("+"), ord("\\")


def _file_patch(section: bytes, commit: Commit | None) -> FilePatch:
    """One file's patch, its hunks read whole (bytes operations, not a loop over lines).

    A hunk of an ordinary diff without context lines (what -U0 gives) is its removed lines,
    then its added lines, which are consecutive in the new file: one run, and after either
    side a "\\ No newline at end of file" line. Anything else (a combined diff, context
    lines, a line no hunk holds) is read line by line instead.
    """
    hunks = section.find(b"\n@") + 1
    end = hunks or len(section)
    current = FilePatch(commit, "")
    collect = False
    for line in section[:end].split(b"\n")[1:]:
        if line and not line.startswith(b"--- "):  # (the old path: nothing is read there)
            collect = _read_header(current, line, collect)
    if not current.path:  # no "+++" line (a binary file, a mode change): the "diff --git" line's
        current.path = _diff_git_path(section[:section.find(b"\n") + 1 or end])
    size = len(section)
    runs = current.runs
    added = 0
    at = hunks or size
    while at < size:
        header = _HUNK.match(section, at)
        if header is None:
            return _patch_by_lines(section, commit)
        # Each pass of the regular expressions below ends at the first line not removed,
        # then at the first line not added: a hunk's bytes are looked at once.
        found = _NOT_REMOVED.search(section, header.end())
        if found is None:
            break  # removed lines to the end
        plus = found.start() + 1
        if section[plus] == _BACKSLASH:  # "\ No newline at end of file" of the old side
            plus = section.find(b"\n", plus) + 1
            if plus <= 0 or plus >= size:
                break
        if section[plus] == _AT:  # the next hunk: this one only removes lines
            at = plus
            continue
        if section[plus] != _PLUS:
            return _patch_by_lines(section, commit)
        found = _NOT_ADDED.search(section, plus)
        following = size if found is None else found.start() + 1
        last = following  # where the added lines end
        if following < size and section[following] == _BACKSLASH:  # the new file ends without one
            following = section.find(b"\n", following) + 1 or size
        if following < size and section[following] != _AT:
            return _patch_by_lines(section, commit)
        if collect:
            data = section[plus + 1:last].replace(b"\n+", b"\n")
            if last < following and data.endswith(b"\n"):
                data = data[:-1]  # the newline is git's, not the file's (as _patch_by_lines reads it)
            runs.append(Run(int(header.group(1)), data))
            added += len(data)
        at = following
    current.added_bytes = added
    return current


def _read_header(current: FilePatch, line: bytes, collect: bool) -> bool:
    """Set what a header line of a file patch says; whether its added lines are kept."""
    first = line[:1]
    if first == b"i" and line.startswith(b"index "):
        fields = line.split()
        ids = fields[1].split(b"..")
        current.blob = ids[-1].decode("ascii") if len(ids) > 1 else None
        if len(ids) > 1:
            old = ids[0].decode("ascii")
            current.parents = (old,) if "," not in old else tuple(old.split(","))
        if len(fields) > 2:
            current.mode = fields[2].decode("ascii")
    elif first == b"d" and line.startswith(b"deleted file mode "):
        current.path = NULL_PATH  # --irreversible-delete: no ---/+++ lines follow
    elif first == b"n" and line.startswith(b"new file mode "):
        current.mode = line.split()[-1].decode("ascii")
    elif first == b"+" and line.startswith(b"+++ "):
        current.path = _path_of(line, 4)
        return not current.deleted and current.mode != SUBMODULE_MODE
    elif first == b"B" and line.startswith(b"Binary files "):
        current.binary = True
    elif first == b"r" and line.startswith((b"rename from ", b"rename to ")):
        # A pure rename has no ---/+++ lines (nor an index line): its paths are only here.
        if line.startswith(b"rename from "):
            current.renamed_from = display(unquote(line[12:].rstrip(b"\n")))
        else:
            current.path = display(unquote(line[10:].rstrip(b"\n")))
    return collect


def _lines(data: bytes) -> list[bytes]:
    """``data``'s lines, each with its newline (split at newlines only, as git ends lines)."""
    parts = data.split(b"\n")
    last = parts.pop()
    lines = [part + b"\n" for part in parts]
    if last:
        lines.append(last)
    return lines


def _patch_by_lines(section: bytes, commit: Commit | None) -> FilePatch:
    """One file's patch read line by line: ordinary and combined diffs, context lines. A
    line is *added* when every parent column says ``+``."""
    lines = _lines(section)
    current = FilePatch(commit, _diff_git_path(lines[0]))
    in_hunk = False
    parents = 1
    plus = b"+"
    new_line = 0
    run: list[bytes] | None = None
    run_first = 0
    collect = False
    added = False  # whether the line before was one kept as added
    for line in lines[1:]:
        first = line[:1]
        if in_hunk:
            if first == b"+" or first == b"-" or first == b" ":
                prefix = line[:parents]
                added = False
                if b"-" in prefix:
                    continue
                if prefix == plus and collect:
                    if run is None or run_first + len(run) != new_line:
                        run, run_first = [], new_line
                        current.runs.append(Run(new_line, b"", run))
                    run.append(line[parents:])
                    current.added_bytes += len(line) - parents
                    added = True
                new_line += 1
                continue
            if first == b"\\":  # "\ No newline at end of file"
                if added and run and run[-1].endswith(b"\n"):
                    # The file ends without one: the newline is git's, not the file's. A
                    # classic Mac file (CRs only) is one such line, and detection ends its
                    # lines at CRs only when the text has no LF (as a directory scan reads it).
                    run[-1] = run[-1][:-1]
                    current.added_bytes -= 1
                added = False
                continue
            in_hunk = False
        if first == b"@":
            # "@@ -a,b +c,d @@" or, for a merge with N parents, N+1 "@" on each side.
            ats = len(line) - len(line.lstrip(b"@"))
            parents = max(1, ats - 1)
            plus = b"+" * parents
            new_line = _new_line(line, ats)
            # "+c,0" (no new lines) still keeps counting right: nothing is added.
            in_hunk = True
            run = None
            continue
        collect = _read_header(current, line, collect)
    for each in current.runs:
        each.close()
    return current

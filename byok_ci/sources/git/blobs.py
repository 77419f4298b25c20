"""Whole file versions read for the context of a key their added lines hold.

A diff-based scan detects the lines each commit adds. A key of a rule with context (a
prefix-less Pinecone UUID, a 40-character Deepgram key) counts only with its provider named
around it: in an INI section, a YAML parent key, a keyword lines above. When an earlier
commit wrote that context and a later one adds only the key, the added lines alone never
confirm it. So the chunker hands a :class:`ContextReader` each file version whose added
bytes hold the key shape of such a rule; the reader, on a thread of its own while git's
diffs are still being read, asks one ``git cat-file --batch`` process (one per scan) for
the new blob and detects it as a directory scan would, keeping what it finds on the lines
the commit added. git's environment is inherited, so a pre-receive hook reads the pushed
objects from git's quarantine.

What is read is cut down without losing a finding detection of the whole file would make:

1. the file must hold a keyword of one of the rules whose shapes the added bytes hold, or
   its path name their provider (:meth:`Detector.may_confirm`): detection looks for a rule
   with context only around its keywords, or everywhere when the path names it;
2. only the parts of the file within reach of the added lines are detected, and only
   those that hold such a keyword (:func:`margin`): no check of detection looks farther
   from a value, and no keyword farther away gives the prefilter a span reaching it.

(Checking each added match in Python first, as :meth:`Detector.wants_context` does where
Hyperscan is missing, costs more than detecting these parts: a file's first version is
one long added run.)

A version seen again (the same blob at the same path, in a cherry-picked or merged
commit) is not read again when the first reading ruled it out.
"""

from __future__ import annotations

import bisect
import queue
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import IO

from byok_ci._offsets import cr_line_ends_as_lf
from byok_ci.detect.engine import Detector
from byok_ci.errors import GitError
from byok_ci.model import Chunk, Finding, ScanError
from byok_ci.sources.git.chunker import InContext
from byok_ci.sources.git.process import command, environment, looks_binary

HERE = "git"
_ABOUT = "for the context of a key-shaped value its added lines hold"


@dataclass
class ContextReader:
    """Reads and detects the file versions :meth:`add` is given, on a thread of its own
    (started with the first), and hands over what it found on their added lines with
    :meth:`finish`. ``add`` may be called from several threads."""

    detector: Detector
    max_size: int
    cwd: str | None = None
    _queue: queue.SimpleQueue[InContext | None] = field(default_factory=queue.SimpleQueue, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _found: list[Finding] = field(default_factory=list, repr=False)
    _errors: list[ScanError] = field(default_factory=list, repr=False)
    _git: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _failure: BaseException | None = field(default=None, repr=False)
    count: int = 0  # versions added

    def add(self, version: InContext) -> None:
        with self._lock:
            self.count += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, daemon=True)
                self._thread.start()
        self._queue.put(version)

    def finish(self, known: Sequence[Finding]) -> tuple[list[Finding], list[ScanError]]:
        """What was found that ``known`` (what the added lines alone gave) does not hold, and
        the errors met (each naming a file at its commit)."""
        self.close()
        if self._failure is not None:
            raise self._failure
        places = {_place(f) for f in known}
        spots = {_spot(f) for f in known}
        found = [f for f in self._found if _place(f) not in places and _spot(f) not in spots]
        return found, list(self._errors)

    def close(self) -> None:
        """Stop the thread once it has read what it was given (and git with it)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _work(self) -> None:
        ruled_out: set[tuple[str, str]] = set()
        seen: dict[tuple[str, str, tuple[tuple[int, int], ...]], list[Finding]] = {}
        try:
            while (version := self._queue.get()) is not None:
                if (version.blob, version.path) in ruled_out:
                    continue
                same = (version.blob, version.path, version.added)
                if same in seen:
                    self._found.extend(_as_of(version, seen[same]))
                    continue
                data = self._read(version.blob)
                if isinstance(data, bytes) and not looks_binary(data):
                    found = self._detected(version, data)
                    if found is None:
                        ruled_out.add((version.blob, version.path))
                        continue
                    seen[same] = found
                    self._found.extend(_as_of(version, found))
                elif isinstance(data, int):
                    self._errors.append(ScanError(version.where, f"skipped: the whole file ({data:,} bytes) is over "
                                                  f"the maximum file size {self.max_size:,} and was not read {_ABOUT} "
                                                  "(raise it with --max-file-size)"))
                elif data is None:
                    self._errors.append(ScanError(version.where, f"git could not read the whole file {_ABOUT}; the "
                                                  "repository may be damaged (run git fsck)"))
                else:
                    self._errors.append(ScanError(version.where, f"the whole file, read {_ABOUT}, is binary: "
                                                  "not scanned"))
        except (GitError, OSError) as exc:
            self._errors.append(ScanError(HERE, "git could not read whole files for the context of key-shaped values "
                                          f"their added lines hold ({exc}); keys whose context only those files give "
                                          "may be missed"))
            self._drain()
        except Exception as exc:  # noqa: BLE001 - raised again by finish, in the scan's thread
            self._failure = exc
            self._drain()
        finally:
            self._stop_git()

    def _drain(self) -> None:
        while self._queue.get() is not None:  # the parts still hand over what they meet
            pass

    def _read(self, blob: str) -> bytes | int | None:
        """The blob's bytes; its size if over the maximum (read past); None if git has none."""
        git = self._git
        if git is None:
            git = self._git = subprocess.Popen(command(["cat-file", "--batch"]), cwd=self.cwd, env=environment(),
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL)
        assert git.stdin is not None and git.stdout is not None
        git.stdin.write(blob.encode("ascii") + b"\n")
        git.stdin.flush()
        header = git.stdout.readline().split()
        if not header:
            raise GitError("git cat-file --batch stopped")
        if len(header) != 3 or not header[2].isdigit():
            return None  # "<id> missing"
        size = int(header[2])
        keep = header[1] == b"blob" and size <= self.max_size
        data = _read(git.stdout, size + 1, keep)[:size]  # and the newline after the content
        return data if keep else size if header[1] == b"blob" else None

    def _stop_git(self) -> None:
        git, self._git = self._git, None
        if git is not None:
            assert git.stdin is not None and git.stdout is not None
            try:
                git.stdin.close()
            except OSError:
                pass
            git.stdout.close()
            git.wait()

    def _detected(self, version: InContext, data: bytes) -> list[Finding] | None:
        """What detection finds on the added lines of ``version`` (its blob's ``data``); None
        when nothing there can be a key only the whole file confirms."""
        detector, path = self.detector, version.path
        rules = None if version.rules is None else set(version.rules)
        if not detector.may_confirm(data, path, rules):
            return None
        found: list[Finding] = []
        classic_mac = False
        for line_offset, low, high in _windows(data, version.added, margin(detector, rules)):
            piece = data[low:high]
            if (low, high) != (0, len(data)) and not detector.may_confirm(piece, path, rules):
                continue
            text = piece.decode("utf-8", "replace")
            classic_mac = classic_mac or ("\n" not in text and cr_line_ends_as_lf(text) is not text)
            found += detector.detect(Chunk(text=text, path=path, line_offset=line_offset,
                                           data=piece if piece.isascii() else None))
        if classic_mac:  # git reads one line, detection one per CR (as a directory scan)
            return found if version.added[0][0] == 1 else []
        return _on_lines(found, version.added)


def _read(out: IO[bytes], size: int, keep: bool) -> bytes:
    pieces = []
    while size > 0:
        piece = out.read(min(size, 1 << 20))
        if not piece:
            raise GitError("git cat-file --batch ended early")
        if keep:
            pieces.append(piece)
        size -= len(piece)
    return b"".join(pieces)


def margin(detector: Detector, rules: set[int] | None) -> int:
    """How far from a value of ``rules`` (None: any rule with context) detection looks for
    its context, with room to spare: their reach (detect.prefilter.reach: the structure's
    budget, the context regions, the key's own length) lies within it, and so does any of
    their keywords whose span can reach the value."""
    from byok_ci.detect.prefilter import reach

    chosen = [detector.rules[i] for i in rules] if rules is not None else detector.rules
    return max((max(reach(rule)) for rule in chosen if rule.context is not None), default=0) + 1024


def _windows(data: bytes, added: Sequence[tuple[int, int]], reach: int) -> list[tuple[int, int, int]]:
    """(line offset, start, end) of the parts of ``data`` within ``reach`` bytes of the
    ``added`` (first, last) lines, widened to whole lines, overlapping ones merged."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(added):
        low = max(0, _line_start(data, first) - reach)
        low = data.rfind(b"\n", 0, low) + 1 if low else 0
        high = data.find(b"\n", _line_start(data, last + 1) + reach)
        high = len(data) if high < 0 else high + 1
        if low and data.find(b"\n", low, high) < 0:
            low = data.rfind(b"\n", 0, low - 1) + 1  # a window has a line end (detection reads CRs otherwise)
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return [(data.count(b"\n", 0, low), low, high) for low, high in merged]


def _line_start(data: bytes, line: int) -> int:
    """Where line ``line`` (from 1) of ``data`` starts (its length past the last line)."""
    if line <= 1:
        return 0
    parts = data.split(b"\n", line - 1)
    return len(data) - len(parts[-1]) if len(parts) == line else len(data)


def _on_lines(findings: list[Finding], added: Sequence[tuple[int, int]]) -> list[Finding]:
    firsts = [first for first, _ in added]
    kept = []
    for finding in findings:
        at = bisect.bisect_right(firsts, finding.line) - 1
        if at >= 0 and finding.line <= added[at][1]:
            kept.append(finding)
    return kept


def _as_of(version: InContext, findings: list[Finding]) -> list[Finding]:
    commit = version.commit
    if commit is None:
        return findings
    return [replace(f, commit=commit.sha, commit_info=commit.info) for f in findings]


def _place(finding: Finding) -> tuple[str | None, str, int, int]:
    return finding.commit, finding.path, finding.line, finding.column


def _spot(finding: Finding) -> tuple[str | None, str, int, str]:
    return finding.commit, finding.path, finding.line, finding.fingerprint

"""Whole file versions read for the context of a key their added lines hold.

A diff-based scan detects the lines each commit adds. A key of a rule with context (a
prefix-less Pinecone UUID, a 40-character Deepgram key) counts only with its provider named
around it: in an INI section, a YAML parent key, a keyword lines above. When an earlier
commit wrote that context and a later one adds only the key, the added lines alone never
confirm it. So the chunker hands a :class:`ContextReader` each file version whose added
bytes hold the key shape of such a rule; once git's diffs are read, the reader asks one
``git cat-file --batch`` process (one per scan) for those blobs and detects them as a
directory scan would, keeping what it finds on the lines each commit added. git's
environment is inherited, so a pre-receive hook reads the pushed objects from git's
quarantine.

What is read is cut down without losing a finding detection of the whole file would make:

1. a version none of whose lines can hold a keyword of the rules whose shapes its added
   bytes hold (each line of a version is a line of the blob it was diffed against or one
   its patch added, and the scan saw which keywords each patch added: :func:`_words`),
   and whose path names none of their providers, is not read: detection looks for a rule
   with context only around its keywords, or everywhere when the path names it;
2. one read must hold such a keyword, or its path name the provider
   (:meth:`Detector.may_confirm`), for the same reason;
3. only the parts of the file within reach of the added lines are detected, and only
   those that hold such a keyword (:func:`margin`): no check of detection looks farther
   from a value, and no keyword farther away gives the prefilter a span reaching it.

A version met again (the same blob at the same path in a cherry-picked or merged commit)
is read once. (Checking each added match in Python first, as
:meth:`Detector.wants_context` does where Hyperscan is missing, costs more than detecting
these parts: a file's first version is one long added run.)
"""

from __future__ import annotations

import bisect
import os
import subprocess
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO

from byok_ci._offsets import cr_line_ends_as_lf
from byok_ci.detect.engine import Detector
from byok_ci.errors import GitError
from byok_ci.model import Chunk, Finding, ScanError
from byok_ci.sources.git.chunker import AddedContext, InContext
from byok_ci.sources.git.process import command, environment, looks_binary

HERE = "git"
_ABOUT = "for the context of a key-shaped value its added lines hold"


ROOT = "0" * 40  # the "blob" a new file is diffed against
# A version as ContextReader.finish reads it once: blob, path, added lines.
Seen = tuple[str, str, tuple[tuple[int, int], ...]]
# A patch as ContextReader.made was told of it: blob, blobs diffed against, rules worded, rules shaped.
Patched = tuple[str, tuple[str, ...], Collection[int] | None, Collection[int] | None]


@dataclass(eq=False, repr=False)
class ContextReader:
    """Collects the file versions :meth:`add` is given and what :meth:`made` says of every
    version the scan met, and reads and detects them with :meth:`finish`. Both may be
    called from several threads."""

    detector: Detector
    max_size: int
    cwd: str | None = None
    _versions: list[InContext] = field(default_factory=list, repr=False)
    # Each patch that made a blob, as :meth:`made` was told of it: the blob, the blobs it was
    # diffed against and the rules with context whose keywords, and whose key shapes, its
    # added lines hold (None: not known). Appended to by the scan's threads without a lock
    # (one append each); read by :func:`_words` and :mod:`byok_ci.sources.git.later`.
    _made: list[Patched] = field(default_factory=list, repr=False)
    # For sources.git.later: the versions whose added lines may give a key they kept its context.
    _later: list[AddedContext] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _git: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def add(self, version: InContext) -> None:
        with self._lock:
            self._versions.append(version)

    def made(self, blob: str, parents: tuple[str, ...], worded: Collection[int] | None,
             shaped: Collection[int] | None = None) -> None:
        """Told of each patch the scan reads (``worded``, ``shaped`` kept as given: not changed after)."""
        self._made.append((blob, parents, worded, shaped))

    def context_added(self, version: AddedContext, data: bytes | None = None) -> None:
        """Keep ``version`` for :mod:`byok_ci.sources.git.later` (:meth:`take_later`);
        ``data``, its added bytes, when the keywords they hold are not known yet."""
        if "\n" in version.blob:
            # git's batch reader takes a name a line: a pure rename's ``<commit>:<path>`` whose
            # path holds a newline is resolved here, as an argument (it was skipped unread).
            version = replace(version, blob=self._blob_of(version.blob))
        if data is not None:
            from byok_ci.sources.git.keywords import keyword_rules

            version = replace(version, rules=tuple(keyword_rules(self.detector, data)))
            if not version.rules and version.renamed_from is None and len(version.parents) < 2:
                return  # a merge is kept: its parents' lines may join a key with its context
        with self._lock:
            self._later.append(version)

    def _blob_of(self, name: str) -> str:
        """The blob ``<commit>:<path>`` names; not found, an id git reports missing (an error naming the file)."""
        from byok_ci.sources.git.process import run

        done = run(["rev-parse", "--verify", "--quiet", "--end-of-options", name], cwd=self.cwd)
        found = done.stdout.decode("ascii", "replace").strip()
        return found if done.returncode == 0 and found else "0" * 40

    def take_later(self) -> tuple[list[AddedContext], list[Patched]]:
        """The versions :meth:`context_added` kept, and each patch :meth:`made` was told of."""
        with self._lock:
            versions, self._later = self._later, []
        return versions, self._made

    @property
    def count(self) -> int:
        return len(self._versions)

    def finish(self, known: Sequence[Finding]) -> tuple[list[Finding], list[ScanError]]:
        """What was found that ``known`` (what the added lines alone gave) does not hold, and
        the errors met (each naming a file at its commit)."""
        wanted = self.wanted()
        firsts = self.firsts(wanted)
        seen, errors = self.detect(firsts)
        return self.found(wanted, seen, known), [error for _, error in errors]

    def wanted(self) -> list[InContext]:
        """The versions :meth:`add` was given that must be read (taken: a second call has none)."""
        versions, self._versions = self._versions, []
        if not versions:
            return []
        words = _words(self._made)
        wanted: list[InContext] = []
        for version in versions:
            held = words.get(version.blob)
            if version.rules is not None and held is not None:
                rules = _mask(version.rules)
                if not rules & held and not rules & _mask(self.detector.named_by(version.path)):
                    continue  # no keyword of theirs in any line this version can hold
            wanted.append(version)
        return wanted

    @staticmethod
    def firsts(wanted: Sequence[InContext]) -> list[InContext]:
        """``wanted`` with each version once (a repeat takes what its first reading found)."""
        firsts: dict[Seen, InContext] = {}
        for version in wanted:
            firsts.setdefault((version.blob, version.path, version.added), version)
        return list(firsts.values())

    def detect(self, firsts: Sequence[InContext], start: int = 0
               ) -> tuple[dict[Seen, list[Finding]], list[tuple[int, ScanError]]]:
        """What detection finds on each of ``firsts`` (read in that order, git asked for all
        of them at once so it reads the next blobs while these are detected), and the errors
        met, each with the index of its version (from ``start``; -1: git failed). Stops git."""
        seen: dict[Seen, list[Finding]] = {(v.blob, v.path, v.added): [] for v in firsts}
        errors: list[tuple[int, ScanError]] = []
        if not firsts:
            self.close()
            return seen, errors
        ruled_out: set[tuple[str, str, tuple[int, ...] | None]] = set()
        try:
            contents = self._read_all([version.blob for version in firsts])
            for index, version in enumerate(firsts, start):
                data = next(contents)
                # A version ruled out for these rules (none of their keywords in the file)
                # is not detected again with other added lines.
                rules_of = (version.blob, version.path, version.rules)
                if rules_of in ruled_out:
                    continue
                if isinstance(data, bytes) and not looks_binary(data):
                    detected = self._detected(version, data)
                    if detected is None:
                        ruled_out.add(rules_of)
                        continue
                    seen[(version.blob, version.path, version.added)] = detected
                elif isinstance(data, int):
                    errors.append((index, ScanError(
                        version.where, f"skipped: the whole file ({data:,} bytes) is over the maximum file size "
                        f"{self.max_size:,} and was not read {_ABOUT} (raise it with --max-file-size)")))
                elif data is None:
                    errors.append((index, ScanError(version.where, f"git could not read the whole file {_ABOUT}; "
                                                    "the repository may be damaged (run git fsck)")))
                else:
                    errors.append((index, ScanError(version.where,
                                                    f"the whole file, read {_ABOUT}, is binary: not scanned")))
        except (GitError, OSError) as exc:
            errors.append((-1, ScanError(HERE, "git could not read whole files for the context of key-shaped "
                                         f"values their added lines hold ({exc}); keys whose context only those "
                                         "files give may be missed")))
        finally:
            self.close()
        return seen, errors

    @staticmethod
    def found(wanted: Sequence[InContext], seen: dict[Seen, list[Finding]], known: Sequence[Finding]) -> list[Finding]:
        """What :meth:`detect` found on ``wanted`` (``seen``) that ``known`` does not hold."""
        places = {_place(f) for f in known}
        spots = {_spot(f) for f in known}
        found: list[Finding] = []
        for version in wanted:  # what was found before a failure is kept
            found.extend(_as_of(version, seen.get((version.blob, version.path, version.added), [])))
        return [f for f in found if _place(f) not in places and _spot(f) not in spots]

    def forget_git(self) -> None:
        """In a forked process: let go of the parent's git (never stop or wait for it: it is
        the parent's), so :meth:`read` starts one of this process's own. The pipes' ends
        become /dev/null here: the parent's git sees the end of its input when the parent
        closes it, and nothing this process still holds can reach it."""
        git, self._git = self._git, None
        if git is not None:
            null = os.open(os.devnull, os.O_RDWR)
            try:
                for pipe in (git.stdin, git.stdout):
                    if pipe is not None:
                        os.dup2(null, pipe.fileno())
            finally:
                os.close(null)

    def close(self) -> None:
        """Stop git, if it was started."""
        git, self._git = self._git, None
        if git is not None:
            assert git.stdin is not None and git.stdout is not None
            try:
                git.stdin.close()
            except OSError:
                pass
            git.stdout.close()
            git.wait()

    def read(self, blob: str, head: int = 0) -> tuple[bytes | int | None, bytes]:
        """The blob's bytes, its size if over the maximum (read past) or None if git has
        none; and, when over the maximum, its first ``head`` bytes. Through this reader's
        one ``git cat-file --batch`` process (:meth:`close` stops it); one thread at a time."""
        git = self._started()
        assert git.stdin is not None
        git.stdin.write(blob.encode("ascii") + b"\n")
        git.stdin.flush()
        return self._answer(git, head)

    def _read_all(self, blobs: Sequence[str]) -> Iterator[bytes | int | None]:
        """The bytes of each of ``blobs`` in turn (its size if over the maximum, None if git
        has none), all asked of git at once by a thread of its own: git reads and inflates
        the next blobs while the caller detects these (its answers never wait for the
        questions: the caller reads them as they come)."""
        git = self._started()
        stdin = git.stdin
        assert stdin is not None

        def ask() -> None:
            try:
                for blob in blobs:
                    stdin.write(blob.encode("utf-8", "surrogateescape") + b"\n")  # or <commit>:<path>
                stdin.flush()
            except (OSError, ValueError):
                pass  # git stopped, or close() closed the pipe: the reading side says so

        threading.Thread(target=ask, daemon=True).start()
        for _ in blobs:
            yield self._answer(git)[0]

    def _started(self) -> subprocess.Popen[bytes]:
        git = self._git
        if git is None:
            git = self._git = subprocess.Popen(command(["cat-file", "--batch"]), cwd=self.cwd, env=environment(),
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL)
        return git

    def _answer(self, git: subprocess.Popen[bytes], head: int = 0) -> tuple[bytes | int | None, bytes]:
        """git's answer to the next question asked (as :meth:`read` returns it)."""
        assert git.stdout is not None
        header = git.stdout.readline().split()
        if not header:
            raise GitError("git cat-file --batch stopped")
        if len(header) != 3 or not header[2].isdigit():
            return None, b""  # "<id> missing"
        size = int(header[2])
        keep = header[1] == b"blob" and size <= self.max_size
        data = _read(git.stdout, size + 1, keep, head)[:size]  # and the newline after the content
        return (data if keep else size if header[1] == b"blob" else None), b"" if keep else data[:head]

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


def _words(made: Sequence[Patched]) -> dict[str, int]:
    """The rules with context (bit i: rule i) any of whose keywords a line of each blob can
    hold: each line is one of a blob it was diffed against or one its patch added."""
    return settle(made, lambda patch: None if patch[2] is None else _mask(patch[2]))


def settle(made: Sequence[Patched], held_by: Callable[[Patched], int | None]) -> dict[str, int]:
    """For each blob whose history the scan met back to new files: what ``held_by`` says of
    the patch that made it (bits), or'ed with what the blobs it was diffed against hold (a
    blob made by several patches takes the first that tells). Patches ``held_by`` knows
    nothing of (None), and blobs made from what the scan did not see (before a range, a
    version too large to diff), are left out: they are read. Taken last first: git writes
    each part newest first, so most find the blobs they were diffed against settled."""
    settled: dict[str, int] = {ROOT: 0}
    waiting: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}  # blob -> the patches that wait for it
    for patch in reversed(made):
        if patch[0] in settled or (held := held_by(patch)) is None:
            continue
        stack = [(patch[0], patch[1], held)]
        while stack:
            blob, parents, held = stack.pop()
            if blob in settled:
                continue
            for parent in parents:
                known = settled.get(parent)
                if known is None:
                    waiting.setdefault(parent, []).append((blob, parents, held))
                    break
                held |= known
            else:
                settled[blob] = held
                stack.extend(waiting.pop(blob, ()))
    return settled


def _mask(rules: Iterable[int]) -> int:
    mask = 0
    for index in rules:
        mask |= 1 << index
    return mask


def _read(out: IO[bytes], size: int, keep: bool, head: int = 0) -> bytes:
    """``size`` bytes of ``out``: all of them if ``keep``, else the first ``head``."""
    pieces = []
    while size > 0:
        piece = out.read(min(size, 1 << 20))
        if not piece:
            raise GitError("git cat-file --batch ended early")
        if keep or head > 0:
            pieces.append(piece if keep else piece[:head])
            head -= len(piece)
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
    runs = sorted(added)
    starts = _line_starts(data, [line for first, last in runs for line in (first, last + 1)])
    merged: list[tuple[int, int]] = []
    for at in range(0, len(starts), 2):
        low = max(0, starts[at] - reach)
        low = data.rfind(b"\n", 0, low) + 1 if low else 0
        high = data.find(b"\n", starts[at + 1] + reach)
        high = len(data) if high < 0 else high + 1
        if low and data.find(b"\n", low, high) < 0:
            low = data.rfind(b"\n", 0, low - 1) + 1  # a window has a line end (detection reads CRs otherwise)
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    windows, counted, lines = [], 0, 0
    for low, high in merged:  # each window's line offset: the newlines before it, counted once
        lines += data.count(b"\n", counted, low)
        counted = low
        windows.append((lines, low, high))
    return windows


_BLOCK = 1 << 16  # newlines are counted this many bytes at a time to find a line


def _line_starts(data: bytes, lines: Sequence[int]) -> list[int]:
    """Where each of ``lines`` (numbers from 1) of ``data`` starts (its length past the last
    line). The file is walked once for lines in increasing order, its newlines counted a
    block at a time (a split into lines would make an object of each)."""
    starts = []
    at, line, size = 0, 1, len(data)
    exact = True  # whether line ``line`` starts at ``at`` (else it merely holds ``at``)
    for wanted in lines:
        if wanted < line or (wanted == line and not exact):
            at, line, exact = 0, 1, True
        while line < wanted and at < size:
            end = min(size, at + _BLOCK)
            count = data.count(b"\n", at, end)
            if line + count < wanted:
                at, line, exact = end, line + count, False
                continue
            at, line, exact = end - len(data[at:end].split(b"\n", wanted - line)[-1]), wanted, True
        starts.append(at if line >= wanted else size)
    return starts


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

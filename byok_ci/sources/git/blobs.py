"""Whole file versions read for the context of a key their added lines hold.

A diff-based scan detects the lines each commit adds. A key of a rule with context (a
prefix-less Pinecone UUID, a 40-character Deepgram key) counts only with its provider named
around it: in an INI section, a YAML parent key, a keyword lines above. When an earlier
commit wrote that context and a later one adds only the key, the added lines alone never
confirm it. So the chunker records each file version whose added lines hold such a match
that passes every check of detection but its context (:meth:`Detector.wants_context`);
here each one's new blob is read from one ``git cat-file --batch`` process for the whole
scan, detected whole (the same detector a directory scan uses), and what detection finds
on the lines the commit added is kept. git's environment is inherited, so a pre-receive
hook reads the pushed objects from git's quarantine.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from collections.abc import Iterator, Sequence
from typing import IO

from byok_ci._offsets import cr_line_ends_as_lf
from byok_ci.detect.engine import Detector
from byok_ci.errors import GitError
from byok_ci.model import Chunk, Finding
from byok_ci.sources.git.chunker import Chunker, InContext
from byok_ci.sources.git.process import looks_binary, stream

HERE = "git"


def blobs(ids: Sequence[str], max_size: int, cwd: str | None = None) -> Iterator[bytes | int | None]:
    """The content of each blob of ``ids`` in turn, from one `git cat-file --batch` (each
    held only until the next is asked for): its bytes; its size if over ``max_size`` (read
    past); None if git has no such blob."""
    if not ids:
        return
    with stream(["cat-file", "--batch"], cwd=cwd, input="".join(f"{i}\n" for i in ids).encode("ascii")) as out:
        for _ in ids:
            header = out.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                yield None  # "<id> missing"
                continue
            size = int(header[2])
            keep = header[1] == b"blob" and size <= max_size
            data = _read(out, size + 1, keep)[:size]  # and the newline after the content
            yield data if keep else size if header[1] == b"blob" else None


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


def found_in_context(chunker: Chunker, detector: Detector, known: Sequence[Finding],
                     cwd: str | None = None) -> list[Finding]:
    """What whole-file detection of each version ``chunker`` recorded finds on the lines its
    commit added, other than ``known`` (what the added lines alone gave). A file version
    met in several commits (branches, reverts) is read and detected once; one that holds no
    keyword of the rules whose shapes its added lines hold (and whose path names none of
    their providers) is not detected (:meth:`Detector.may_confirm`). What cannot be read is
    an error of ``chunker``'s reading, naming the file at its commit."""
    wanted, chunker.in_context = chunker.in_context, []
    if not wanted:
        return []
    versions: dict[tuple[str, str], list[InContext]] = {}
    for version in wanted:
        versions.setdefault((version.blob, version.path), []).append(version)
    reaches: dict[frozenset[int] | None, int] = {}
    places = {_place(f) for f in known}
    spots = {_spot(f) for f in known}
    found: list[Finding] = []
    reading = chunker.reading
    about = "for the context of a key-shaped value its added lines hold"
    try:
        for (blob, path), data in zip(versions, blobs([blob for blob, _ in versions], chunker.max_file_size, cwd)):
            alike = versions[(blob, path)]
            if isinstance(data, bytes) and not looks_binary(data):
                rules = None if any(v.rules is None for v in alike) else {i for v in alike for i in v.rules or ()}
                if not detector.may_confirm(data, path, rules):
                    continue
                key = None if rules is None else frozenset(rules)
                reach = reaches.get(key) or reaches.setdefault(key, margin(detector, rules))
                whole = _detected(data, path, detector, rules, [span for v in alike for span in v.added], reach)
                for version in alike:
                    found.extend(f for f in _added(version, whole) if _place(f) not in places and _spot(f) not in spots)
                continue
            for version in alike:
                if isinstance(data, int):
                    reading.error(version.where, f"skipped: the whole file ({data:,} bytes) is over the maximum file "
                                  f"size {chunker.max_file_size:,} and was not read {about} (raise it with "
                                  "--max-file-size)")
                elif data is None:
                    reading.error(version.where, f"git could not read the whole file {about}; the repository may be "
                                  "damaged (run git fsck)")
                else:
                    reading.error(version.where, f"the whole file, read {about}, is binary: not scanned")
    except GitError as exc:
        reading.error(HERE, f"git could not read whole files {about}s ({exc})")
    return found


def margin(detector: Detector, rules: set[int] | None) -> int:
    """How far from a value of ``rules`` (None: any rule with context) detection looks for
    its context, with room to spare: their reach (detect.prefilter.reach: the structure's
    budget, the context regions, the key's own length) lies within it, and so does any of
    their keywords whose span can reach the value."""
    from byok_ci.detect.prefilter import reach

    chosen = [detector.rules[i] for i in rules] if rules is not None else detector.rules
    return max((max(reach(rule)) for rule in chosen if rule.context is not None), default=0) + 1024


def _detected(data: bytes, path: str, detector: Detector, rules: set[int] | None,
              added: list[tuple[int, int]], reach: int) -> tuple[list[Finding], bool]:
    """The findings of the file on and around its ``added`` lines, and whether its lines
    end at CRs alone (classic Mac: git reads one line, detection one per CR, as a directory
    scan does). Each window of the file around added lines reaches far enough (:func:`margin`)
    beyond them (``reach``, whole lines), so what is found on those lines is what detecting the whole
    file finds there; a window with no keyword of ``rules`` is not detected."""
    findings: list[Finding] = []
    classic_mac = False
    for line_offset, low, high in _windows(data, added, reach):
        piece = data[low:high]
        if (low, high) != (0, len(data)) and not detector.may_confirm(piece, path, rules):
            continue
        text = piece.decode("utf-8", "replace")
        classic_mac = classic_mac or ("\n" not in text and cr_line_ends_as_lf(text) is not text)
        findings += detector.detect(Chunk(text=text, path=path, line_offset=line_offset,
                                          data=piece if piece.isascii() else None))
    return findings, classic_mac


def _windows(data: bytes, added: list[tuple[int, int]], reach: int) -> list[tuple[int, int, int]]:
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


def _added(version: InContext, whole: tuple[list[Finding], bool]) -> list[Finding]:
    """The findings of the whole file on the lines ``version``'s commit added, as its commit's."""
    findings, classic_mac = whole
    if not findings:
        return []
    commit = version.commit
    if commit is not None:
        findings = [replace(f, commit=commit.sha, commit_info=commit.info) for f in findings]
    if classic_mac:
        return findings if version.added[0][0] == 1 else []
    firsts = [first for first, _ in version.added]
    kept = []
    for finding in findings:
        at = bisect.bisect_right(firsts, finding.line) - 1
        if at >= 0 and finding.line <= version.added[at][1]:
            kept.append(finding)
    return kept


def _place(finding: Finding) -> tuple[str | None, str, int, int]:
    return finding.commit, finding.path, finding.line, finding.column


def _spot(finding: Finding) -> tuple[str | None, str, int, str]:
    return finding.commit, finding.path, finding.line, finding.fingerprint

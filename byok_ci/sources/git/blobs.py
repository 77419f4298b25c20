"""Whole file versions read for the context of a key their added lines hold (issue 21).

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
    commit added, other than ``known`` (what the added lines alone gave). What cannot be
    read is an error of ``chunker``'s reading, naming the file at its commit."""
    wanted, chunker.in_context = chunker.in_context, []
    if not wanted:
        return []
    places = {_place(f) for f in known}
    spots = {_spot(f) for f in known}
    found: list[Finding] = []
    reading = chunker.reading
    about = "for the context of a key-shaped value its added lines hold"
    try:
        for version, data in zip(wanted, blobs([v.blob for v in wanted], chunker.max_file_size, cwd)):
            if isinstance(data, bytes) and not looks_binary(data):
                found.extend(f for f in _added(version, data, detector) if _place(f) not in places
                             and _spot(f) not in spots)
            elif isinstance(data, int):
                reading.error(version.where, f"skipped: the whole file ({data:,} bytes) is over the maximum file size "
                              f"{chunker.max_file_size:,} and was not read {about} (raise it with --max-file-size)")
            elif data is None:
                reading.error(version.where, f"git could not read the whole file {about}; the repository may be "
                              "damaged (run git fsck)")
            else:
                reading.error(version.where, f"the whole file, read {about}, is binary: not scanned")
    except GitError as exc:
        reading.error(HERE, f"git could not read whole files {about}s ({exc})")
    return found


def _added(version: InContext, data: bytes, detector: Detector) -> list[Finding]:
    """Findings of the whole file on the lines ``version``'s commit added."""
    text = data.decode("utf-8", "replace")
    commit = version.commit
    findings = detector.detect(Chunk(text=text, path=version.path, commit=commit.sha if commit else None,
                                     commit_info=commit.info if commit else None,
                                     data=data if data.isascii() else None))
    if not findings:
        return []
    if "\n" not in text and cr_line_ends_as_lf(text) is not text:
        # Classic Mac line ends: git reads one line, detection one per CR (as a directory scan).
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

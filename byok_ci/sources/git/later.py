"""Whole file versions read for a key their unchanged lines hold, whose context their added
lines write.

The mirror of :mod:`byok_ci.sources.git.blobs`: a key committed with no context (an INI
section ``[default]``) becomes a leak a directory scan reports when a later commit writes
only the context (renames the section ``[pinecone]``, adds a keyword above it, renames the
file to a path that names the provider). That commit adds no key-shaped line, so a
diff-based scan would never see the key. The chunker hands the reader each version whose
added bytes hold a keyword of a rule with context, that git renamed, or that a merge made
without a line of its own (it may join a key from one parent with context from another);
the reader reads it whole (through its one ``git cat-file --batch``), detects it around
the added lines (all of it, for a rename or such a merge), and keeps the keys of those
rules found on the lines it kept. Such a key is reported at this commit, with this
version's line numbers (what a directory scan of this commit says),
unless a version it was diffed against already confirmed it: that one was, or will be,
reported where it was introduced (each key once per path, at its introducing commit). That
is known losslessly by detecting those versions too, only for a version where such a key
was found (rare: the parent is read only then).

What is read is cut down without losing a finding detection of the whole file would make:

1. a version none of whose kept lines can hold the key shape of a rule whose keyword its
   added lines hold (each kept line is a line of a blob it was diffed against, and each
   line of a blob is one a patch of its lineage added; the screen's Hyperscan pass records
   the shapes each patch adds, as it records keywords: :func:`_lineage`) is not read;
   its path naming a provider counts only when a rename brought it. Blobs whose lineage the
   scan did not see (before a range, an incremental run's old commits, the index's HEAD, no
   Hyperscan) are read;
2. one read must hold a keyword of those rules, or its path name their provider
   (:meth:`Detector.may_confirm`): detection confirms them nowhere else;
3. only the parts within :func:`~.blobs.margin` of the added lines are detected, and only
   those that hold such a keyword and a match of one of those rules' patterns (or text the
   decoder may take, which can hide one): a context is read no farther from a key than
   that, so a key farther from every added line owes nothing to them (a renamed path gives
   context to the whole file, which is then detected whole);
4. only the keys of those rules on kept lines are kept: keys on added lines are the added
   lines' own (the scan, or :mod:`~.blobs`, finds them), and a key of another rule owes
   nothing to this commit.

For the cut of (1), a new file's patch is screened for every shape (the second pass's
too): a key committed in a new file is the usual case. Merges are diffed with ``-c``, not
``--cc``: ``--cc`` leaves out a file a merge joined cleanly from both parents, which can
join a key from one with its context from the other (such a version is read whole where
its parents' lines can hold both a keyword and the shape of one rule), and without it the
lineage of every later version of that file would be unknown (on openai-python, every
version read for want of a lineage came after such a merge).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import replace

from byok_ci._offsets import cr_line_ends_as_lf
from byok_ci.detect.engine import _MAY_ENCODE, Detector
from byok_ci.errors import GitError
from byok_ci.model import Chunk, Finding, ScanError
from byok_ci.sources.git.blobs import ContextReader, Patched, _mask, _windows, margin, settle
from byok_ci.sources.git.chunker import AddedContext
from byok_ci.sources.git.process import looks_binary

HERE = "git"
_ABOUT = "for the context its added lines give to key-shaped values of the lines it kept"
_Data = bytes | int | None


Made = Sequence[Patched]


def found_later(reader: ContextReader, versions: Sequence[AddedContext], made: Made,
                known: Sequence[Finding]) -> tuple[list[Finding], list[ScanError]]:
    """What ``reader`` finds on the kept lines of ``versions`` that no version they were
    diffed against confirmed and ``known`` does not hold; ``made``: each patch the scan
    read (:meth:`ContextReader.made`)."""
    detector = reader.detector
    if not versions:
        return [], []
    count = len(detector.rules)
    lineage = _lineage(made, count)
    every = _mask(i for i, rule in enumerate(detector.rules) if rule.context is not None)
    plans: list[tuple[AddedContext, frozenset[int], bool]] = []
    for version in versions:
        words, shapes = _held(lineage, version.parents, every, count)
        named: set[int] = set()
        if len(version.parents) > 1:
            # A merge joins its parents' lines (a key from one, its context from another,
            # whatever lines it adds itself): read whole where they can hold both.
            wanted = _rules(words & shapes) | {i for i in version.rules or () if shapes >> i & 1}
        else:
            if version.renamed_from is not None:
                named = detector.named_by(version.path) - detector.named_by(version.renamed_from)
            wanted = {i for i in (*(version.rules or ()), *named) if shapes >> i & 1}
        if wanted:
            plans.append((version, frozenset(wanted), bool(wanted & named) or len(version.parents) != 1))
    if not plans:
        return [], []
    errors: list[ScanError] = []
    candidates: list[tuple[AddedContext, list[Finding], bytes]] = []
    try:
        # Each blob asked of git once, all at once (git reads the next while these are detected).
        by_blob: dict[str, list[tuple[AddedContext, frozenset[int], bool]]] = {}
        for plan in plans:
            by_blob.setdefault(plan[0].blob, []).append(plan)
        seen: dict[tuple[str, tuple[tuple[int, int], ...], frozenset[int], bool], list[Finding]] = {}
        for blob, data in zip(list(by_blob), _each(reader, list(by_blob))):
            seen.clear()
            for version, rules, whole in by_blob[blob]:
                if not isinstance(data, bytes) or looks_binary(data):
                    errors.append(_unread(version, data, reader.max_size))
                    continue
                mark = (version.path, version.added, rules, whole)
                if mark not in seen:  # a version met again (cherry-picked, merged) is detected once
                    seen[mark] = _detected(detector, version, rules, whole, data)
                if seen[mark]:
                    candidates.append((version, seen[mark], data if not version.parents else b""))
        confirmed = _confirmed_before(reader, candidates)
    except (GitError, OSError) as exc:
        errors.append(ScanError(HERE, "git could not read whole files for the context their added lines give to "
                                f"key-shaped values ({exc}); keys whose context only those lines give may be missed"))
        return [], errors
    places = {(f.commit, f.path, f.line, f.column) for f in known}
    spots = {(f.commit, f.path, f.line, f.fingerprint) for f in known}
    found = []
    for (version, findings, _), before in zip(candidates, confirmed):
        commit = version.commit
        for finding in findings:
            if finding.fingerprint in before:
                continue
            if commit is not None:
                finding = replace(finding, commit=commit.sha, commit_info=commit.info)
            if ((finding.commit, finding.path, finding.line, finding.column) not in places
                    and (finding.commit, finding.path, finding.line, finding.fingerprint) not in spots):
                found.append(finding)
    return found, errors


def _lineage(made: Made, count: int) -> dict[str, int]:
    """For each blob whose history the scan met back to new files (:func:`~.blobs.settle`):
    the rules with context one of whose keywords a line of it can hold (bit i: rule i), and
    those whose key shape it can hold (bit ``count`` + i)."""
    def held_by(patch: Patched) -> int | None:
        worded, shaped = patch[2], patch[3]
        return None if worded is None or shaped is None else _mask(worded) | _mask(shaped) << count

    return settle(made, held_by)


def _held(lineage: dict[str, int], parents: Sequence[str], every: int, count: int) -> tuple[int, int]:
    """The rules one of whose keywords, and whose key shape, a line of one of ``parents`` can
    hold (``every`` rule when not known)."""
    if not parents:
        return every, every
    held = 0
    for parent in parents:
        known = lineage.get(parent)
        if known is None:
            return every, every
        held |= known
    return held & ((1 << count) - 1), held >> count


def _rules(mask: int) -> set[int]:
    return {i for i in range(mask.bit_length()) if mask >> i & 1}


def _each(reader: ContextReader, names: Sequence[str]) -> Iterator[_Data]:
    return reader._read_all(names) if names else iter(())


def _detected(detector: Detector, version: AddedContext, rules: frozenset[int], whole: bool,
              data: bytes) -> list[Finding]:
    """The keys of ``rules`` detection finds on the lines ``version`` kept (its blob's ``data``)."""
    path = version.path
    if not detector.may_confirm(data, path, rules):
        return []
    pieces = [(0, 0, len(data))] if whole or not version.added else _windows(data, version.added,
                                                                              margin(detector, set(rules)))
    found: list[Finding] = []
    for line_offset, low, high in pieces:
        piece = data[low:high]
        if (low, high) != (0, len(data)) and not detector.may_confirm(piece, path, rules):
            continue
        text = piece.decode("utf-8", "replace")
        if "\n" not in text and cr_line_ends_as_lf(text) is not text:
            return []  # classic Mac: one line to git, which the commit changed
        if not any(detector.rules[i].pattern.search(text) for i in rules) and not (
                detector.decode_depth > 0 and _may_decode(text)):
            continue  # no key of theirs here, plain or encoded (most parts: the keyword was a word of prose)
        found += detector.detect(Chunk(text=text, path=path, line_offset=line_offset,
                                       data=piece if piece.isascii() else None))
    ids = {detector.rules[i].id for i in rules}
    firsts = [first for first, _ in version.added]
    kept = []
    for finding in found:
        at = bisect.bisect_right(firsts, finding.line) - 1
        if finding.rule_id in ids and not (at >= 0 and finding.line <= version.added[at][1]):
            kept.append(finding)
    return kept


def _may_decode(text: str) -> bool:
    """Whether the decoder finds a segment of ``text`` that decodes to text (a key may hide there)."""
    from byok_ci.detect import encoded

    return bool(_MAY_ENCODE.search(text)) and next(encoded.segments(text), None) is not None


def _confirmed_before(reader: ContextReader,
                      candidates: Sequence[tuple[AddedContext, list[Finding], bytes]]) -> list[set[str]]:
    """For each candidate, the fingerprints of the keys detection of a version it was
    diffed against finds (a pure rename's own blob, at its old path): a key there was
    reported, or will be, where it was introduced."""
    wanted: dict[str, None] = {}
    for version, _, _ in candidates:
        wanted.update((parent, None) for parent in version.parents if parent.strip("0"))
    contents = dict(zip(wanted, _each(reader, list(wanted))))
    done: dict[tuple[str, str], set[str]] = {}
    out = []
    for version, _, data in candidates:
        path = version.renamed_from or version.path
        before: set[str] = set()
        for parent in version.parents or (version.blob,):
            content = data if parent == version.blob else contents.get(parent)
            if not isinstance(content, bytes):
                continue  # nothing to compare with: the key is reported here
            if (parent, path) not in done:
                text = content.decode("utf-8", "replace")
                done[(parent, path)] = {f.fingerprint for f in reader.detector.detect(Chunk(text=text, path=path))}
            before |= done[(parent, path)]
        out.append(before)
    return out


def _unread(version: AddedContext, data: _Data, max_size: int) -> ScanError:
    if isinstance(data, int):
        return ScanError(version.where, f"skipped: the whole file ({data:,} bytes) is over the maximum file size "
                         f"{max_size:,} and was not read {_ABOUT} (raise it with --max-file-size)")
    if data is None:
        return ScanError(version.where, f"git could not read the whole file {_ABOUT}; the repository may be "
                         "damaged (run git fsck)")
    return ScanError(version.where, f"the whole file, read {_ABOUT}, is binary: not scanned")


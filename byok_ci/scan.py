"""Scan files, directories and standard input for leaked keys: the library entry point."""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.config import Settings, available_cpus
from byok_ci.detect.choose import FAST_PREFILTER_MIN_BYTES
from byok_ci.detect.engine import Detector
from byok_ci.detect.prefilter import KeywordPrefilter, Prefilter
from byok_ci.model import Chunk, Finding, Report, ScanError, Stats
from byok_ci.paths import report_root
from byok_ci.pipeline import Run, ruleset_for, start
from byok_ci.pipeline.detection import chunk_findings, detect_chunks
from byok_ci.rules import RuleSet, load_rules
from byok_ci.sources import Reading
from byok_ci.sources.files import (
    STDIN,
    FileEntry,
    FileSource,
    WalkOptions,
    display_path,
)
from byok_ci.vault import KeyVault

if TYPE_CHECKING:
    from byok_ci.detect.anywhere import KeyMatcher
    from byok_ci.shard import Shard  # imported by the CLI when --shard is given

__all__ = ["ruleset_for", "scan_paths", "scan_text"]

# Below these, starting worker processes costs more than it saves. Measured on 2 cores
# (bench/workers.py): with Hyperscan one process scans ~150 MB/s (archives, notebooks and
# encoded-secret decoding included); forking workers and feeding them costs about a sixth
# more CPU, so two pay off from 20-30 MB (33 MB of haystack's docs: 0.15 s against 0.23).
# The walk is listed this far before any file is read: a lower bound shortens that wait.
PARALLEL_MIN_BYTES = {"python": 16 << 20, "hyperscan": 24 << 20}
BATCH_BYTES = 4 << 20
BATCH_FILES = 2000  # a tree of small files reaches workers in batches of this many
# So many files make a scan large whatever their size (and the walk's look-ahead, listed
# before detection starts, stays this short: memory does not grow with the tree).
PARALLEL_MIN_FILES = 20_000
# The walk is listed this many batches ahead of the workers, so the last batches can be cut
# smaller (down to about these sizes) and the workers end together (see _batches).
WALK_AHEAD = 3
LAST_BATCH_BYTES = 256 << 10
LAST_BATCH_FILES = BATCH_FILES // 16


def file_source(paths: Sequence[str], options: WalkOptions, settings: Settings, reading: Reading | None = None) -> FileSource:
    """The files under ``paths``, archives and documents opened as the settings say."""
    from byok_ci.sources.artifacts import ArtifactReader, archive_limits

    source = FileSource(paths, options, reading or Reading())
    source.artifacts = ArtifactReader(source.reader, archive_limits(settings), settings.exclude,
                                      archives=settings.archives)
    return source


def scan_paths(
    paths: Sequence[str | Path] = (".",),
    *,
    rules: RuleSet | None = None,
    settings: Settings | None = None,
    root: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    shard: Shard | None = None,
    keys: KeyVault | None = None,
) -> Report:
    """Scan files and directory trees (``-`` reads standard input) and return the report.

    Archives are opened and source maps and notebooks decoded unless the settings say
    otherwise. Paths in findings and errors are POSIX and relative to ``root`` when
    inside it (default: the report root, see :mod:`byok_ci.paths`: the git work tree's root,
    else the directory scanned). Findings known to the settings' baselines and ignore file
    are left out and counted in ``report.stats``. Problems with inputs, rules or settings
    are collected in ``report.errors``; the rest of the scan still runs. Large scans use
    every CPU; the findings are the same, in the same order, as a single-process scan.
    ``progress(bytes_done, bytes_total)`` is called as files are finished. ``shard`` scans
    only that shard's files (:mod:`byok_ci.shard`); the report records it and the tree.
    ``keys`` (``scan --verify`` only) receives each reported key; the scan then stays in
    this process.
    """
    settings = settings or Settings()
    root_dir = Path(os.path.abspath(root)) if root is not None else report_root(paths)
    run = start("scan", settings, root_dir, rules, keys)
    options = WalkOptions(root=root_dir, exclude=settings.exclude, max_file_size=settings.max_file_size)
    source = file_source([str(p) for p in paths], options, settings)
    # What reading the files meets is kept apart from what the walk meets, so errors come
    # in the same order whether the walk streams or not: the walk's, then the files'.
    walked = source.reading
    source.reader.reading = Reading()
    scanned = ""
    if shard is not None:
        # A shard's files are decided from the whole tree (every shard computes the same
        # assignment), so a sharded walk is listed to its end before detection starts.
        listed = list(source.files())
        scanned = tree_digest(listed)
        owns = shard.owner((e.shown, e.size) for e in listed)
        listed = [e for e in listed if owns(e.shown)]
        if not shard.first:
            walked.forget()  # what the walk met is the first shard's to report
        total = sum(max(e.size, 0) for e in listed)
        entries: Iterator[FileEntry] = iter(listed)
        complete = True
    elif progress is not None:
        # The bar needs the total up front: list the tree first.
        listed = list(source.files())
        total = sum(max(e.size, 0) for e in listed)
        entries = iter(listed)
        complete = True
    else:
        # The walk streams to detection: only enough of it is listed to choose the
        # prefilter and whether workers pay off, so memory does not grow with the tree.
        entries, total, looked, complete = _look_ahead(source.files(), max(PARALLEL_MIN_BYTES.values()),
                                                       PARALLEL_MIN_FILES)
    # A walk not listed to its end is large: in bytes, or in files (whose per-file cost
    # workers share as well as they share bytes).
    detector = run.detector(total if complete else max(total, FAST_PREFILTER_MIN_BYTES))
    jobs = settings.jobs or available_cpus()
    kind = "python" if isinstance(detector.prefilter, KeywordPrefilter) else "hyperscan"
    stdin = any(str(p) == STDIN for p in paths)
    sieve = NameSieve(run.ruleset, detector.prefilter)
    # Keys held for verification never leave this process: no forked workers then.
    if keys is None and jobs > 1 and (total >= PARALLEL_MIN_BYTES[kind] or not complete) and _can_fork() and not stdin:
        unknown = 0
        if not complete and shard is None and progress is None:
            # The workers' reads need no size from the walk (each file's fstat gives it): the
            # rest of the walk skips its lstat, and a file of unknown size counts in a batch
            # as the look-ahead's average file.
            source.sizes = False
            unknown = total // looked
        findings, errors, stats = _in_workers(entries, run, detector, jobs, progress, total if complete else 0,
                                              options, unknown, sieve)
    else:
        findings = detect_chunks(_chunks_with_progress(sieve.watch(entries), source, progress, total), detector)
        errors, stats = source.reader.reading.errors, source.reader.reading.stats()
    walked.errors.extend(errors)
    walked.add_stats(stats)
    # Every name the walk met (files it read, and files and directories it could not) is the
    # tree's; a path argument that names nothing is only the user's typing.
    missing = {display_path(str(p), root_dir) for p in paths if str(p) != STDIN and not os.path.lexists(p)}
    names = sieve.names() + [e.path for e in walked.errors]
    report = run.finish(findings, walked, names=names, missing=missing)
    return report if shard is None else replace(report, shard=str(shard), scanned=scanned)


def tree_digest(entries: list[FileEntry]) -> str:
    """What a sharded scan read, as an id every shard computes alike: every file's path and size."""
    import hashlib

    digest = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.shown):
        digest.update(f"{entry.shown}\0{entry.size}\n".encode("utf-8", "surrogateescape"))
    return f"files:{digest.hexdigest()[:32]}"


def _look_ahead(entries: Iterator[FileEntry], enough: int, files: int) -> tuple[Iterator[FileEntry], int, int, bool]:
    """``entries`` again, the size and the number of those listed before their sizes reached
    ``enough`` or their number ``files``, and whether that was all of them (neither reached)."""
    head: list[FileEntry] = []
    total = 0
    for entry in entries:
        head.append(entry)
        total += max(entry.size, 0)
        if total >= enough or len(head) >= files:
            return itertools.chain(head, entries), total, len(head), False
    return iter(head), total, len(head), True


class NameSieve:
    """The names of the files a scan reads, kept only where a key may be in one: checked in
    batches (one search of many names joined), so a tree of a million files keeps a handful
    of names, not a million. :func:`byok_ci.pipeline.names.keys_in_names` judges those kept.
    With Hyperscan (``prefilter``), names in which it sees no rule that can match are dropped
    without the key matcher's regexes (which cost as much as walking the tree)."""

    BATCH = 4096

    def __init__(self, ruleset: RuleSet, prefilter: Prefilter | None = None) -> None:
        self._ruleset = ruleset
        self._matcher: KeyMatcher | None = None
        self._pending: list[str] = []
        self._kept: list[str] = []
        self._may_hold = getattr(prefilter, "may_hold", None)
        self._worded = getattr(prefilter, "worded", None)
        self._alone: frozenset[int] = frozenset()
        if self._may_hold is not None:
            from byok_ci.detect.anywhere import anchors_of

            # Rules with context that the matcher matches by their fixed text alone.
            self._alone = frozenset(i for i, rule in enumerate(ruleset.rules) if rule.context and anchors_of(rule))

    def watch(self, entries: Iterable[FileEntry]) -> Iterator[FileEntry]:
        for entry in entries:
            self._pending.append(entry.shown)
            if len(self._pending) >= self.BATCH:
                self._sift()
            yield entry
        # The walk's last names now: a scan with workers ends its walk while they still read
        # (batches are cut ahead), so this is not left to the end, when nothing else runs.
        self._sift()

    def add(self, names: Iterable[str]) -> None:
        """:meth:`watch` a batch of names at a time (a worker's batch: no step a file)."""
        self._pending.extend(names)
        if len(self._pending) >= self.BATCH:
            self._sift()

    def names(self) -> list[str]:
        self._sift()
        return self._kept

    def _may_hold_alone(self, names: list[str]) -> list[str]:
        """The names of which Hyperscan says each alone may hold a key. What fires in a name
        fires in any batch it is joined into (as the first test of a batch already assumed),
        so a batch that does not fire is dropped whole: a few dozen scans for a batch of
        thousands of names, not one a name."""
        assert self._may_hold is not None
        if not self._may_hold("\n".join(names), self._alone):
            return []
        if len(names) == 1:
            return names
        half = len(names) // 2
        return self._may_hold_alone(names[:half]) + self._may_hold_alone(names[half:])

    def _sift(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        if self._may_hold is not None:
            # A batch may fire by one name's provider and another's long run: each name is
            # judged alone in the end (keys_in_names), so only names that may hold a key
            # alone are kept, found by halving the batches that fire. Names with a provider's
            # word are halved apart from the others: together, a tree's names fire in nearly
            # every half (a few hundred scans a batch); apart, the others fire only for a
            # name that may hold a key, and those with a word halve among fewer.
            worded = self._worded(pending) if self._worded is not None else [False] * len(pending)
            kept = set()
            for part in ([n for n, w in zip(pending, worded) if w], [n for n, w in zip(pending, worded) if not w]):
                if part:
                    kept.update(self._may_hold_alone(part))
            pending = [name for name in pending if name in kept]
            if not pending:
                return
        joined = "\n".join(pending)
        if self._matcher is None:
            from byok_ci.detect.anywhere import KeyMatcher

            self._matcher = KeyMatcher(self._ruleset.rules)
        if self._matcher.keys(joined):
            self._kept.extend(pending)


def _chunks_with_progress(
    entries: Iterable[FileEntry], source: FileSource, progress: Callable[[int, int], None] | None, total: int
) -> Iterator[Chunk]:
    done = 0
    for entry in entries:
        got = source.entry_read(entry)
        if isinstance(got, Chunk):
            yield got
        elif got is not None:
            yield from got
        done += max(entry.size, 0)
        if progress is not None:
            progress(done, total)


def scan_text(text: str, path: str = "<text>", *, rules: RuleSet | None = None) -> list[Finding]:
    """Findings in one string, e.g. a config value about to be written somewhere."""
    detector = Detector(rules if rules is not None else load_rules())
    return sorted(detector.detect(Chunk(text=text, path=path)), key=Finding.sort_key)


def _batches(entries: Iterable[FileEntry], target: int, unknown: int = 0, workers: int = 1) -> Iterator[list[FileEntry]]:
    """``entries`` in batches of about ``target`` bytes or BATCH_FILES files, as they come
    (a file whose size the walk did not take counts as ``unknown`` bytes). The walk is read
    :data:`WALK_AHEAD` batches ahead, so its end is known before the last batches are cut:
    those take a ``1 / (2 × workers)`` share of what is left each (down to
    :data:`LAST_BATCH_BYTES`), and the ``workers`` end together instead of one idling while
    another reads a whole last batch."""
    ahead: deque[list[FileEntry]] = deque()
    given = 0
    for batch in _cut(entries, target, BATCH_FILES, unknown):
        ahead.append(batch)
        # Nothing is held back until every worker has its first batch and the next one: the
        # look-ahead grows by a batch a batch given, so the workers start at once.
        if len(ahead) > min(WALK_AHEAD, max(0, given - workers)):
            yield ahead.popleft()
            given += 1
    rest = [entry for batch in ahead for entry in batch]
    weight = sum(entry.size if entry.size >= 0 else unknown for entry in rest)
    shares = 2 * max(workers, 1)
    while rest:
        most = min(target, max(weight // shares, LAST_BATCH_BYTES))
        batch = next(_cut(rest, most, min(BATCH_FILES, max(len(rest) // shares, LAST_BATCH_FILES)), unknown))
        del rest[:len(batch)]
        weight -= sum(entry.size if entry.size >= 0 else unknown for entry in batch)
        yield batch


def _cut(entries: Iterable[FileEntry], target: int, files: int, unknown: int) -> Iterator[list[FileEntry]]:
    """``entries`` in batches of ``target`` bytes or ``files`` files (the last one smaller)."""
    batch: list[FileEntry] = []
    size = 0
    for entry in entries:
        batch.append(entry)
        size += entry.size if entry.size >= 0 else unknown
        if size >= target or len(batch) >= files:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# A batch as it goes to a worker: its files' paths, shown paths and sizes (three tuples
# pickle in a quarter of the time of as many FileEntry records, and load in a third).
Packed = tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]


def _packed(batches: Iterable[list[FileEntry]], sieve: NameSieve | None = None) -> Iterator[Packed]:
    """``batches`` packed, their names given to ``sieve`` as they pass (the walk's last ones
    sifted when it has ended, while the workers still read)."""
    for batch in batches:
        packed: Packed = tuple(zip(*batch))  # type: ignore[assignment]
        if sieve is not None:
            sieve.add(packed[1])
        yield packed
    if sieve is not None:
        sieve.names()


def _can_fork() -> bool:
    from byok_ci.pipeline.workers import can_fork  # pickle and select.poll: large scans only

    return can_fork()


def _scan_batch(batch: Packed) -> tuple[list[Finding], list[ScanError], Stats]:
    """A worker's share: the chunks of ``batch``, read and scanned in this process."""
    from byok_ci.pipeline.workers import worker_state

    return _scan_packed(batch, *worker_state())


def _scan_packed(batch: Packed, options: WalkOptions, settings: Settings,
                 detector: Detector) -> tuple[list[Finding], list[ScanError], Stats]:
    source = file_source([], options, settings)
    assert source.artifacts is not None
    # What source.entry_read and chunk_findings do, without their calls for most files (a
    # batch never holds standard input): a plain file's one chunk, not decoded from it.
    read, detect = source.artifacts.file_read, detector.detect
    findings: list[Finding] = []
    for path, shown in zip(batch[0], batch[1]):
        got = read(path, shown)
        if got is None:
            continue
        if not isinstance(got, Chunk):
            for chunk in got:
                findings.extend(chunk_findings(chunk, detector))
        elif got.origin is None:
            findings += detect(got)
        else:
            findings.extend(chunk_findings(got, detector))
    return findings, source.reading.errors, source.reading.stats()


def _in_workers(
    entries: Iterable[FileEntry], run: Run, detector: Detector, jobs: int,
    progress: Callable[[int, int], None] | None, total: int, options: WalkOptions, unknown: int = 0,
    sieve: NameSieve | None = None,
) -> tuple[list[Finding], list[ScanError], Stats]:
    """Findings, errors and counts of ``entries`` read and scanned by ``jobs`` workers, the
    walk feeding them batches as it lists them (``unknown``: the bytes a file whose size
    the walk did not take counts for in a batch; ``sieve`` is given their names)."""
    # A scan this large meets a rule with context and encoded text (nearly) surely: their
    # modules are imported once here, before the fork, not once in every worker.
    import byok_ci.detect.encoded
    import byok_ci.detect.structure  # noqa: F401
    from byok_ci.pipeline.workers import WorkerLost, in_workers

    detector.before_fork()

    findings: list[Finding] = []
    errors: list[ScanError] = []
    stats = Stats()
    done = 0
    batches = _packed(_batches(entries, BATCH_BYTES, unknown, jobs), sieve)
    state = (options, run.settings, detector)

    def results() -> Iterator[tuple[Packed, tuple[list[Finding], list[ScanError], Stats]]]:
        try:
            yield from in_workers(_scan_batch, batches, jobs, state)
        except WorkerLost as lost:
            # A worker killed (out of memory, most often) took its batch's results with it:
            # those files are named as not scanned (never "no leaks found" for them), and
            # the rest of the scan goes on in this process, without the pool.
            errors.extend(ScanError(shown, f"not scanned: the worker process reading it {lost.how}")
                          for shown in lost.batch[1])
            for batch in itertools.chain(lost.pending, batches):
                yield batch, _scan_packed(batch, *state)

    for batch, (found, batch_errors, batch_stats) in results():
        findings.extend(found)
        errors.extend(batch_errors)
        stats = stats + batch_stats
        if progress is not None:
            done += sum(max(size, 0) for size in batch[2])
            progress(done, total)
    return findings, errors, stats

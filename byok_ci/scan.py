"""Scan files, directories and standard input for leaked keys: the library entry point."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from byok_ci.config import Settings, available_cpus
from byok_ci.detect.engine import Detector
from byok_ci.detect.prefilter import KeywordPrefilter
from byok_ci.model import Chunk, Finding, Report, ScanError, Stats
from byok_ci.paths import report_root
from byok_ci.pipeline import Run, ruleset_for, start
from byok_ci.pipeline.detection import can_fork, chunk_findings, detect_chunks, in_workers, worker_state
from byok_ci.rules import RuleSet, load_rules
from byok_ci.shard import Shard
from byok_ci.sources import Reading
from byok_ci.sources.files import STDIN, FileEntry, FileSource, WalkOptions, display_path

__all__ = ["ruleset_for", "scan_paths", "scan_text"]

# Below these, starting worker processes costs more than it saves. Measured on 2 cores:
# with Hyperscan one process scans ~150 MB/s (archives, notebooks and encoded-secret
# decoding included) and a second worker pays off from a few tens of MB.
PARALLEL_MIN_BYTES = {"python": 16 << 20, "hyperscan": 48 << 20}
BATCH_BYTES = 4 << 20


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
    """
    settings = settings or Settings()
    root_dir = Path(os.path.abspath(root)) if root is not None else report_root(paths)
    run = start("scan", settings, root_dir, rules)
    options = WalkOptions(root=root_dir, exclude=settings.exclude, max_file_size=settings.max_file_size)
    source = file_source([str(p) for p in paths], options, settings)
    entries = list(source.files())
    scanned = ""
    if shard is not None:
        scanned = tree_digest(entries)
        owns = shard.owner((e.shown, e.size) for e in entries)
        entries = [e for e in entries if owns(e.shown)]
        if not shard.first:
            source.reading.forget()  # what the walk met is the first shard's to report
    total = sum(max(e.size, 0) for e in entries)
    detector = run.detector(total)
    jobs = settings.jobs or available_cpus()
    kind = "python" if isinstance(detector.prefilter, KeywordPrefilter) else "hyperscan"
    if jobs > 1 and total >= PARALLEL_MIN_BYTES[kind] and can_fork() and all(e.path != STDIN for e in entries):
        findings = _in_workers(entries, source, run, detector, jobs, progress, total)
    else:
        findings = detect_chunks(_chunks_with_progress(entries, source, progress, total), detector)
    # Every name the walk met (files it read, and files and directories it could not) is the
    # tree's; a path argument that names nothing is only the user's typing.
    missing = {display_path(str(p), root_dir) for p in paths if str(p) != STDIN and not os.path.lexists(p)}
    names = [e.shown for e in entries] + [e.path for e in source.reading.errors]
    report = run.finish(findings, source.reading, names=names, missing=missing)
    return report if shard is None else replace(report, shard=str(shard), scanned=scanned)


def tree_digest(entries: list[FileEntry]) -> str:
    """What a sharded scan read, as an id every shard computes alike: every file's path and size."""
    import hashlib

    digest = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: e.shown):
        digest.update(f"{entry.shown}\0{entry.size}\n".encode("utf-8", "surrogateescape"))
    return f"files:{digest.hexdigest()[:32]}"


def _chunks_with_progress(
    entries: list[FileEntry], source: FileSource, progress: Callable[[int, int], None] | None, total: int
) -> Iterator[Chunk]:
    done = 0
    for entry in entries:
        yield from source.entry_chunks(entry)
        done += max(entry.size, 0)
        if progress is not None:
            progress(done, total)


def scan_text(text: str, path: str = "<text>", *, rules: RuleSet | None = None) -> list[Finding]:
    """Findings in one string, e.g. a config value about to be written somewhere."""
    detector = Detector(rules if rules is not None else load_rules())
    return sorted(detector.detect(Chunk(text=text, path=path)), key=Finding.sort_key)


def _batches(entries: list[FileEntry], target: int) -> list[list[FileEntry]]:
    batches: list[list[FileEntry]] = [[]]
    size = 0
    for entry in entries:
        if size >= target:
            batches.append([])
            size = 0
        batches[-1].append(entry)
        size += max(entry.size, 0)
    return batches


def _scan_batch(batch: list[FileEntry]) -> tuple[list[Finding], list[ScanError], Stats]:
    """A worker's share: the chunks of ``batch``, read and scanned in this process."""
    options, settings, detector = worker_state()
    source = file_source([], options, settings)
    findings: list[Finding] = []
    for entry in batch:
        for chunk in source.entry_chunks(entry):
            findings.extend(chunk_findings(chunk, detector))
    return findings, source.reading.errors, source.reading.stats()


def _in_workers(
    entries: list[FileEntry], source: FileSource, run: Run, detector: Detector, jobs: int,
    progress: Callable[[int, int], None] | None, total: int,
) -> list[Finding]:
    findings: list[Finding] = []
    done = 0
    batches = _batches(entries, BATCH_BYTES)
    for batch, (found, errors, stats) in in_workers(_scan_batch, batches, jobs, (source.options, run.settings, detector)):
        findings.extend(found)
        source.reading.errors.extend(errors)
        source.reading.add_stats(stats)
        done += sum(max(e.size, 0) for e in batch)
        if progress is not None:
            progress(done, total)
    return findings

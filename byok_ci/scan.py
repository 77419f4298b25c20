"""Scan files, directories and standard input for leaked keys: the library entry point."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.config import Settings, available_cpus
from byok_ci.detect.anywhere import KeyMatcher
from byok_ci.detect.engine import Detector
from byok_ci.detect.choose import prefilter_for
from byok_ci.detect.prefilter import KeywordPrefilter
from byok_ci.model import Chunk, Finding, Report, ScanError, Stats
from byok_ci.paths import relative_to_root, report_root
from byok_ci.names import report_keys_in_names
from byok_ci.rules import RuleSet, load_rules
from byok_ci.sources.files import STDIN, FileEntry, FileSource, WalkOptions, display_path
from byok_ci.suppress.stage import Suppression, load_suppression

# Below these, starting worker processes costs more than it saves. Measured on 2 cores:
# with Hyperscan one process scans ~150 MB/s (archives, notebooks and encoded-secret
# decoding included) and a second worker pays off from a few tens of MB.
PARALLEL_MIN_BYTES = {"python": 16 << 20, "hyperscan": 48 << 20}
BATCH_BYTES = 4 << 20

if TYPE_CHECKING:
    from byok_ci.sources.artifacts import ArtifactReader


def ruleset_for(settings: Settings) -> RuleSet:
    """The shipped rules plus the settings' extra rule files, minus disabled rules."""
    return load_rules(extra=settings.rule_files, disabled=settings.disable_rules)


def _artifact_reader(source: FileSource, settings: Settings) -> ArtifactReader:
    from byok_ci.sources.artifacts import ArtifactReader

    return ArtifactReader(
        settings.archive_limits(), source.errors, source.stats, settings.exclude, archives=settings.archives
    )


def chunk_findings(chunk: Chunk, detector: Detector) -> list[Finding]:
    findings = detector.detect(chunk)
    if chunk.origin is not None:
        # Text decoded from the file (a source map's sources, a notebook cell): report the
        # file's own line and column.
        findings = [chunk.origin.relocate(f, chunk.text) for f in findings]
    return findings


def scan_chunks(chunks: Iterable[Chunk], detector: Detector, report: Report) -> Report:
    for chunk in chunks:
        report.findings.extend(chunk_findings(chunk, detector))
    report.findings.sort(key=Finding.sort_key)
    return report


def start_report(ruleset: RuleSet, settings: Settings, root: Path | None = None) -> tuple[Report, Suppression]:
    """An empty scan report carrying the rules' problems, and the settings' suppression.

    ``root`` is the report root (:mod:`byok_ci.paths`) the scan's paths are relative to.
    """
    report = Report(
        command="scan",
        rules_count=len(ruleset.rules),
        rules_digest=ruleset.digest,
        rules={rule.id: rule.info() for rule in ruleset.rules},
        root=str(root) if root is not None else "",
    )
    report.errors.extend(ruleset.errors)
    suppression, suppression_errors = load_suppression(settings, root=root)
    report.errors.extend(suppression_errors)
    report.warnings.extend(settings.notes)
    return report, suppression


def finish_report(report: Report, suppression: Suppression, root: Path) -> None:
    """Hold back what the suppression knows and show every path relative to the report root."""
    suppression.apply(report, root)
    # Errors about files found by walking up (the config, the ignore file at the git root)
    # name them absolutely; show them like every other path.
    report.errors[:] = [_relative_error(e, root) for e in report.errors]
    report.warnings[:] = [_relative_error(w, root) for w in report.warnings]


def _relative_error(error: ScanError, root: Path) -> ScanError:
    shown = relative_to_root(error.path, root)
    return error if shown == error.path else replace(error, path=shown)


def detector_for(ruleset: RuleSet, settings: Settings, suppression: Suppression, expected_bytes: int) -> Detector:
    """The detector every scan uses: the prefilter that suits the input's size, and the settings."""
    return Detector(
        ruleset,
        prefilter=prefilter_for(ruleset, expected_bytes),
        allowed_fingerprints=settings.allow_fingerprints,
        suppressed_sha1=suppression.sha1_hashes,
        decode_depth=settings.max_decode_depth,
    )


def scan_paths(
    paths: Sequence[str | Path] = (".",),
    *,
    rules: RuleSet | None = None,
    settings: Settings | None = None,
    root: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Scan files and directory trees (``-`` reads standard input) and return the report.

    Archives are opened and source maps and notebooks decoded unless the settings say
    otherwise. Paths in findings and errors are POSIX and relative to ``root`` when
    inside it (default: the report root, see :mod:`byok_ci.paths`: the git work tree's root,
    else the directory scanned). Findings known to the settings' baselines and ignore file
    are left out and counted in ``report.stats``. Problems with inputs, rules or settings
    are collected in ``report.errors``; the rest of the scan still runs. Large scans use
    every CPU; the findings are the same, in the same order, as a single-process scan.
    ``progress(bytes_done, bytes_total)`` is called as files are finished.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    ruleset = rules if rules is not None else ruleset_for(settings)
    root_dir = Path(os.path.abspath(root)) if root is not None else report_root(paths)
    source = FileSource(
        [str(p) for p in paths],
        WalkOptions(root=root_dir, exclude=settings.exclude, max_file_size=settings.max_file_size),
    )
    source.artifacts = _artifact_reader(source, settings)
    report, suppression = start_report(ruleset, settings, root_dir)
    entries = list(source.files())
    total = sum(max(e.size, 0) for e in entries)
    detector = detector_for(ruleset, settings, suppression, total)
    jobs = settings.jobs or available_cpus()
    kind = "python" if isinstance(detector.prefilter, KeywordPrefilter) else "hyperscan"
    if jobs > 1 and total >= PARALLEL_MIN_BYTES[kind] and _can_fork() and all(e.path != STDIN for e in entries):
        _scan_in_workers(entries, source, settings, detector, report, jobs, progress, total)
    else:
        scan_chunks(_chunks_with_progress(entries, source, progress, total), detector, report)
    report.findings = _unique(sorted(report.findings, key=Finding.sort_key))
    report.errors.extend(source.errors)
    report.stats = source.stats
    # Every name the walk met (files it read, and files and directories it could not) is the
    # tree's; a path argument that names nothing is only the user's typing.
    missing = {display_path(str(p), root_dir) for p in paths if str(p) != STDIN and not os.path.lexists(p)}
    names = [e.shown for e in entries] + [e.path for e in source.errors]
    report_keys_in_names(report, KeyMatcher(ruleset.rules), paths=names, missing=missing)
    finish_report(report, suppression, root_dir)
    report.stats.seconds = time.perf_counter() - started
    return report


def _chunks_with_progress(
    entries: list[FileEntry], source: FileSource, progress: Callable[[int, int], None] | None, total: int
) -> Iterator[Chunk]:
    done = 0
    for entry in entries:
        yield from source.entry_chunks(entry)
        done += max(entry.size, 0)
        if progress is not None:
            progress(done, total)


def _unique(findings: list[Finding]) -> list[Finding]:
    """Sorted findings without repeats: a large file is read in chunks that overlap, and
    what is found in an overlap is found twice, at the same line and column."""
    seen: set[tuple[object, ...]] = set()
    out: list[Finding] = []
    for finding in findings:
        key = (*finding.sort_key(), finding.encoding, finding.scanned_as, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def scan_text(text: str, path: str = "<text>", *, rules: RuleSet | None = None) -> list[Finding]:
    """Findings in one string, e.g. a config value about to be written somewhere."""
    detector = Detector(rules if rules is not None else load_rules())
    return sorted(detector.detect(Chunk(text=text, path=path)), key=Finding.sort_key)


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


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


# Set in the parent just before forking, so workers inherit the compiled rules and the
# prefilter instead of unpickling them.
_WORKER_STATE: tuple[FileSource, Settings, Detector] | None = None


def _scan_batch(batch: list[FileEntry]) -> tuple[list[Finding], list[ScanError], Stats]:
    assert _WORKER_STATE is not None
    parent_source, settings, detector = _WORKER_STATE
    source = FileSource([], parent_source.options)
    source.artifacts = _artifact_reader(source, settings)
    findings: list[Finding] = []
    for entry in batch:
        for chunk in source.entry_chunks(entry):
            findings.extend(chunk_findings(chunk, detector))
    return findings, source.errors, source.stats


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent and die quietly when it stops them: they inherit
    the CLI's SIGTERM-as-KeyboardInterrupt handler, which printed a traceback per worker.
    The parent forks them with both signals blocked, so none arrives before this runs."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _scan_in_workers(
    entries: list[FileEntry], source: FileSource, settings: Settings, detector: Detector, report: Report, jobs: int,
    progress: Callable[[int, int], None] | None = None, total: int = 0,
) -> None:
    import multiprocessing

    global _WORKER_STATE
    _WORKER_STATE = (source, settings, detector)
    try:
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_quiet_worker)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        with pool:
            batches = _batches(entries, BATCH_BYTES)
            done = 0
            for batch, (findings, errors, stats) in zip(batches, pool.imap(_scan_batch, batches)):
                report.findings.extend(findings)
                source.errors.extend(errors)
                source.stats.add(stats)
                done += sum(max(e.size, 0) for e in batch)
                if progress is not None:
                    progress(done, total)
    finally:
        _WORKER_STATE = None

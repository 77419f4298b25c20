"""Scan files, directories and standard input for leaked keys: the library entry point."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.config import Settings
from byok_ci.detect.engine import Detector
from byok_ci.model import Chunk, Finding, Report
from byok_ci.rules import RuleSet, load_rules
from byok_ci.sources.files import FileSource, WalkOptions

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


def scan_chunks(chunks: Iterable[Chunk], detector: Detector, report: Report) -> Report:
    for chunk in chunks:
        findings = detector.detect(chunk)
        if chunk.origin is not None:
            # Text decoded from the file (a source map's sources, a notebook cell): report
            # the file's own line and column.
            findings = [chunk.origin.relocate(f, chunk.text) for f in findings]
        report.findings.extend(findings)
    report.findings.sort(key=Finding.sort_key)
    return report


def scan_paths(
    paths: Sequence[str | Path] = (".",),
    *,
    rules: RuleSet | None = None,
    settings: Settings | None = None,
    root: str | Path | None = None,
) -> Report:
    """Scan files and directory trees (``-`` reads standard input) and return the report.

    Paths in findings are POSIX and relative to ``root`` (default: the current directory)
    when inside it. Problems with inputs, rules or settings are collected in
    ``report.errors``; the rest of the scan still runs.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    ruleset = rules if rules is not None else ruleset_for(settings)
    source = FileSource(
        [str(p) for p in paths],
        WalkOptions(
            root=Path(root).resolve() if root is not None else Path.cwd(),
            exclude=settings.exclude,
            max_file_size=settings.max_file_size,
        ),
    )
    source.artifacts = _artifact_reader(source, settings)
    report = Report(command="scan", rules_count=len(ruleset.rules), rules_digest=ruleset.digest)
    report.errors.extend(ruleset.errors)
    detector = Detector(
        ruleset, allowed_fingerprints=settings.allow_fingerprints, decode_depth=settings.max_decode_depth
    )
    scan_chunks(source.chunks(), detector, report)
    report.errors.extend(source.errors)
    report.stats = source.stats
    report.stats.seconds = time.perf_counter() - started
    return report


def scan_text(text: str, path: str = "<text>", *, rules: RuleSet | None = None) -> list[Finding]:
    """Findings in one string, e.g. a config value about to be written somewhere."""
    detector = Detector(rules if rules is not None else load_rules())
    return sorted(detector.detect(Chunk(text=text, path=path)), key=Finding.sort_key)

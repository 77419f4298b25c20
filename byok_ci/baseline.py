"""Create and update a baseline from a scan of the current tree (`byok-ci baseline`).

A baseline is read and written by :mod:`byok_ci.suppress.baseline`; this module scans the
tree first, so it sits above the scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from byok_ci.config import Settings
from byok_ci.model import Report, ScanError
from byok_ci.scan import scan_paths
from byok_ci.suppress.baseline import Baseline, Update, from_findings, read_baseline, update, write_baseline


@dataclass(frozen=True)
class Outcome:
    """What a baseline command did: the scan behind it, the file's new state, and problems."""

    report: Report
    baseline: Baseline | None
    update: Update | None = None
    written: bool = False


def _scan(paths: Sequence[str | Path], settings: Settings) -> Report:
    # The baseline records every current finding, so no baseline may hold any back here.
    return scan_paths(paths, settings=replace(settings, baselines=()))


def create_baseline(
    paths: Sequence[str | Path],
    output: Path | None,
    *,
    settings: Settings | None = None,
    bind_paths: bool = False,
    reason: str = "",
) -> Outcome:
    """Scan ``paths`` and write a baseline of every finding to ``output`` (None: build only)."""
    report = _scan(paths, settings or Settings())
    base_dir = output.parent if output is not None else Path.cwd()
    baseline = from_findings(report.findings, root=_root(report), base_dir=base_dir, bind_paths=bind_paths, reason=reason)
    if output is None:
        return Outcome(report, baseline)
    problem = _write(baseline, output)
    return Outcome(report.with_errors(after=problem), baseline, written=not problem)


def update_baseline(
    paths: Sequence[str | Path],
    path: Path,
    *,
    settings: Settings | None = None,
    prune: bool = False,
) -> Outcome:
    """Add new findings to the baseline at ``path`` and find its stale entries (removed with ``prune``).

    A baseline that cannot be read is left alone. When the scan could not read every input,
    nothing is pruned: a secret in an unreadable file would look stale.
    """
    old, errors = read_baseline(path)
    if errors:
        return Outcome(Report(command="baseline", errors=errors), None)
    report = _scan(paths, settings or Settings())
    if prune and report.errors:
        report = report.with_errors(after=[ScanError(path.as_posix(), "not pruning: the scan could not read every input")])
        prune = False
    result = update(old, report.findings, root=_root(report), prune=prune)
    problem = _write(result.baseline, path)
    return Outcome(report.with_errors(after=problem), result.baseline, result, written=not problem)


def _root(report: Report) -> Path:
    """What the report's paths are relative to (the report root of the scan)."""
    return Path(report.root) if report.root else Path.cwd()


def _write(baseline: Baseline, path: Path) -> list[ScanError]:
    """Write ``baseline`` to ``path``; what went wrong, if anything."""
    try:
        write_baseline(baseline, path)
    except OSError as exc:
        return [ScanError(path.as_posix(), f"cannot write baseline: {(exc.strerror or str(exc)).lower()}")]
    return []

"""Drift results as text: one line per key and probe, grouped by environment."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from byok_ci.model import Report
from byok_ci.outbound import escaped_report

_LABELS = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "skipped": "SKIP"}
_STYLES = {"pass": "\033[32m", "fail": "\033[31m", "inconclusive": "\033[33m", "skipped": "\033[2m", "env": "\033[1m"}
_RESET = "\033[0m"


def write(report: Report, stream: TextIO, *, color: bool = False, quiet: bool = False, **_options: object) -> None:
    def paint(style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    report = escaped_report(report)  # key names, environments, provider answers are data
    checks = list(getattr(report, "probes", []))
    for env, group in groupby(checks, key=lambda c: c.env):
        items = list(group)
        if quiet:
            items = [c for c in items if c.outcome in ("fail", "inconclusive")]
            if not items:
                continue
        stream.write(paint("env", f"drift/{env}") + "\n")
        for c in items:
            status = f" [{c.status}]" if c.status is not None else ""
            rule = f"  {c.rule_id}" if c.outcome == "fail" and c.rule_id else ""
            stream.write(
                f"  {paint(c.outcome, f'{_LABELS[c.outcome]:<12}')} {c.key} / {c.title}{status}: {c.reason}{rule}\n"
            )
    if quiet:
        return
    counts = {o: sum(1 for c in checks if c.outcome == o) for o in _LABELS}
    keys = len({(c.env, c.key) for c in checks})
    problems = f", {len(report.errors)} error{'s' if len(report.errors) != 1 else ''}" if report.errors else ""
    stream.write(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['inconclusive']} inconclusive, "
        f"{counts['skipped']} skipped ({keys} key{'s' if keys != 1 else ''} in {report.stats.seconds:.2f}s{problems})\n"
    )

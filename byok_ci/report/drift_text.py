"""Drift results as text: one line per key and probe, grouped by environment.

A key that could not be probed is ERROR on each of its probes' lines, as it is an error in
JSON, JUnit and the job summary, and the run exits 2 (incomplete).
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from byok_ci.model import Report
from byok_ci.outbound import escaped_report

_LABELS = {"pass": "PASS", "fail": "FAIL", "inconclusive": "INCONCLUSIVE", "skipped": "SKIP", "error": "ERROR"}
_STYLES = {"pass": "\033[32m", "fail": "\033[31m", "inconclusive": "\033[33m", "skipped": "\033[2m",
           "error": "\033[31m", "env": "\033[1m"}
_RESET = "\033[0m"


def write(report: Report, stream: TextIO, *, color: bool = False, quiet: bool = False, **_options: object) -> None:
    def paint(style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    report = escaped_report(report)  # key names, environments, provider answers are data
    checks = list(getattr(report, "probes", []))
    for env, group in groupby(checks, key=lambda c: c.env):
        items = list(group)
        if quiet:
            items = [c for c in items if c.outcome in ("fail", "inconclusive", "error")]
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
    errors = f", {counts['error']} error{'s' if counts['error'] != 1 else ''}" if counts["error"] else ""
    # Errors no check shows (a probe file, a manifest without keys for the environment).
    shown = {c.error for c in checks if c.error is not None}
    other = sum(1 for e in report.errors if e not in shown)
    problems = f", {other} problem{'s' if other != 1 else ''} reported as errors" if other else ""
    stream.write(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['inconclusive']} inconclusive, "
        f"{counts['skipped']} skipped{errors} ({keys} key{'s' if keys != 1 else ''} in {report.stats.seconds:.2f}s"
        f"{problems})\n"
    )

"""Drift results as JUnit XML: a testsuite per environment (``drift/<env>``), a testcase per
key and probe (``prod / acme-prod-openai / real key accepted``).

fail -> failure (type = the finding's rule id); inconclusive and skipped -> skipped with
the reason; error (the key could not be probed) -> error, under the same testcase names, so
a checklist comparing runs sees the same testcases whatever happened. Errors that belong to
no key (a probe file, no keys for the environment) are error testcases named by their file.
The scan's JUnit (``byok_ci.report.junit``) is unchanged; both share its schema
post-processing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from byok_ci.model import Report
from byok_ci.outbound import escaped_report
from byok_ci.report.junit import _conform, _error_case


def to_xml(report: Report) -> str:
    from junit_xml import TestCase, TestSuite, to_xml_report_string

    report = escaped_report(report)  # key names, environments, provider answers are data
    checks = list(getattr(report, "probes", []))
    envs: dict[str, list[TestCase]] = {}
    for c in checks:
        case = TestCase(
            name=f"{c.env} / {c.key} / {c.title}",
            classname=f"drift.{c.env}.{c.key}",
            elapsed_sec=c.seconds,
            file=None,
        )
        status = f" [{c.status}]" if c.status is not None else ""
        details = f"provider: {c.provider}\nprobe: {c.probe}\nstatus: {c.status}\n{c.reason}"
        if c.outcome == "fail":
            case.add_failure_info(message=f"{c.reason}{status}", output=details, failure_type=c.rule_id or "drift")
        elif c.outcome in ("inconclusive", "skipped"):
            case.add_skipped_info(message=f"{c.outcome}: {c.reason}{status}", output=details)
        elif c.outcome == "error":
            message = c.error.one_line() if c.error is not None else c.reason
            case.add_error_info(message=message, output=details, error_type="input-error")
        envs.setdefault(c.env, []).append(case)
    shown = {c.error for c in checks if c.error is not None}
    errors = sorted((e for e in report.errors if e not in shown), key=lambda e: (e.path, e.line or 0, e.message))
    cases: list[TestCase] = []
    if errors:
        # Errors of the run belong to its environment (a run has one).
        cases = envs[next(iter(envs))] if envs else []
        cases.extend(_error_case(error, "drift") for error in errors)
    suites = [TestSuite(f"drift/{env}", env_cases) for env, env_cases in envs.items()] or [
        TestSuite("drift", cases or [TestCase(name="drift: no keys to probe", classname="drift", elapsed_sec=0.0)])
    ]
    raw = to_xml_report_string(suites, prettyprint=False, encoding="utf-8")
    root = ET.fromstring(_conform(raw, report.stats.seconds).split("\n", 1)[1])
    for suite in root.iter("testsuite"):
        suite.set("time", f"{sum(float(c.get('time') or 0) for c in suite.iter('testcase')):.3f}")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(report: Report, stream: TextIO, **_options: object) -> None:
    stream.write(to_xml(report))

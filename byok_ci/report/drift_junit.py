"""Drift results as JUnit XML: a testsuite per environment (``drift/<env>``), a testcase per
key and probe (``prod / acme-prod-openai / real key accepted``).

fail -> failure (type = the finding's rule id); inconclusive and skipped -> skipped with
the reason; a key that could not be probed also gets an error testcase. The scan's JUnit
(``byok_ci.report.junit``) is unchanged; both share its schema post-processing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from byok_ci.model import Report
from byok_ci.outbound import escaped_report
from byok_ci.report.junit import _conform


def to_xml(report: Report) -> str:
    from junit_xml import TestCase, TestSuite, to_xml_report_string

    report = escaped_report(report)  # key names, environments, provider answers are data
    checks = list(getattr(report, "probes", []))
    envs: dict[str, list[TestCase]] = {}
    for c in checks:
        if c.error:
            continue  # the report's errors hold it; it becomes an error testcase below
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
        envs.setdefault(c.env, []).append(case)
    errors = sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message))
    cases: list[TestCase] = []
    if errors:
        # Keys that could not be probed belong to the run's environment (a run has one).
        cases = envs[next(iter(envs))] if envs else []
        for error in errors:
            case = TestCase(name=f"could not probe: {error.message}", classname="drift", elapsed_sec=0.0)
            case.add_error_info(message=error.one_line(), output=error.one_line(), error_type="input-error")
            cases.append(case)
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

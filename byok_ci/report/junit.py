"""JUnit XML that release checklists and CI test tabs read.

Written with junit-xml, then post-processed: the Jenkins schema rejects junit-xml's
``disabled`` attribute, and junit-xml omits ``time`` when it is zero while some readers
need it on every testcase and suite. ``file`` and ``line`` stay on testcases for GitHub
reporters.

A report with ``checks`` (manifest checks, drift tests) is written as one testsuite per
``Check.suite`` with one testcase per check: failed → failure, warning → passing testcase
with the warning in system-out, inconclusive and skipped → skipped with the reason, error
(the check could not run) → error.

Testcase names are identifiers, the same in every run and free of messages, so a release
checklist can compare runs: ``<rule> in <path>:<line>`` per finding, ``scan: no leaks
found`` for a clean scan, ``could not check <path>`` per input error; checks are named by
their producer (``<key>: <check>`` for manifests, ``<env> / <key> / <probe>`` for drift).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TextIO

from byok_ci.model import FOUND_IN, Check, Finding, Report, ScanError
from byok_ci.outbound import escaped_report


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _location(f: Finding, column: bool = True) -> str:
    if f.found_in:  # a key in a name: no line to point at
        return f"{f.path} ({FOUND_IN[f.found_in]})"
    return f"{f.path}:{f.line}:{f.column}" if column else f"{f.path}:{f.line}"


def _details(f: Finding) -> str:
    lines = [
        f"rule: {f.rule_id}",
        f"provider: {f.provider}",
        f"severity: {f.severity}",
        f"location: {_location(f)}",
        f"redacted: {f.redacted}",
        f"fingerprint: {f.fingerprint}",
    ]
    for name in ("commit", "source", "encoding", "scanned_as", "key", "env", "reachability"):
        value = getattr(f, name)
        if value:
            lines.append(f"{name}: {value}")
    if f.commit_info is not None:
        lines.append(f"author: {f.commit_info.author} ({f.commit_info.date})")
    if f.verified is not None:
        lines.append(f"verified: {f.verified.status}" + (f" ({f.verified.reason})" if f.verified.reason else ""))
    lines.append(f.message)
    return "\n".join(lines)


def _finding_case(f: Finding, classname: str):  # type: ignore[no-untyped-def]
    from junit_xml import TestCase  # type: ignore[import-untyped]

    case = TestCase(
        name=f"{f.rule_id} in {_location(f, column=False)}",
        classname=classname,
        file=None if f.found_in else f.path,
        line=None if f.found_in else f.line,
        elapsed_sec=0.0,
    )
    summary = f"{f.rule_id} ({f.provider}) at {_location(f)}: {f.redacted} [fp {f.fingerprint}]"
    if f.source:
        summary += f" (original source {f.source})"
    if f.encoding:
        summary += f" ({f.encoding}-encoded)"
    if f.verified is not None:
        summary += f" ({f.verified.text()})"
    if f.severity == "error":
        case.add_failure_info(message=summary, output=_details(f), failure_type=f.rule_id)
    else:
        case.stdout = "warning: " + summary + "\n" + _details(f)
    return case


def _error_case(error: ScanError, classname: str):  # type: ignore[no-untyped-def]
    from junit_xml import TestCase

    case = TestCase(name=f"could not check {error.path}", classname=classname, file=error.path, elapsed_sec=0.0)
    if error.line:
        case.line = error.line
    if error.blocking:
        case.add_error_info(message=error.one_line(), output=error.one_line(), error_type="input-error")
    else:
        # Accepted by the user (e.g. --allow-partial-archives): visible, but no failing case.
        case.add_skipped_info(message=error.one_line(), output=error.one_line())
    return case


def _check_case(check: Check):  # type: ignore[no-untyped-def]
    from junit_xml import TestCase

    case = TestCase(name=check.name, classname=check.suite, elapsed_sec=check.seconds)
    if check.path:
        case.file = check.path
    if check.line:
        case.line = check.line
    f = check.finding
    if check.outcome == "failed" and f is not None:
        summary = f"{f.rule_id} at {f.path}:{f.line}:{f.column}: {f.message}"
        if f.redacted:
            summary += f" ({f.redacted}, fp {f.fingerprint})"
        case.add_failure_info(message=summary, output=_details(f) + "\n" + check.detail, failure_type=f.rule_id)
    elif check.outcome == "failed":
        case.add_failure_info(message=check.detail or "failed", output=check.detail)
    elif check.outcome == "warning":
        case.stdout = "warning: " + (check.detail or (f.message if f else ""))
    elif check.outcome in ("inconclusive", "skipped"):
        case.add_skipped_info(message=f"{check.outcome}: {check.detail}", output=check.detail)
    elif check.outcome == "error":
        message = check.error.one_line() if check.error is not None else check.detail
        case.add_error_info(message=message, output=check.detail, error_type="input-error")
    elif check.detail:
        case.stdout = check.detail
    return case


def _checks_xml(report: Report) -> str:
    from junit_xml import TestSuite, to_xml_report_string

    by_suite: dict[str, list[Check]] = {}
    for check in report.checks:
        by_suite.setdefault(check.suite, []).append(check)
    suites = [TestSuite(name, [_check_case(c) for c in checks]) for name, checks in by_suite.items()]
    shown = {e for c in report.checks for e in c.errors}  # already error testcases
    if any(e not in shown for e in report.errors):
        classname = f"byok-ci.{report.command}"
        errors = sorted((e for e in report.errors if e not in shown), key=lambda e: (e.path, e.line or 0))
        suites.append(TestSuite(f"byok-ci {report.command}", [_error_case(e, classname) for e in errors]))
    raw = to_xml_report_string(suites, prettyprint=False, encoding="utf-8")
    times = {name: sum(c.seconds for c in checks) for name, checks in by_suite.items()}
    return _conform(raw, report.stats.seconds, times)


def to_xml(report: Report) -> str:
    from junit_xml import TestCase, TestSuite, to_xml_report_string

    report = escaped_report(report)  # file names and messages are data: no control characters
    if report.checks or report.command != "scan":
        return _checks_xml(report)
    classname = f"byok-ci.{report.command}"
    cases = [_finding_case(f, classname) for f in report.sorted_findings()]
    cases += [_error_case(e, classname) for e in sorted(report.errors, key=lambda e: (e.path, e.line or 0))]
    if not report.errors and not any(f.severity == "error" for f in report.findings):
        # An empty suite reads as "nothing ran" in CI test tabs: say what passed. Not when
        # something could not be read: its error testcases say so, and nothing passed whole.
        stats = report.stats
        clean = TestCase(name=f"{report.command}: no leaks found", classname=classname, elapsed_sec=stats.seconds)
        clean.stdout = f"no leaks found in {stats.files} files"  # the count stays out of the name
        cases.insert(0, clean)
    suite = TestSuite(f"byok-ci {report.command}", cases)
    raw = to_xml_report_string([suite], prettyprint=False, encoding="utf-8")
    return _conform(raw, report.stats.seconds)


def _conform(raw: str, seconds: float, suite_times: dict[str, float] | None = None) -> str:
    root = ET.fromstring(raw)
    for element in root.iter():
        element.attrib.pop("disabled", None)
    for case in root.iter("testcase"):
        case.set("time", _seconds(float(case.get("time") or 0.0)))
    for suite in root.iter("testsuite"):
        own = (suite_times or {}).get(suite.get("name", ""))
        suite.set("time", _seconds(seconds if own is None else own))
    root.set("time", _seconds(seconds))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write(report: Report, stream: TextIO, **_options: object) -> None:
    xml = to_xml(report)
    if not xml.isascii() and not _writes_unicode(stream):
        # Declared UTF-8: on an ASCII or Latin-1 output (LANG=C) character references keep
        # the document the same (the stream's own ``\uXXXX`` escapes mean nothing in XML).
        xml = xml.encode("ascii", "xmlcharrefreplace").decode("ascii")
    stream.write(xml)


def _writes_unicode(stream: TextIO) -> bool:
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name.startswith("utf")
    except LookupError:
        return True

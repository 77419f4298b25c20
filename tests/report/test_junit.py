"""JUnit output: valid against the Jenkins schema (plus file/line), readable by junitparser."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import xmlschema
from junitparser import Error, Failure, JUnitXml

from byok_ci.model import Finding, Report, ScanError, Stats
from byok_ci.report.junit import to_xml, write

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent / "data" / "junit-10-file-line.xsd"))


def finding(path: str = "src/app.py", line: int = 3, severity: str = "error") -> Finding:
    return Finding(
        rule_id="openai.project-key", provider="openai", severity=severity, path=path, line=line, column=7,
        message="OpenAI project API key in plain text", redacted="sk-proj-…abcd", fingerprint="0123456789abcdef",
    )


def report(findings=(), errors=()) -> Report:  # type: ignore[no-untyped-def]
    return Report("scan", list(findings), list(errors), Stats(files=4, bytes=100, seconds=0.0123))


@pytest.mark.parametrize(
    "rep",
    [
        report(),
        report([finding(), finding("b.py", 9)]),
        report([finding()], [ScanError("x.yaml", "malformed YAML: bad", 4)]),
        report([finding(severity="warning")]),
    ],
    ids=["clean", "findings", "findings-and-errors", "warning-only"],
)
def test_validates_against_schema(rep: Report) -> None:
    SCHEMA.validate(to_xml(rep))


def test_clean_scan_has_a_passing_testcase() -> None:
    suite = next(iter(JUnitXml.fromstring(to_xml(report()))))
    cases = list(suite)
    assert len(cases) == 1 and cases[0].is_passed and cases[0].name == "scan: no leaks found"
    assert cases[0].system_out == "no leaks found in 4 files"  # the count varies; the name does not


def test_failures_carry_location_and_details_in_message_and_text() -> None:
    xml = to_xml(report([finding()], [ScanError("x.yaml", "malformed YAML: bad", 4)]))
    suite = next(iter(JUnitXml.fromstring(xml)))
    assert (suite.tests, suite.failures, suite.errors) == (2, 1, 1)
    failed, errored = list(suite)
    (failure,) = [r for r in failed.result if isinstance(r, Failure)]
    assert "openai.project-key" in failure.message and "src/app.py:3:7" in failure.message
    assert "sk-proj-…abcd" in failure.message
    assert "fingerprint: 0123456789abcdef" in failure.text and "location: src/app.py:3:7" in failure.text
    assert failed._elem.get("file") == "src/app.py" and failed._elem.get("line") == "3"
    (error,) = [r for r in errored.result if isinstance(r, Error)]
    assert error.message == "x.yaml:4: malformed YAML: bad"


def test_every_testcase_and_suite_has_time_in_milliseconds() -> None:
    xml = to_xml(report([finding(), finding("b.py")]))
    root = JUnitXml.fromstring(xml)
    assert root._elem.get("time") == "0.012"
    for suite in root:
        assert suite._elem.get("time") == "0.012"
        for case in suite:
            assert case._elem.get("time") == "0.000"
    assert "disabled" not in xml


def test_writer_does_not_close_the_stream() -> None:
    stream = io.StringIO()
    write(report(), stream)
    assert not stream.closed and stream.getvalue().startswith("<?xml")


def test_checks_become_one_suite_each_with_every_outcome() -> None:
    from junitparser import Skipped

    from byok_ci.model import Check

    fail = finding(path="byok.yaml", line=5)
    warn = finding(path="byok.yaml", line=7, severity="warning")
    rep = Report("drift", [fail, warn], [], Stats(seconds=0.5), checks=[
        Check("drift/prod", "prod / k / real key accepted", "passed", 0.25, "byok.yaml", 3, None, "200 OK"),
        Check("drift/prod", "prod / k / invalid key refused", "failed", 0.25, "byok.yaml", 5, fail, "accepted"),
        Check("drift/dev", "dev / k / rotation", "warning", 0.0, "byok.yaml", 7, warn, "due soon"),
        Check("drift/dev", "dev / k / real key accepted", "inconclusive", 0.0, "byok.yaml", 9, None, "429 twice"),
        Check("drift/dev", "dev / k / metadata", "skipped", 0.0, "", 0, None, "no free probe"),
    ])
    xml = to_xml(rep)
    SCHEMA.validate(xml)
    prod, dev = JUnitXml.fromstring(xml)
    assert (prod.name, prod.tests, prod.failures, prod.skipped, prod.time) == ("drift/prod", 2, 1, 0, 0.5)
    assert (dev.name, dev.tests, dev.failures, dev.skipped) == ("drift/dev", 3, 0, 2)
    warning, inconclusive, skipped = list(dev)
    assert warning.is_passed and warning.system_out == "warning: due soon"
    assert [r.message for r in inconclusive.result if isinstance(r, Skipped)] == ["inconclusive: 429 twice"]
    assert skipped.is_skipped and skipped._elem.get("file") is None


def test_check_rejects_an_unknown_outcome() -> None:
    from byok_ci.model import Check

    with pytest.raises(ValueError, match="unknown check outcome"):
        Check("s", "n", "maybe")


def test_inconclusive_check_makes_exit_code_4() -> None:
    from byok_ci.exitcodes import exit_code
    from byok_ci.model import Check

    assert exit_code(Report("drift", checks=[Check("s", "n", "inconclusive")])) == 4
    assert exit_code(Report("drift", [finding()], checks=[Check("s", "n", "inconclusive")])) == 1


def test_a_scan_with_errors_has_no_passing_testcase() -> None:
    """Nothing passed whole when something could not be read: only its error testcases."""
    suite = next(iter(JUnitXml.fromstring(to_xml(report([], [ScanError("big.bin", "file too large", None)])))))
    assert (suite.tests, suite.errors) == (1, 1)
    assert not any(case.is_passed for case in suite)

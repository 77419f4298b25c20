"""Manifest reports: JUnit per environment (schema-valid, read back by junitparser), JSON, text."""

from __future__ import annotations

import io
import json

import pytest
import xmlschema
from junitparser import Failure, JUnitXml, Skipped

from byok_ci.manifest import check_manifest
from byok_ci.report import write_report
from byok_ci.report.junit import to_xml
from tests.manifest.conftest import MANIFESTS, TODAY, XSD

SCHEMA = xmlschema.XMLSchema(str(XSD))


def suites(xml: str) -> dict[str, object]:
    return {suite.name: suite for suite in JUnitXml.fromstring(xml)}


@pytest.mark.parametrize("name", ["good.yaml", "isolation.yaml", "rotation-expiry.yaml", "schema.yaml", "malformed.yaml"])
def test_junit_validates(name: str) -> None:
    SCHEMA.validate(to_xml(check_manifest(MANIFESTS / name, today=TODAY)))


def test_junit_has_a_suite_per_environment_and_a_case_per_check_per_key() -> None:
    report = check_manifest(MANIFESTS / "isolation.yaml", today=TODAY, shown="isolation.yaml")
    by_name = suites(to_xml(report))
    assert list(by_name) == ["manifest", "manifest/prod", "manifest/staging", "manifest/dev"]
    prod = by_name["manifest/prod"]
    # two prod keys × nine checks
    assert (prod.tests, prod.failures, prod.errors, prod.skipped) == (18, 2, 0, 2)
    case = next(c for c in prod if c.name == "acme-prod-anthropic: isolation")
    (failure,) = [r for r in case.result if isinstance(r, Failure)]
    assert failure.message.startswith("manifest.isolation at isolation.yaml:23:13: a production key's reference")
    assert case._elem.get("file") == "isolation.yaml" and case._elem.get("line") == "23"
    assert case.classname == "manifest/prod"


def test_junit_warning_is_a_passing_case_with_system_out_unless_strict() -> None:
    lenient = suites(to_xml(check_manifest(MANIFESTS / "rotation-expiry.yaml", today=TODAY)))["manifest/prod"]
    case = next(c for c in lenient if c.name == "acme-prod-anthropic: rotation")
    assert case.is_passed and case.system_out.startswith("warning: ")
    strict = suites(to_xml(check_manifest(MANIFESTS / "rotation-expiry.yaml", today=TODAY, strict=True)))["manifest/prod"]
    case = next(c for c in strict if c.name == "acme-prod-anthropic: rotation")
    assert not case.is_passed and isinstance(case.result[0], Failure)


def test_junit_inconclusive_and_skipped_are_skipped_with_a_reason() -> None:
    report = check_manifest(MANIFESTS / "workflow" / "byok.yaml", today=TODAY)
    xml = to_xml(report)
    SCHEMA.validate(xml)
    case = next(c for c in suites(xml)["manifest"] if "job preview" in c.name)
    (skipped,) = [r for r in case.result if isinstance(r, Skipped)]
    assert skipped.message == "inconclusive: job 'preview' picks its environment with an expression"
    expiry = next(c for c in suites(xml)["manifest/prod"] if c.name == "acme-prod-openai: expiry")
    assert expiry.is_skipped


def test_junit_loader_error_is_an_erroring_case() -> None:
    xml = to_xml(check_manifest(MANIFESTS / "python-tag.yaml", today=TODAY, shown="python-tag.yaml"))
    (suite,) = JUnitXml.fromstring(xml)
    assert (suite.tests, suite.errors) == (1, 1)
    assert "python-tag.yaml:7:13" in xml


def test_json_envelope_carries_findings_and_check_counts() -> None:
    report = check_manifest(MANIFESTS / "naming.yaml", today=TODAY, shown="naming.yaml")
    stream = io.StringIO()
    write_report(report, "json", stream)
    data = json.loads(stream.getvalue())
    assert data["command"] == "manifest check"
    assert set(data) == {"version", "tool", "command", "findings", "errors", "stats"}
    assert data["stats"]["checks"] == {"passed": 23, "failed": 3, "warning": 0, "inconclusive": 0, "skipped": 3,
                                      "incomplete": 0}
    first = data["findings"][0]
    assert {k: first[k] for k in ("rule_id", "severity", "path", "line", "column", "key", "env", "redacted")} == {
        "rule_id": "manifest.naming", "severity": "error", "path": "naming.yaml", "line": 5, "column": 11,
        "key": "openai-key-production", "env": "prod", "redacted": "",
    }


def test_text_summarises_each_suite() -> None:
    stream = io.StringIO()
    write_report(check_manifest(MANIFESTS / "isolation.yaml", today=TODAY), "text", stream)
    lines = stream.getvalue().splitlines()
    assert "manifest/prod: 14 passed, 2 failed, 2 skipped" in lines
    assert lines[-1].startswith("56 checks: 43 passed, 7 failed, 6 skipped")


def test_scan_reports_are_unchanged_without_checks() -> None:
    from byok_ci.model import Report

    xml = to_xml(Report("scan"))
    assert "no leaks found in 0 files" in xml

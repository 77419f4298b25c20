"""Drift reports: golden text, JSON and JUnit for a fixed report; JUnit valid in every shape.

Regenerate on purpose: BYOK_CI_REGEN_GOLDEN=1 pytest tests/report/test_drift_reports.py.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from junitparser import JUnitXml

from byok_ci.drift.model import Check, DriftReport
from byok_ci.model import Finding, ScanError, Stats
from byok_ci.report import drift_junit, drift_text
from byok_ci.report import json as json_report
from byok_ci.report import sarif as sarif_report
from tests.report.test_golden import GOLDEN, normalise

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent / "data" / "junit-10-file-line.xsd"))


def check(key: str, probe: str, outcome: str, status: int | None, reason: str, rule_id: str | None = None,
          **extra: object) -> Check:
    return Check("prod", key, key.rsplit("-", 1)[1], probe, outcome, status, reason, 0.12, rule_id, **extra)  # type: ignore[arg-type]


MISTRAL = ScanError("byok.yaml", "key acme-prod-mistral: secret unavailable: environment variable MISTRAL_KEY is not set",
                    16)


def sample() -> DriftReport:
    checks = [
        check("acme-prod-openai", "real", "pass", 200, "accepted (200)"),
        check("acme-prod-openai", "invalid", "fail", 200,
              "an invalidated key was accepted (200): authentication is not enforced", "drift.invalid-key-accepted"),
        check("acme-prod-openai", "no-auth", "pass", 401, "refused (401)"),
        check("acme-prod-anthropic", "real", "inconclusive", 529, "overloaded (overloaded_error: Overloaded)",
              "drift.inconclusive"),
        check("acme-prod-anthropic", "invalid", "pass", 401, "refused with the provider's authentication error (401)"),
        check("acme-prod-anthropic", "no-auth", "pass", 401, "refused (401)"),
        check("acme-prod-aws", "real", "skipped", None, "no free probe: SigV4"),
    ] + [
        check("acme-prod-mistral", probe, "error", None,
              "not probed: secret unavailable: environment variable MISTRAL_KEY is not set", error=MISTRAL)
        for probe in ("real", "invalid", "no-auth")
    ]
    findings = [
        Finding("drift.invalid-key-accepted", "openai", "error", "byok.yaml", 4, 1,
                "prod / acme-prod-openai: invalid key refused: an invalidated key was accepted", "sk-proj-…abcd",
                "0123456789abcdef", key="acme-prod-openai", env="prod"),
        Finding("drift.inconclusive", "anthropic", "warning", "byok.yaml", 8, 1,
                "prod / acme-prod-anthropic: real key accepted is inconclusive: overloaded", "sk-ant-api03-…wxAA",
                "fedcba9876543210", key="acme-prod-anthropic", env="prod"),
    ]
    errors = [MISTRAL]
    return DriftReport("drift", findings, errors, Stats(seconds=0.5), rules_count=42, rules_digest="d" * 16,
                       probes=checks)


WRITERS: dict[str, tuple[Callable[..., None], str]] = {
    "text": (drift_text.write, "txt"), "json": (json_report.write, "json"), "junit": (drift_junit.write, "xml"),
    "sarif": (sarif_report.write, "sarif"),
}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_golden(fmt: str) -> None:
    write, suffix = WRITERS[fmt]
    stream = io.StringIO()
    write(sample(), stream)
    actual = normalise(stream.getvalue())
    golden = GOLDEN / f"drift.{suffix}"
    if os.environ.get("BYOK_CI_REGEN_GOLDEN"):
        golden.write_text(actual)
    assert actual == golden.read_text()


@pytest.mark.parametrize(
    "report",
    [
        sample(),
        DriftReport("drift"),
        DriftReport("drift", errors=[ScanError("byok.yaml", "no keys for environment 'qa': nothing was probed")]),
        DriftReport("drift", probes=[check("acme-prod-openai", "real", "pass", 200, "accepted")]),
    ],
    ids=["mixed", "empty", "errors-only", "one-pass"],
)
def test_junit_validates_and_reads_back(report: DriftReport) -> None:
    xml = drift_junit.to_xml(report)
    SCHEMA.validate(xml)
    stream = io.StringIO(xml)
    suites = list(JUnitXml.fromstring(stream.getvalue()))
    assert all(s.name.startswith("drift") for s in suites)


def test_junit_counts_per_environment() -> None:
    xml = JUnitXml.fromstring(drift_junit.to_xml(sample()))
    (suite,) = list(xml)
    assert (suite.name, suite.tests, suite.failures, suite.skipped, suite.errors) == ("drift/prod", 10, 1, 2, 3)


def test_json_lists_checks_before_findings() -> None:
    stream = io.StringIO()
    json_report.write(sample(), stream)
    import json

    data = json.loads(stream.getvalue())
    assert list(data) == ["version", "tool", "command", "checks", "findings", "errors", "stats"]
    assert data["checks"][1] == {"env": "prod", "key": "acme-prod-openai", "provider": "openai", "probe": "invalid",
                                 "outcome": "fail", "status": 200,
                                 "reason": "an invalidated key was accepted (200): authentication is not enforced"}

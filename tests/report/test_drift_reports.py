"""Drift reports, rendered by the core reporters: golden text, JSON, JUnit and SARIF for a
fixed report; JUnit valid in every shape.

Regenerate on purpose: BYOK_CI_REGEN_GOLDEN=1 pytest tests/report/test_drift_reports.py.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema
from junitparser import JUnitXml

from byok_ci.model import Check, DriftProbe, Finding, Report, ScanError, Stats
from byok_ci.report import json as json_report
from byok_ci.report import junit, text
from byok_ci.report import sarif as sarif_report
from tests.report.test_golden import GOLDEN, normalise

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent / "data" / "junit-10-file-line.xsd"))


def check(key: str, probe: str, outcome: str, status: int | None, reason: str, rule_id: str | None = None,
          error: ScanError | None = None) -> Check:
    """A drift check as the engine makes one (byok_ci.drift.engine._check)."""
    provider = key.rsplit("-", 1)[1]
    probed = DriftProbe("prod", key, provider, probe, status, reason, rule_id)
    shown = f" (HTTP {status})" if status is not None else ""
    line = {"openai": 4, "anthropic": 8, "aws": 12, "mistral": 16}[provider]
    return Check("drift/prod", f"prod / {key} / {probed.title}", outcome, 0.12, "byok.yaml", line,
                 detail=f"{provider}: {reason}{shown}", error=error, drift=probed)


MISTRAL = ScanError("byok.yaml", "key acme-prod-mistral: secret unavailable: environment variable MISTRAL_KEY is not set",
                    16)


def sample() -> Report:
    checks = [
        check("acme-prod-openai", "real", "passed", 200, "accepted (200)"),
        check("acme-prod-openai", "invalid", "failed", 200,
              "an invalidated key was accepted (200): authentication is not enforced", "drift.invalid-key-accepted"),
        check("acme-prod-openai", "no-auth", "passed", 401, "refused (401)"),
        check("acme-prod-anthropic", "real", "inconclusive", 529, "overloaded (overloaded_error: Overloaded)",
              "drift.inconclusive"),
        check("acme-prod-anthropic", "invalid", "passed", 401, "refused with the provider's authentication error (401)"),
        check("acme-prod-anthropic", "no-auth", "passed", 401, "refused (401)"),
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
    # A failed or inconclusive check carries its finding, as the engine's do.
    by_rule = {f.rule_id: f for f in findings}
    checks = [replace(c, finding=by_rule.get(c.drift.rule_id or "")) if c.outcome in ("failed", "inconclusive")
              and c.drift else c for c in checks]
    return Report("drift", findings, [MISTRAL], Stats(seconds=0.5), rules_count=42, rules_digest="d" * 16,
                  checks=checks)


WRITERS: dict[str, tuple[Callable[..., None], str]] = {
    "text": (text.write, "txt"), "json": (json_report.write, "json"), "junit": (junit.write, "xml"),
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
        Report("drift"),
        Report("drift", errors=[ScanError("byok.yaml", "no keys for environment 'qa': nothing was probed")]),
        Report("drift", checks=[check("acme-prod-openai", "real", "passed", 200, "accepted")]),
    ],
    ids=["mixed", "empty", "errors-only", "one-pass"],
)
def test_junit_validates_and_reads_back(report: Report) -> None:
    xml = junit.to_xml(report)
    SCHEMA.validate(xml)
    stream = io.StringIO(xml)
    suites = list(JUnitXml.fromstring(stream.getvalue()))
    assert all(s.name.startswith(("drift", "byok-ci drift")) for s in suites)


def test_junit_counts_per_environment() -> None:
    xml = JUnitXml.fromstring(junit.to_xml(sample()))
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

"""Manifest and drift findings in SARIF, annotations and the job summary: described by the
rules' own data (rules/_ids.yaml), rendered by their message when they have no redacted form."""

from __future__ import annotations

import io
from dataclasses import replace
import re
from pathlib import Path

import pytest

from byok_ci.rules.ids import CheckRule, load_check_rules, rule_infos
from byok_ci.drift import model as drift_model
from byok_ci.drift import run_drift
from byok_ci.errors import RuleError
from byok_ci.manifest import check_manifest
from byok_ci.manifest.policy import load_shipped_policy
from byok_ci.model import Report
from byok_ci.report.github import annotation, write_summary
from byok_ci.report.sarif import sarif
from tests.manifest.conftest import MANIFESTS, TODAY
from tests.report.test_sarif import validate


@pytest.fixture(scope="module")
def manifest_report() -> Report:
    report = check_manifest(MANIFESTS / "scopes-owner.yaml", today=TODAY, shown="byok.yaml")
    other = check_manifest(MANIFESTS / "isolation.yaml", today=TODAY, shown="byok.yaml")
    report = replace(report, findings=(*report.findings, *other.findings))
    assert {"manifest.owner", "manifest.isolation"} <= {f.rule_id for f in report.findings}
    assert any(not f.redacted for f in report.findings)
    return report


def test_sarif_messages_of_manifest_findings_are_their_message(manifest_report: Report) -> None:
    doc = sarif(manifest_report)
    validate(doc)
    texts = [r["message"]["text"] for r in doc["runs"][0]["results"]]
    assert texts and not [t for t in texts if t.endswith("()") or t.endswith(": ")]
    by_message = {f.message for f in manifest_report.findings if not f.redacted}
    assert by_message <= set(texts)


def test_sarif_describes_manifest_rules_from_their_data(manifest_report: Report) -> None:
    data = load_check_rules()
    rules = {r["id"]: r for r in sarif(manifest_report)["runs"][0]["tool"]["driver"]["rules"]}
    for rid, rule in rules.items():
        assert rule["shortDescription"]["text"] == data[rid].description != rid
        assert "found in plain text" not in rule["help"]["text"]
        assert rule["help"]["text"].startswith(data[rid].help)
        assert rule["properties"]["security-severity"] == f"{data[rid].security_severity:.1f}"
        assert "secret" not in rule["properties"]["tags"]
    assert float(rules["manifest.owner"]["properties"]["security-severity"]) < 4.0
    assert 7.0 <= float(rules["manifest.isolation"]["properties"]["security-severity"]) < 9.0


def test_drift_rules_come_from_data() -> None:
    report = run_drift([])
    ids = {getattr(drift_model, name) for name in dir(drift_model) if re.fullmatch(r"[A-Z_]+", name)
           and isinstance(getattr(drift_model, name), str) and getattr(drift_model, name).startswith("drift.")}
    assert set(report.rules) == ids
    for info in report.rules.values():
        assert info.help and info.security_severity is not None and info.description != info.id


def test_every_manifest_check_of_the_policy_has_rule_data() -> None:
    policy, problems = load_shipped_policy()
    assert not problems
    assert set(rule_infos("manifest")) == set(policy.checks)


def test_annotations_and_summary_show_the_message(manifest_report: Report) -> None:
    for f in manifest_report.findings:
        line = annotation(f)
        assert not line.endswith(": ") and f.message.split(":")[0] in line
    out = io.StringIO()
    write_summary(manifest_report, out)
    summary = out.getvalue()
    assert "``" not in summary
    assert "| file | line | rule | message | redacted | commit |" in summary
    owner = next(f for f in manifest_report.findings if f.rule_id == "manifest.owner")
    assert f"| {owner.rule_id} | {owner.message} |  |" in summary


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("detection: []\nmanifest: {}\n", "exactly the keys detection, manifest, drift, usage, aliases"),
        ("detection: []\nmanifest: {}\nusage: {}\naliases: {}\ndrift:\n  other.x: {}\n",
         ":6: rule id 'other.x' must start with 'drift.'"),
        ("detection: []\nmanifest: {}\nusage: {}\naliases: {}\ndrift:\n  drift.x:\n    description: d\n    help: h\n    why: w\n"
         "    security_severity: 11\n", ":10: rule drift.x: security_severity must be 0-10"),
        ("detection: []\nmanifest: {}\nusage: {}\naliases: {}\ndrift:\n  drift.x:\n    description: ''\n    help: h\n    why: w\n"
         "    security_severity: 1\n", ":7: rule drift.x: field 'description'"),
        ("detection: x\nmanifest: {}\nusage: {}\naliases: {}\ndrift: {}\n", ":1: 'detection' must be a list of rule ids"),
    ],
)
def test_a_malformed_data_file_is_an_error_naming_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "_ids.yaml"
    path.write_text(text)
    with pytest.raises(RuleError, match=re.escape(problem)) as info:
        load_check_rules(path)
    assert str(info.value).startswith(path.as_posix())


def test_records_are_typed() -> None:
    rules = load_check_rules()
    assert all(isinstance(r, CheckRule) and r.why for r in rules.values())
    assert rules["manifest.inline-secret"].security_severity == 9.0

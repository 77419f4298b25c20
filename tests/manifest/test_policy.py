"""The policy: shipped defaults, then .byok-ci.yaml's policy:, then the manifest's."""

from __future__ import annotations

from pathlib import Path

from byok_ci.config import load_config
from byok_ci.manifest import CHECK_IDS, check_manifest
from byok_ci.manifest.policy import Policy, apply_layer, load_shipped_policy
from byok_ci.model import check_counts
from tests.manifest.conftest import MANIFESTS, TODAY, write


def test_shipped_policy_loads_cleanly_and_names_every_check() -> None:
    policy, problems = load_shipped_policy()
    assert problems == []
    assert policy.environments == ("dev", "staging", "prod")
    assert (policy.rotate_every_days, policy.rotation_warning_days, policy.expiry_warning_days) == (90, 14, 30)
    assert set(policy.checks) == set(CHECK_IDS)


def test_shipped_policy_is_not_loaded_as_a_rule_file(shipped_rules) -> None:  # type: ignore[no-untyped-def]
    assert shipped_rules.errors == ()
    assert "policy" not in shipped_rules.providers


def test_layers_replace_fields_and_merge_checks() -> None:
    policy, _ = apply_layer(Policy(), {"environments": ["dev", "prod"], "checks": {"manifest.owner": "warning"}}, "a")
    policy, _ = apply_layer(policy, {"rotate_every_days": 30, "checks": {"manifest.expiry": "off"}}, "b")
    assert policy.environments == ("dev", "prod") and policy.rotate_every_days == 30
    assert policy.level("manifest.owner") == "warning" and policy.level("manifest.expiry") == "off"
    assert policy.level("manifest.naming") == "error"


def test_bad_policy_fields_are_problems_and_keep_the_default() -> None:
    policy, problems = apply_layer(
        Policy(),
        {"rotate_every_day": 30, "naming": "{project}-{provider}", "checks": {"manifest.ownr": "off", "manifest.schema": "off"}},
        "p.yaml",
    )
    messages = [p.message for p in problems]
    assert "unknown policy field 'rotate_every_day'; did you mean 'rotate_every_days'?" in messages
    assert "policy field 'naming' must contain {env}, so a key name says its environment" in messages
    assert "unknown check 'manifest.ownr' in policy checks; did you mean 'manifest.owner'?" in messages
    assert "check 'manifest.schema' cannot be turned off" in messages
    assert policy.naming == Policy().naming


def test_config_file_policy_applies_below_the_manifests(tmp_path: Path) -> None:
    config = write(tmp_path, "policy:\n  checks:\n    manifest.owner: warning\n  rotate_every_days: 9999\n", ".byok-ci.yaml")
    settings = load_config(config)
    manifest = (MANIFESTS / "scopes-owner.yaml").read_text().replace(
        "project: acme\n", "project: acme\npolicy:\n  rotate_every_days: 30\n"
    )
    report = check_manifest(write(tmp_path, manifest), today=TODAY, settings=settings)
    owner = [f for f in report.findings if f.rule_id == "manifest.owner"]
    assert owner and {f.severity for f in owner} == {"warning"}
    # the manifest's 30 days win over the config's 9999: rotated 2026-10-01 is overdue
    assert any(f.rule_id == "manifest.rotation" and f.severity == "error" for f in report.findings)


def test_config_policy_problems_are_errors_naming_the_config(tmp_path: Path) -> None:
    config = write(tmp_path, "policy:\n  environments: prod\n", ".byok-ci.yaml")
    report = check_manifest(MANIFESTS / "good.yaml", today=TODAY, settings=load_config(config))
    (error,) = report.errors
    assert error.path.endswith(".byok-ci.yaml") and error.line == 2
    assert "environments" in error.message


def test_a_check_turned_off_is_skipped(tmp_path: Path) -> None:
    text = (MANIFESTS / "scopes-owner.yaml").read_text().replace(
        "project: acme\n", "project: acme\npolicy:\n  checks: {manifest.owner: off, manifest.scopes: warning}\n"
    )
    report = check_manifest(write(tmp_path, text), today=TODAY)
    assert not any(f.rule_id == "manifest.owner" for f in report.findings)
    assert {f.severity for f in report.findings if f.rule_id == "manifest.scopes"} == {"warning"}
    owner_checks = [c for c in report.checks if c.name.endswith(": owner")]
    assert owner_checks and {c.outcome for c in owner_checks} == {"skipped"}
    assert check_counts(report.checks)["failed"] == 0


def test_manifest_policy_errors_are_schema_findings(tmp_path: Path) -> None:
    text = (MANIFESTS / "good.yaml").read_text().replace("  rotate_every_days: 90\n", "  rotate_every_days: ninety\n")
    report = check_manifest(write(tmp_path, text), today=TODAY)
    (finding,) = report.findings
    assert (finding.rule_id, finding.line, finding.column) == ("manifest.schema", 7, 22)
    assert finding.message == "policy field 'rotate_every_days' must be a whole number (at least 1)"


def test_custom_naming_pattern_and_environments(tmp_path: Path) -> None:
    text = """version: 1
project: acme
policy:
  naming: "{provider}_{env}_{purpose}"
  environments: [dev, production]
  production: [production]
keys:
  - name: openai_production_chatbot
    env: production
    provider: openai
    secret: aws-sm://acme/production/openai
    owner: ml
    models: [gpt-4o]
    rotated: 2026-11-01
  - name: openai_dev_chatbot
    env: dev
    provider: openai
    secret: aws-sm://acme/prod/openai
    owner: ml
    models: [gpt-4o]
    rotated: 2026-11-01
"""
    report = check_manifest(write(tmp_path, text), today=TODAY)
    assert [(f.rule_id, f.key) for f in report.findings] == [("manifest.isolation", "openai_dev_chatbot")]
    assert "points into a production location" in report.findings[0].message

"""Organisation-scoped keys (issue 17): admin keys `byok-ci usage` reads, which belong to no
environment; per-key provider ids, budgets and the usage policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok_ci.drift import load_targets
from byok_ci.errors import UsageError
from byok_ci.manifest import check_manifest
from byok_ci.manifest.load import load_manifest
from byok_ci.manifest.model import Budget
from byok_ci.manifest.policy import Policy, UsagePolicy, apply_layer
from tests.manifest.conftest import MANIFESTS, TODAY, write

ORG = """\
version: 1
project: acme
policy:
  usage: {idle_days: 10, spike_factor: 4, baseline_days: 7, budget_warn: 0.9}
keys:
  - name: acme-openai-admin
    scope: organization
    admin: true
    allow_admin: true
    provider: openai
    secret: env://OPENAI_ADMIN_KEY
    owner: platform
    scopes: [api.usage.read]
    rotated: 2026-11-01
  - name: acme-prod-openai
    env: prod
    provider: openai
    secret: env://OPENAI_API_KEY
    owner: platform
    models: [gpt-4o-mini]
    rotated: 2026-11-01
    provider_key_id: key_Prod01
    budget: {monthly_usd: 200, daily_tokens: 5000000}
"""


def test_an_organization_key_needs_no_env_and_is_exempt_from_environment_checks(tmp_path: Path) -> None:
    report = check_manifest(write(tmp_path, ORG), today=TODAY)
    assert report.findings == (), [f.message for f in report.findings]
    by_name = {c.name: c for c in report.checks}
    for check in ("environment", "naming", "isolation"):
        assert by_name[f"acme-openai-admin: {check}"].outcome == "skipped"
        assert "organization-scoped" in by_name[f"acme-openai-admin: {check}"].detail
    # The checks that still matter for an admin key run: it is admin, allowed, owned, rotated.
    assert by_name["acme-openai-admin: scopes"].outcome == "passed"
    assert by_name["acme-openai-admin: rotation"].outcome == "passed"
    assert by_name["acme-prod-openai: naming"].outcome == "passed"


def test_fields_load_into_typed_records(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, ORG))
    admin, prod = manifest.keys
    assert admin.organization and admin.env == "" and admin.scope == "organization"
    assert not prod.organization and prod.scope == "environment"
    assert prod.provider_key_id == "key_Prod01"
    assert prod.budget == Budget(200.0, 5_000_000)
    assert manifest.policy.usage == UsagePolicy(idle_days=10, spike_factor=4.0, baseline_days=7, budget_warn=0.9)


@pytest.mark.parametrize(("fragment", "message"), [
    ("    scope: workspace\n", "field 'scope' must be one of environment, organization"),
    ("    budget: {monthly_usd: -5}\n", "budget.monthly_usd' must be a positive number"),
    ("    budget: {daily_tokens: 1.5}\n", "budget.daily_tokens' must be a positive whole number"),
    ("    budget: {montly_usd: 5}\n", "did you mean 'monthly_usd'"),
    ("    budget: 200\n", "field 'budget' must be a mapping"),
])
def test_bad_new_fields_are_schema_findings_at_their_line(tmp_path: Path, fragment: str, message: str) -> None:
    budget = "    budget: {monthly_usd: 200, daily_tokens: 5000000}\n"
    text = ORG.replace(budget, fragment) if fragment.startswith("    budget") else ORG + fragment
    report = check_manifest(write(tmp_path, text), today=TODAY)
    schema = [f for f in report.findings if f.rule_id == "manifest.schema"]
    assert len(schema) == 1 and message in schema[0].message, [f.message for f in report.findings]
    assert schema[0].line == text.count("\n")


def test_an_organization_key_with_an_env_is_a_schema_finding(tmp_path: Path) -> None:
    text = ORG.replace("    scope: organization\n", "    scope: organization\n    env: prod\n")
    report = check_manifest(write(tmp_path, text), today=TODAY)
    assert [f.message for f in report.findings if f.rule_id == "manifest.schema"] == [
        "field 'env' does not apply to an organization-scoped key (scope: organization); remove it"]


def test_an_environment_key_still_needs_its_env(tmp_path: Path) -> None:
    text = ORG.replace("    env: prod\n", "")
    report = check_manifest(write(tmp_path, text), today=TODAY)
    assert "keys[1] is missing required field 'env'" in [f.message for f in report.findings]


def test_bad_usage_policy_fields_are_problems_and_keep_the_default() -> None:
    policy, problems = apply_layer(Policy(), {"usage": {"idle_day": 3, "spike_factor": 0.5, "budget_warn": "high"}}, "p")
    assert policy.usage == UsagePolicy()
    messages = sorted(p.message for p in problems)
    assert len(messages) == 3
    assert any("unknown policy field 'idle_day' in usage; did you mean 'idle_days'?" in m for m in messages)
    assert "policy field 'usage.spike_factor' must be a number (more than 1)" in messages
    assert "policy field 'usage.budget_warn' must be a positive number (at most 1)" in messages


def test_drift_env_leaves_organization_keys_out_unless_named(tmp_path: Path) -> None:
    path = write(tmp_path, ORG)
    targets, errors = load_targets(path, "prod")
    assert [t.key_name for t in targets] == ["acme-prod-openai"] and errors == []
    targets, errors = load_targets(path, "prod", ["acme-openai-admin"])
    assert [t.key_name for t in targets] == ["acme-openai-admin"] and errors == []
    with pytest.raises(UsageError):
        load_targets(path, "prod", ["acme-openai-admn"])


@pytest.mark.parametrize("manifest", ["good.yaml", "naming.yaml", "rotation-expiry.yaml"])
def test_old_manifests_load_the_same(manifest: str) -> None:
    loaded = load_manifest(MANIFESTS / manifest)
    assert loaded.problems == ()
    assert all(k.scope == "environment" and k.budget is None and k.provider_key_id is None for k in loaded.keys)
    assert loaded.policy.usage == UsagePolicy()

"""A raw key anywhere in the manifest fails manifest.inline-secret, reported redacted.

Keys are generated at test time; the repository holds none.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from byok_ci.manifest import check_manifest
from byok_ci.model import fingerprint
from byok_ci.report import write_report
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.manifest.conftest import MANIFESTS, TODAY, write


def _all_outputs(report) -> str:  # type: ignore[no-untyped-def]
    out = []
    for fmt in ("text", "json", "junit"):
        stream = io.StringIO()
        write_report(report, fmt, stream)
        out.append(stream.getvalue())
    return "\n".join(out)


@pytest.mark.parametrize("rule_id", ["openai.project-key", "anthropic.api-key", "openai.admin-key", "groq.api-key"])
def test_key_as_the_secret_value(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, rule_id: str) -> None:
    key = key_for(shipped_rules, rule_id, rng)
    text = (MANIFESTS / "good.yaml").read_text().replace("secret: aws-sm://acme/prod/openai#api_key", f"secret: {key}")
    report = check_manifest(write(tmp_path, text), today=TODAY, rules=shipped_rules, shown="byok.yaml")
    inline = [f for f in report.findings if f.rule_id == "manifest.inline-secret"]
    assert [(f.line, f.column, f.key, f.env, f.severity) for f in inline] == [(13, 13, "acme-prod-openai", "prod", "error")]
    (finding,) = inline
    assert finding.fingerprint == fingerprint(key) and finding.redacted.startswith(shipped_rules.get(rule_id).prefix)
    assert finding.provider == rule_id.split(".")[0]
    (check,) = [c for c in report.checks if c.name == "acme-prod-openai: inline-secret"]
    assert check.outcome == "failed" and check.finding == finding
    assert key not in _all_outputs(report) and key[-12:] not in _all_outputs(report)


def test_key_outside_the_key_entries_fails_the_manifest_suite(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    text = f"# old key, do not use: {key}\n" + (MANIFESTS / "good.yaml").read_text()
    report = check_manifest(write(tmp_path, text), today=TODAY, rules=shipped_rules)
    (finding,) = report.findings
    assert (finding.rule_id, finding.line, finding.key) == ("manifest.inline-secret", 1, None)
    (check,) = [c for c in report.checks if c.outcome == "failed"]
    assert (check.suite, check.name) == ("manifest", "manifest: inline-secret")


def test_key_in_an_extension_field_of_an_entry(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "anthropic.api-key", rng)
    text = (MANIFESTS / "good.yaml").read_text().replace(
        "    owner: dev-experience\n", f"    owner: dev-experience\n    x-fallback: {key}\n"
    )
    report = check_manifest(write(tmp_path, text), today=TODAY, rules=shipped_rules)
    assert [(f.rule_id, f.key) for f in report.findings] == [("manifest.inline-secret", "acme-dev-anthropic")]


def test_key_pasted_as_a_name_is_never_echoed(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    text = (MANIFESTS / "good.yaml").read_text().replace("name: acme-prod-openai", f"name: {key}")
    report = check_manifest(write(tmp_path, text), today=TODAY, rules=shipped_rules)
    assert any(f.rule_id == "manifest.inline-secret" for f in report.findings)
    outputs = _all_outputs(report)
    assert key not in outputs and key[8:20] not in outputs


def test_a_plain_value_instead_of_a_reference_is_not_shown(tmp_path: Path, shipped_rules: RuleSet) -> None:
    text = (MANIFESTS / "good.yaml").read_text().replace("secret: env://ANTHROPIC_API_KEY_DEV", "secret: hunter2-is-my-password")
    report = check_manifest(write(tmp_path, text), today=TODAY, rules=shipped_rules)
    (finding,) = report.findings
    assert (finding.rule_id, finding.line, finding.column, finding.redacted) == ("manifest.inline-secret", 29, 13, "")
    assert "hunter2" not in _all_outputs(report)


def test_allowed_fingerprints_apply(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    from byok_ci.config import Settings

    key = key_for(shipped_rules, "openai.project-key", rng)
    text = f"# test fixture key: {key}\n" + (MANIFESTS / "good.yaml").read_text()
    settings = Settings(allow_fingerprints=(fingerprint(key),))
    report = check_manifest(write(tmp_path, text), today=TODAY, rules=shipped_rules, settings=settings)
    assert report.findings == ()

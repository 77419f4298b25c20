"""Probe data in rules/*.yaml: complete, HTTPS only, and read the way providers answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok_ci.drift.probes import load_probes
from byok_ci.rules import RuleSet, load_rules

PROBES, ERRORS = load_probes()


def test_every_shipped_provider_has_a_probe_or_says_why_not(shipped_rules: RuleSet) -> None:
    assert ERRORS == []
    assert set(PROBES) == {r.provider for r in shipped_rules.rules}
    for provider, probes in PROBES.items():
        for probe in [probes.default, *probes.key_types.values(), *probes.paid.values()]:
            assert probe.none or probe.answers, provider
            assert probe.none or probe.base_url is None or probe.base_url.startswith("https://"), provider


def test_key_type_overrides_name_real_rules(shipped_rules: RuleSet) -> None:
    ids = {r.id for r in shipped_rules.rules}
    for probes in PROBES.values():
        assert set(probes.key_types) <= ids


def test_only_azure_needs_a_base_url() -> None:
    needing = {p for p, probes in PROBES.items() if not probes.default.none and probes.default.base_url is None}
    assert needing == {"azure"}


def test_no_default_probe_is_a_paid_inference_call() -> None:
    for provider, probes in PROBES.items():
        for probe in [probes.default, *probes.key_types.values()]:
            assert not any(word in probe.path for word in ("/chat/completions", "/messages", "generateContent")) \
                or probe.method == "GET", provider
            if "embeddings" in probe.path:
                assert probe.json_body and "no-such-model" in probe.json_body, provider


@pytest.mark.parametrize(
    ("provider", "status", "body", "meaning"),
    [
        ("google", 400, '{"error": {"details": [{"reason": "API_KEY_INVALID"}]}}', "invalid"),
        ("google", 403, '{"error": {"status": "PERMISSION_DENIED"}}', "valid"),
        ("google", 200, '{"models": []}', "valid"),
        ("deepseek", 402, '{"error": {"message": "Insufficient Balance"}}', "valid"),
        ("pinecone", 403, "{}", "valid"),
        ("pinecone", 401, "{}", "invalid"),
        ("xai", 400, "Incorrect API key provided", "invalid"),
        ("xai", 200, '{"api_key_blocked": true}', "invalid"),
        ("xai", 200, '{"api_key_blocked": false}', "valid"),
        ("elevenlabs", 401, '{"detail": {"status": "missing_permissions"}}', "valid"),
        ("elevenlabs", 401, '{"detail": {"status": "invalid_api_key"}}', "invalid"),
        ("cohere", 200, '{"valid": false}', "invalid"),
        ("cohere", 498, "{}", "invalid"),
        ("openai", 401, '{"error": {"message": "Missing scopes: api.model.read"}}', "valid"),
        ("openai", 403, "{}", "inconclusive"),
        ("voyage", 400, '{"detail": "model not found"}', "valid"),
        ("wandb", 200, '{"data": {"viewer": null}}', "invalid"),
        ("wandb", 200, '{"data": {"viewer": {"username": "ci"}}}', "valid"),
        ("moonshot", 403, '{"error": {"message": "insufficient balance"}}', "valid"),
        ("moonshot", 401, '{"error": {"message": "Invalid Authentication"}}', "invalid"),
        ("clarifai", 200, '{"status": {"code": 10000, "description": "Ok"}}', "valid"),
        ("clarifai", 401, '{"status": {"code": 11009, "description": "API key not found"}}', "invalid"),
        ("clarifai", 403, '{"status": {"code": 11007, "description": "API key has insufficient permissions"}}', "valid"),
    ],
)
def test_provider_answers_are_read_as_documented(provider: str, status: int, body: str, meaning: str) -> None:
    classified = PROBES[provider].default.classify(status, body)
    assert classified is not None and classified[0] == meaning


def test_management_and_admin_keys_use_their_own_endpoints() -> None:
    assert PROBES["openai"].for_rule("openai.admin-key").path == "/organization/admin_api_keys"
    assert PROBES["openai"].for_rule("openai.project-key").path == "/models"
    mgmt = PROBES["xai"].for_rule("xai.management-key")
    assert mgmt.official_host == "management-api.x.ai" and mgmt.classify(403, '{"code": 7}') == (
        "valid", "a management key proves valid with 403 code 7")
    assert PROBES["anthropic"].for_rule("anthropic.oauth-token").none
    assert PROBES["google"].for_rule("google.adc-refresh-token").none
    assert PROBES["nvidia"].for_rule("nvidia.ngc-key").none and not PROBES["nvidia"].default.none
    assert PROBES["jina"].default.none and "embeddings" in PROBES["jina"].paid


def test_bad_probe_data_is_reported_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "provider: mine\nrules: []\nprobe:\n  base_url: http://api.example.com\n  path: /x\n"
        "  answers: [{status: 200, means: valid}]\n"
    )
    (tmp_path / "other.yaml").write_text(
        "provider: other\nrules: []\nprobe:\n  base_url: https://api.example.com\n  path: /x\n"
        "  answers:\n    - {status: 200, means: maybe}\n"
    )
    probes, errors = load_probes(tmp_path)
    assert probes == {}
    assert sorted((Path(e.path).name, e.line) for e in errors) == [("mine.yaml", 4), ("other.yaml", 7)]
    assert "https" in errors[0].message or "https" in errors[1].message


def test_rule_loader_ignores_the_probe_mapping() -> None:
    ruleset = load_rules()
    assert ruleset.errors == ()

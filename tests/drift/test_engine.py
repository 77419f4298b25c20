"""Drift probes against a real HTTP server on 127.0.0.1 behaving like each provider."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import random

import pytest

from byok_ci.drift import DriftTarget, run_drift
from byok_ci.drift import model as m
from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.exitcodes import exit_code
from byok_ci.rules import RuleSet
from tests.drift.conftest import SHORT_READ, Keys, make_keys, name, options, probes, targets
from byok_ci.model import Report
from tests.drift.fake_provider import FakeProviders, free_port, serve

ALL = ["openai", "anthropic", "google", "deepseek", "elevenlabs", "xai", "pinecone", "cohere", "openrouter",
       "huggingface"]


def outcomes(report: Report, provider: str) -> dict[str, tuple[str, str | None]]:
    return {c.probe: (c.outcome, c.rule_id) for c in probes(report) if c.provider == provider}


def run(fake: FakeProviders, keys: Keys, providers: list[str], **extra: object) -> Report:
    for p in providers:
        fake.valid_keys.add(keys.by_provider[p])
    return run_drift(targets(providers), options(fake, keys, providers, **extra))


def test_all_pass_against_each_providers_semantics(fake: FakeProviders, shipped_rules: RuleSet,
                                                   rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ALL)
    report = run(fake, keys, ALL)
    assert report.errors == ()
    failed = [(c.key, c.probe, c.outcome, c.reason) for c in probes(report) if c.outcome != "passed"]
    assert failed == []
    assert {c.probe for c in probes(report) if c.provider == "openrouter"} == {"real", "invalid", "no-auth", "metadata"}
    assert exit_code(report) == 0
    # The invalidated key was sent and refused, and it is not the real key.
    sent = {cred for _, path, cred in fake.hits if path.startswith("/openai/")}
    assert keys.by_provider["openai"] in sent and len(sent - {None}) == 2


def test_real_key_revoked_fails(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "revoked"
    report = run(fake, keys, ["openai"])
    assert outcomes(report, "openai") == {
        "real": ("failed", m.REAL_KEY_REFUSED), "invalid": ("passed", None), "no-auth": ("passed", None),
    }
    (finding,) = report.findings
    assert finding.rule_id == m.REAL_KEY_REFUSED and finding.severity == "error" and finding.key == name("openai")
    assert "invalid_api_key" in finding.message
    assert exit_code(report) == 1


def test_invalid_key_accepted_is_an_auth_bypass(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["anthropic"])
    fake.modes["anthropic"] = "bypass"
    report = run(fake, keys, ["anthropic"])
    assert outcomes(report, "anthropic")["invalid"] == ("failed", m.INVALID_KEY_ACCEPTED)
    assert outcomes(report, "anthropic")["real"] == ("passed", None)


def test_no_auth_accepted(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "open"
    report = run(fake, keys, ["openai"])
    assert outcomes(report, "openai")["no-auth"] == ("failed", m.NO_AUTH_ACCEPTED)
    assert outcomes(report, "openai")["invalid"] == ("failed", m.INVALID_KEY_ACCEPTED)


def test_gateway_refusing_without_auth_error(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "no-db"
    report = run(fake, keys, ["openai"])
    (check,) = [c for c in probes(report) if c.probe == "invalid"]
    assert (check.outcome, check.rule_id, check.status) == ("failed", m.REFUSED_WITHOUT_AUTH_ERROR, 400)
    assert "no_db_connection" in check.reason


def test_429_then_success_is_retried(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "429-then-ok"
    audit = io.StringIO()
    for p in ["openai"]:
        fake.valid_keys.add(keys.by_provider[p])
    report = run_drift(targets(["openai"]), options(fake, keys, ["openai"]), audit_stream=audit)
    assert outcomes(report, "openai")["real"] == ("passed", None)
    lines = [json.loads(line) for line in audit.getvalue().splitlines()]
    assert [(e["probe"], e["status"], e["outcome"]) for e in lines[:2]] == [("real", 429, "retry"), ("real", 200, "valid")]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("429", "rate limited (429) after 3 attempts"),
        ("429-long", "exceeds the 2s bound"),
        ("500", "server error 500"),
        ("slow", "timeout"),
        ("reset", "connection"),
    ],
)
def test_inconclusive_answers(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random, mode: str,
                              reason: str) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = mode
    fake.delay = 1.5
    report = run(fake, keys, ["openai"], limits=SHORT_READ)
    assert {c.outcome for c in probes(report)} == {"inconclusive"}, [c.reason for c in probes(report)]
    assert all(reason in c.reason for c in probes(report)), [c.reason for c in probes(report)]
    assert {f.rule_id for f in report.findings} == {m.INCONCLUSIVE}
    assert {f.severity for f in report.findings} == {"warning"}
    assert exit_code(report) == 4


def test_strict_makes_inconclusive_fail(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "500"
    report = run(fake, keys, ["openai"], strict=True)
    assert {f.severity for f in report.findings} == {"error"}
    assert exit_code(report) == 1


def test_connection_refused(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    opts = options(fake, keys, ["openai"])
    policy = EndpointPolicy(HostAllowlist(), True, {name("openai"): f"http://127.0.0.1:{free_port()}/v1"})
    report = run_drift(targets(["openai"]), dataclasses.replace(opts, policy=policy))
    assert {c.outcome for c in probes(report)} == {"inconclusive"}
    assert all("connection failed" in c.reason for c in probes(report))


def test_redirect_to_another_host_is_not_followed(fake: FakeProviders, shipped_rules: RuleSet,
                                                  rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    with serve("127.0.0.2") as catcher:
        fake.modes["openai"] = "redirect"
        fake.redirect_to = f"http://127.0.0.2:{catcher.port}/steal"
        report = run(fake, keys, ["openai"])
        assert catcher.hits == []
    assert {c.outcome for c in probes(report)} == {"inconclusive"}
    assert all("redirected (302) to 127.0.0.2" in c.reason for c in probes(report))


def test_manifest_base_url_not_on_allowlist_is_refused(fake: FakeProviders, shipped_rules: RuleSet,
                                                       rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.valid_keys.add(keys.by_provider["openai"])
    manifest_targets = targets(["openai"], base_url=fake.base("openai"))
    no_overrides = EndpointPolicy(HostAllowlist(), True, {})
    report = run_drift(manifest_targets, options(fake, keys, [], policy=no_overrides))
    assert fake.hits == []
    (error,) = report.errors
    assert "not on the allowlist" in error.message and f"--allow-host 127.0.0.1:{fake.port}" in error.message
    assert exit_code(report) == 2

    allowed = EndpointPolicy(HostAllowlist.parse([f"127.0.0.1:{fake.port}"]), True, {})
    report = run_drift(manifest_targets, options(fake, keys, [], policy=allowed))
    assert report.errors == () and {c.outcome for c in probes(report)} == {"passed"}


def test_plain_http_needs_the_loopback_flag(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    policy = EndpointPolicy(HostAllowlist(), False, {name("openai"): fake.base("openai")})
    report = run_drift(targets(["openai"]), options(fake, keys, [], policy=policy))
    assert fake.hits == [] and "--allow-insecure-loopback" in report.errors[0].message


def test_secret_missing_from_the_environment(fake: FakeProviders) -> None:
    report = run_drift(targets(["openai"]), options(fake, Keys(), ["openai"]))
    assert fake.hits == []
    (error,) = report.errors
    assert "KEY_OPENAI is not set" in error.message and "BYOK_CI_SECRET_ACME_PROD_OPENAI" in error.message
    # Not probed is an error (the run is incomplete), not an inconclusive answer; each probe
    # the key would have had is there, so its testcases keep their names.
    assert [(c.probe, c.outcome, c.error) for c in probes(report)] == [
        (probe, "error", error) for probe in ("real", "invalid", "no-auth")]
    assert exit_code(report) == 2 and report.findings == ()
    assert {c.outcome for c in report.checks} == {"error"} and {c.error for c in report.checks} == {error}
    assert exit_code(report) == 2


def test_provider_without_free_probe_is_skipped_without_reading_the_secret(fake: FakeProviders) -> None:
    report = run_drift(targets(["aws"]), options(fake, Keys(), ["aws"]))
    assert report.errors == () and fake.hits == []
    assert {(c.probe, c.outcome) for c in probes(report)} == {("real", "skipped"), ("invalid", "skipped"),
                                                            ("no-auth", "skipped")}
    assert "SigV4" in probes(report)[0].reason


def test_xai_key_blocked_answers_200_but_is_refused(fake: FakeProviders, shipped_rules: RuleSet,
                                                   rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["xai"])
    fake.modes["xai"] = "blocked"
    report = run(fake, keys, ["xai"])
    (real,) = [c for c in probes(report) if c.probe == "real"]
    assert (real.outcome, real.status) == ("failed", 200) and "blocked" in real.reason


def test_metadata_mismatch(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openrouter", "huggingface"])
    for key in keys.by_provider.values():
        fake.valid_keys.add(key)
    wanted = targets(["openrouter", "huggingface"], expires=dt.date(2027, 3, 31), declared_scopes=("none",))
    report = run_drift(wanted, options(fake, keys, ["openrouter", "huggingface"]))
    meta = {c.provider: c for c in probes(report) if c.probe == "metadata"}
    assert meta["openrouter"].outcome == "failed" and "never expires" in meta["openrouter"].reason
    assert meta["huggingface"].outcome == "failed" and "role is read" in meta["huggingface"].reason
    assert {f.rule_id for f in report.findings} == {m.METADATA_MISMATCH}


def test_total_deadline(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "slow"
    fake.delay = 0.5
    report = run(fake, keys, ["openai"], deadline=0.2)
    assert {c.outcome for c in probes(report)} == {"inconclusive"}
    assert any("deadline" in c.reason for c in probes(report))
    assert report.stats.seconds < 1.5


def test_audit_log_has_a_line_per_request_and_no_key(fake: FakeProviders, shipped_rules: RuleSet,
                                                     rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai", "google"])
    for key in keys.by_provider.values():
        fake.valid_keys.add(key)
    audit = io.StringIO()
    run_drift(targets(["openai", "google"]), options(fake, keys, ["openai", "google"]), audit_stream=audit)
    lines = [json.loads(line) for line in audit.getvalue().splitlines()]
    assert len(lines) == len(fake.hits) == 6
    assert {"time", "env", "key", "provider", "probe", "fingerprint", "endpoint", "status", "latency_ms",
            "outcome"} <= set(lines[0])
    text = audit.getvalue()
    sent = {cred for _, _, cred in fake.hits if cred}
    assert len(sent) == 4 and not any(cred in text for cred in sent)


def test_azure_resource_from_the_manifest_with_the_allowlist(fake: FakeProviders, shipped_rules: RuleSet,
                                                            rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["azure"])
    fake.valid_keys.add(keys.by_provider["azure"])
    allowed = EndpointPolicy(HostAllowlist.parse([f"127.0.0.1:{fake.port}"]), True, {})
    report = run_drift(targets(["azure"], base_url=fake.base("azure")), options(fake, keys, [], policy=allowed))
    assert {c.outcome for c in probes(report)} == {"passed"}
    assert {path for _, path, _ in fake.hits} == {"/azure/openai/models"}


def test_key_type_picks_its_own_endpoint(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    from tests.conftest import key_for

    admin = key_for(shipped_rules, "openai.admin-key", rng)
    fake.valid_keys.add(admin)
    report = run_drift(targets(["openai"]), options(fake, Keys({"openai": admin}), ["openai"]))
    assert {c.outcome for c in probes(report)} == {"passed"}
    assert {path for _, path, _ in fake.hits} == {"/openai/organization/admin_api_keys"}


def test_paid_probe_only_on_request(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["jina"])
    fake.valid_keys.add(keys.by_provider["jina"])
    free = run_drift(targets(["jina"]), options(fake, keys, ["jina"]))
    assert {c.outcome for c in probes(free)} == {"skipped"} and fake.hits == []
    paid = run_drift(targets(["jina"]), options(fake, keys, ["jina"], paid_probes={"jina": "embeddings"}))
    assert {c.outcome for c in probes(paid)} == {"passed"}
    assert {(method, path) for method, path, _ in fake.hits} == {("POST", "/jina/embeddings")}
    unknown = run_drift(targets(["jina"]), options(fake, keys, ["jina"], paid_probes={"jina": "chat"}))
    assert "no paid probe named 'chat' for jina (known: embeddings)" in unknown.errors[0].message


def test_unknown_provider_is_an_error_for_that_key_only(fake: FakeProviders, shipped_rules: RuleSet,
                                                        rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.valid_keys.add(keys.by_provider["openai"])
    wanted = [*targets(["openai"]), DriftTarget("prod", "acme-prod-nosuch", "nosuch", "env://KEY_OPENAI")]
    report = run_drift(wanted, options(fake, keys, ["openai"]))
    assert [e.message for e in report.errors] == [
        "key acme-prod-nosuch: provider 'nosuch' has no drift probe in the shipped rules"]
    assert {c.outcome for c in probes(report) if c.provider == "openai"} == {"passed"}


def test_no_auth_refusal_can_be_a_200_the_answer_table_reads_as_invalid() -> None:
    from byok_ci.drift.engine import _judge
    from byok_ci.drift.http import Exchange
    from byok_ci.drift.probes import load_probes
    from byok_ci.drift.scrub import Scrubber

    probe = load_probes()[0]["wandb"].default
    target = DriftTarget("prod", "acme-prod-wandb", "wandb", "env://X")
    refused = _judge(target, probe, "no-auth", Exchange(200, '{"data": {"viewer": null}}'), Scrubber(None))
    accepted = _judge(target, probe, "no-auth", Exchange(200, '{"data": {"viewer": {"username": "ci"}}}'),
                      Scrubber(None))
    assert (refused.outcome, accepted.outcome, accepted.drift.rule_id) == ("passed", "failed", m.NO_AUTH_ACCEPTED)


@pytest.mark.parametrize(("mode", "reason"), [("trickle", "deadline exceeded while reading"), ("cut", "connection")])
def test_a_partial_answer_is_never_judged(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random,
                                          mode: str, reason: str) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = mode
    report = run(fake, keys, ["openai"], deadline=1.0)
    real = next(c for c in probes(report) if c.probe == "real")
    assert (real.outcome, real.status) == ("inconclusive", None) and reason in real.reason, real.reason

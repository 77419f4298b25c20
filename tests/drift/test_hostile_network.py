"""Drift against a hostile network: proxies, echoed encodings, slow headers, stacked gzip, odd secrets.

Security round 2, items 2, 9, 10 and 14. Every server here is real and on loopback.
"""

from __future__ import annotations

import base64
import json
import random
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import Result

from byok_ci.drift import DriftOptions, DriftTarget, run_drift
from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.drift.http import MAX_BODY
from byok_ci.rules import RuleSet
from tests.drift.conftest import FAST, Keys, make_keys, name, options, probes, targets, variable
from tests.drift.fake_provider import FakeProviders
from tests.drift.loopback_servers import compressed_answer, gzip_stream, raw_server, recording_proxy, trickle_headers
from tests.test_no_leak import outputs_of, run_in

pytestmark = pytest.mark.slow  # real servers that trickle, stall and compress

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def write_manifest(root: Path, providers: list[str], secrets: dict[str, str] | None = None) -> None:
    lines = ["version: 1", "project: acme", "keys:"]
    for p in providers:
        secret = (secrets or {}).get(p, f"env://{variable(p)}")
        lines += [f"  - name: {name(p)}", "    env: prod", f"    provider: {p}", f"    secret: {secret}"]
    (root / "byok.yaml").write_text("\n".join(lines) + "\n")


def drift(root: Path, fake: FakeProviders, keys: Keys, *args: str, env: dict[str, str] | None = None,
          insecure: bool = True) -> Result:
    argv = ["drift", "--env", "prod", "--timeout", "5"] + (["--allow-insecure-loopback"] if insecure else [])
    for p in keys.by_provider:
        argv += ["--base-url", f"{name(p)}={fake.base(p)}"]
    return run_in(root, [*argv, *args], env={**keys.environ, "NO_COLOR": None, **(env or {})})  # type: ignore[dict-item]


# --- Item 2: proxies ------------------------------------------------------------------------

def test_proxy_variables_of_the_environment_are_ignored(tmp_path: Path, fake: FakeProviders,
                                                        shipped_rules: RuleSet, rng: random.Random) -> None:
    """HTTP_PROXY and friends used to carry plain-http probes, key and all, through the proxy."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.valid_keys.update(keys.by_provider.values())
    write_manifest(tmp_path, ["openai"])
    with recording_proxy() as proxy:
        result = drift(tmp_path, fake, keys, env={v: proxy.url for v in PROXY_VARIABLES} | {"NO_PROXY": ""})
    assert proxy.requests == []
    assert result.exit_code == 0, result.output
    assert keys.by_provider["openai"] in [cred for _, _, cred in fake.hits]


def test_https_proxy_variable_is_ignored_for_https(tmp_path: Path, tls_fake: FakeProviders,
                                                   loopback_tls: tuple[Path, Path], shipped_rules: RuleSet,
                                                   rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    tls_fake.valid_keys.update(keys.by_provider.values())
    write_manifest(tmp_path, ["openai"])
    with recording_proxy() as proxy:
        result = drift(tmp_path, tls_fake, keys, insecure=False,
                       env={"SSL_CERT_FILE": str(loopback_tls[0]), "HTTPS_PROXY": proxy.url, "NO_PROXY": ""})
    assert proxy.requests == [] and result.exit_code == 0, result.output


@pytest.mark.parametrize("how", ["option", "environment"])
def test_explicit_proxy_tunnels_https(tmp_path: Path, tls_fake: FakeProviders, loopback_tls: tuple[Path, Path],
                                      shipped_rules: RuleSet, rng: random.Random, how: str) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    tls_fake.valid_keys.update(keys.by_provider.values())
    write_manifest(tmp_path, ["openai"])
    with recording_proxy() as proxy:
        args = ["--proxy", proxy.url] if how == "option" else []
        env = {"SSL_CERT_FILE": str(loopback_tls[0])} | ({"BYOK_CI_PROXY": proxy.url} if how == "environment" else {})
        result = drift(tmp_path, tls_fake, keys, *args, insecure=False, env=env)
    assert result.exit_code == 0, result.output
    assert len(proxy.requests) == 3 and all(r.startswith(f"CONNECT 127.0.0.1:{tls_fake.port} ") for r in proxy.requests)
    assert not any(keys.by_provider["openai"] in r for r in proxy.requests)
    assert keys.by_provider["openai"] in [cred for _, _, cred in tls_fake.hits]


def test_explicit_proxy_never_carries_plain_http(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                                 rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.valid_keys.update(keys.by_provider.values())
    write_manifest(tmp_path, ["openai"])
    with recording_proxy() as proxy:
        result = drift(tmp_path, fake, keys, "--proxy", proxy.url)
    assert proxy.requests == [] and result.exit_code == 0, result.output


def test_check_takes_the_proxy_from_the_workflow(tmp_path: Path, tls_fake: FakeProviders,
                                                 loopback_tls: tuple[Path, Path], shipped_rules: RuleSet,
                                                 rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    tls_fake.valid_keys.update(keys.by_provider.values())
    write_manifest(tmp_path, ["openai"])
    env = {**keys.environ, "SSL_CERT_FILE": str(loopback_tls[0]), "BYOK_CI_BASE_URL_ACME_PROD_OPENAI": tls_fake.base("openai")}
    with recording_proxy() as proxy:
        result = run_in(tmp_path, ["check", "--run", "drift", "--drift-env", "prod", "--proxy", proxy.url], env=env)
    assert result.exit_code == 0, result.output
    assert len(proxy.requests) == 3 and proxy.requests[0].startswith("CONNECT ")


def test_a_proxy_must_be_an_http_url(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                     rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    write_manifest(tmp_path, ["openai"])
    result = drift(tmp_path, fake, keys, "--proxy", "ftp://127.0.0.1:1")
    assert result.exit_code == 2 and fake.hits == []
    assert "--proxy (or BYOK_CI_PROXY) must be an http:// or https:// URL" in result.stderr


# --- Item 9: keys echoed in other encodings, redirects that carry the key -------------------

ECHO_PROVIDERS = ["openai", "deepseek", "xai"]


def forbidden_runs(credential: str, prefix: str, run: int = 12) -> set[str]:
    """Every ``run``-character window of each encoding of the credential's body."""
    body = credential[len(prefix):] if credential.startswith(prefix) else credential
    data = body.encode()
    forms = [body, body.lower(), body.upper(), data.hex(), data.hex().upper(), "".join(f"%{b:02X}" for b in data)]
    for junk in range(3):
        encoded = base64.b64encode(b"x" * junk + data).decode()[4:-4]
        forms += [encoded, encoded.replace("+", "-").replace("/", "_")]
    return {form[i:i + run] for form in forms for i in range(len(form) - run + 1)}


def assert_nothing_leaked(outputs: dict[str, str], sent: list[str], rules: RuleSet) -> None:
    prefixes = sorted({r.prefix for r in rules.rules if r.prefix}, key=len, reverse=True)
    for credential in sent:
        prefix = next((p for p in prefixes if credential.startswith(p)), "")
        runs = forbidden_runs(credential, prefix)
        for where, text in outputs.items():
            found = [r for r in runs if r in text or r.lower() in text.lower()]
            assert found == [], f"{where} holds an encoded form of a key it sent"


def run_and_collect(tmp_path: Path, fake: FakeProviders, keys: Keys, rules: RuleSet) -> None:
    (tmp_path / "out").mkdir()
    result = drift(tmp_path, fake, keys, "--output", "out/drift.txt", "--json", "out/drift.json",
                   "--junit", "out/drift.xml", "--sarif", "out/drift.sarif", "--audit-log", "out/audit.jsonl")
    assert result.exit_code in (0, 1, 4), result.output
    sent = sorted({cred for _, _, cred in fake.hits if cred})
    assert len(sent) == 2 * len(keys.by_provider)  # every real and invalidated key really went out
    outputs = outputs_of(result, tmp_path / "out")
    assert outputs["drift.txt"] and json.loads(outputs["drift.json"])["checks"]
    assert_nothing_leaked(outputs, sent, rules)


@pytest.mark.parametrize("echo", ["base64", "base64url", "basic", "url", "hex", "HEX", "lower"])
def test_echoed_encodings_reach_no_output(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                          rng: random.Random, echo: str) -> None:
    keys = make_keys(shipped_rules, rng, ECHO_PROVIDERS)
    fake.valid_keys.update(keys.by_provider.values())
    fake.modes["openai"] = "revoked"  # the real key's answer is shown too
    fake.echo = echo
    write_manifest(tmp_path, ECHO_PROVIDERS)
    run_and_collect(tmp_path, fake, keys, shipped_rules)


@pytest.mark.parametrize("location", [
    "https://{key}.evil.example/v1",
    "https://evil.example/{key}/models",
    "https://evil.example/v1?next={key}",
    "https://evil.example/v1?{key}",
    "https://{key}@evil.example/",
    "https://user:{key}@evil.example/",
    "https://evil.example/v1#{key}",
    "//{key}.evil.example/",
])
def test_redirects_carrying_the_key_reach_no_output(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                                    rng: random.Random, location: str) -> None:
    keys = make_keys(shipped_rules, rng, ["openai", "xai"])
    fake.modes.update({"openai": "redirect", "xai": "redirect"})
    fake.redirect_to = location
    write_manifest(tmp_path, ["openai", "xai"])
    run_and_collect(tmp_path, fake, keys, shipped_rules)


def test_a_redirect_still_says_where_it_went(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    fake.modes["openai"] = "redirect"
    fake.redirect_to = "https://login.example.com/v1?next=1"
    report = run_drift(targets(["openai"]), options(fake, keys, ["openai"]))
    assert all("redirected (302) to login.example.com" in c.reason for c in probes(report))


# --- Item 10: the deadline holds for the whole exchange; decoded bytes are capped --------------

def test_headers_trickled_a_byte_a_second_are_cut_at_the_deadline(tmp_path: Path, shipped_rules: RuleSet,
                                                                   rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    write_manifest(tmp_path, ["openai"])
    with raw_server(trickle_headers(interval=1.0, give_up_after=40)) as slow:
        started = time.monotonic()
        result = run_in(tmp_path, ["drift", "--env", "prod", "--allow-insecure-loopback", "--timeout", "5",
                                   "--deadline", "3", "--format", "json", "--base-url", f"{name('openai')}={slow.url}"],
                        env=keys.environ)
        elapsed = time.monotonic() - started
    assert elapsed < 3 + 4, f"the run took {elapsed:.1f}s with --deadline 3"
    assert result.exit_code == 4, result.output
    checks = json.loads(result.stdout)["checks"]
    assert [c["outcome"] for c in checks] == ["inconclusive"] * 3
    assert "deadline" in checks[0]["reason"]


def peak_of_run(url: str, keys: Keys) -> tuple[int, list[tuple[str, str]]]:
    """Peak traced memory of a drift run of the openai key against ``url``, and its checks."""
    policy = EndpointPolicy(HostAllowlist(), True, {name("openai"): url})
    opts = DriftOptions(policy=policy, limits=FAST, environ=keys.environ, deadline=30.0, rng=random.Random(7))
    tracemalloc.start()
    try:
        report = run_drift(targets(["openai"]), opts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, [(c.outcome, c.reason) for c in probes(report)]


def baseline_peak(keys: Keys) -> int:
    """Peak traced memory of the same run against a small ordinary answer (rules, detector, client)."""
    body = json.dumps({"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}).encode()
    with raw_server(compressed_answer(body, "identity", status=401)) as server:
        return peak_of_run(server.url, keys)[0]


def test_stacked_gzip_is_refused_with_bounded_memory(shipped_rules: RuleSet, rng: random.Random) -> None:
    """`Content-Encoding: gzip, gzip`: a few kilobytes that inflate to 256 MiB."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    bomb = gzip_stream(256 << 20, layers=2)
    assert len(bomb) < 64 * 1024
    with raw_server(compressed_answer(bomb, "gzip, gzip")) as server:
        peak, checks = peak_of_run(server.url, keys)
    extra = peak - baseline_peak(keys)
    assert extra < 4 << 20, f"{extra >> 20} MiB more than an ordinary answer"
    assert [o for o, _ in checks] == ["inconclusive"] * 3
    assert all("Content-Encoding" in reason for _, reason in checks)


def test_a_gzip_bomb_is_decoded_only_up_to_the_cap(shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    bomb = gzip_stream(256 << 20, layers=1)
    with raw_server(compressed_answer(bomb, "gzip", status=401)) as server:
        peak, checks = peak_of_run(server.url, keys)
    extra = peak - baseline_peak(keys)
    assert extra < 4 << 20, f"{extra >> 20} MiB more than an ordinary answer"
    assert len(checks) == 3  # judged on at most MAX_BODY decoded bytes
    assert MAX_BODY <= 1 << 20


def test_a_gzipped_answer_is_still_read(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    import gzip

    keys = make_keys(shipped_rules, rng, ["openai"])
    body = gzip.compress(json.dumps({"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}).encode())
    with raw_server(compressed_answer(body, "gzip", status=401)) as server:
        _, checks = peak_of_run(server.url, keys)
    assert checks[0][0] == "failed" and "invalid_api_key" in checks[0][1]


# --- Item 14: a secret that cannot travel in a header ---------------------------------------

def test_a_non_ascii_secret_is_a_per_key_error(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                               rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai", "anthropic"])
    fake.valid_keys.update(keys.by_provider.values())
    bad = keys.by_provider["openai"]
    keys.by_provider["openai"] = bad[:20] + "\u00e9" + bad[21:]
    write_manifest(tmp_path, ["openai", "anthropic"])
    result = drift(tmp_path, fake, keys, "--format", "json")
    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.stderr.splitlines() if name("openai") in line]
    assert "non-ASCII character at position 21" in line and bad[8:20] not in line
    checks = json.loads(result.stdout)["checks"]
    assert [c["outcome"] for c in checks if c["key"] == name("anthropic")] == ["pass"] * 3
    assert [c["outcome"] for c in checks if c["key"] == name("openai")] == ["error"] * 3
    assert all(path.startswith("/anthropic/") for _, path, _ in fake.hits)


def test_a_secret_with_a_control_character_is_a_per_key_error(fake: FakeProviders, shipped_rules: RuleSet,
                                                              rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    keys.by_provider["openai"] = keys.by_provider["openai"][:30] + "\r\nX-Injected: 1"
    report = run_drift([DriftTarget("prod", name("openai"), "openai", f"env://{variable('openai')}")],
                       options(fake, keys, ["openai"]))
    assert fake.hits == [] and "control character" in report.errors[0].message


def test_a_stray_character_is_named_before_the_format_check(fake: FakeProviders, shipped_rules: RuleSet,
                                                            rng: random.Random) -> None:
    """A typo in a real key gets the precise message even where the key must also fit its provider's format."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    keys.by_provider["openai"] = keys.by_provider["openai"][:40] + "\u2019" + keys.by_provider["openai"][41:]
    policy = EndpointPolicy(HostAllowlist.parse([f"127.0.0.1:{fake.port}"]), True, {})
    target = DriftTarget("prod", name("openai"), "openai", f"env://{variable('openai')}", base_url=fake.base("openai"))
    report = run_drift([target], options(fake, keys, [], policy=policy))
    assert fake.hits == [] and "non-ASCII character at position 41" in report.errors[0].message


@pytest.mark.parametrize("status", [200, 401, 500])
def test_an_answer_nested_past_the_recursion_limit_is_judged_not_a_crash(shipped_rules: RuleSet, rng: random.Random,
                                                                         status: int) -> None:
    """A gateway the workflow allowed answers with 60 KB of '[': json.loads raises
    RecursionError (not ValueError), which stopped the whole run with an internal error."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    body = b"[" * 30_000 + b"]" * 30_000
    with raw_server(compressed_answer(body, "identity", status=status)) as server:
        _, checks = peak_of_run(server.url, keys)
    assert len(checks) == 3

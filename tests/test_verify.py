"""`scan --verify`: each found key's provider (a real loopback stand-in) says live or revoked.

The stand-in is named the way drift's tests name it: a base URL from the command line
(`--base-url PROVIDER=URL`) with `--allow-insecure-loopback`, never from a file.
"""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.model import Finding, Report, Verification
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.vault import KeyVault
from byok_ci.verify import VerifyOptions, verified_scan
from tests.conftest import key_for
from tests.drift.conftest import FAST
from tests.drift.fake_provider import FakeProviders, serve
from tests.test_no_leak import run_in



@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    """The providers' loopback stand-in (tests/drift/fake_provider.py)."""
    with serve() as server:
        yield server


def stand_in(fake: FakeProviders, *providers: str) -> VerifyOptions:
    return VerifyOptions(policy=EndpointPolicy(HostAllowlist(), True, {p: fake.base(p) for p in providers}),
                         limits=FAST, deadline=20.0)


def scan_verified(tmp_path: Path, files: dict[str, str], options: VerifyOptions, audit: Path | None = None) -> Report:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    stream = audit.open("a") if audit else None
    try:
        return verified_scan(lambda keys: scan_paths([tmp_path], root=tmp_path, keys=keys), options,
                             audit_stream=stream)
    finally:
        if stream:
            stream.close()


def verdict(report: Report, path: str) -> Verification:
    (finding,) = [f for f in report.findings if f.path == path]
    assert finding.verified is not None
    return finding.verified


def test_live_and_revoked_keys(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random) -> None:
    live, dead = key_for(shipped_rules, "openai.project-key", rng), key_for(shipped_rules, "openai.project-key", rng)
    fake.valid_keys.add(live)
    report = scan_verified(tmp_path, {"a.py": f'OPENAI_API_KEY = "{live}"\n', "b.py": f'OPENAI_API_KEY = "{dead}"\n'},
                           stand_in(fake, "openai"))
    assert verdict(report, "a.py").status == "live"
    assert verdict(report, "b.py").status == "revoked"
    assert "key live" in report.findings[0].message
    assert sorted(cred for _, _, cred in fake.hits) == sorted([f"Bearer {live}", f"Bearer {dead}"]) or \
        sorted(cred for _, _, cred in fake.hits) == sorted([live, dead])


def test_each_distinct_key_is_sent_once(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                        rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    fake.valid_keys.add(key)
    files = {f"f{i}.py": f'OPENAI_API_KEY = "{key}"\n' for i in range(3)}
    report = scan_verified(tmp_path, files, stand_in(fake, "openai"))
    assert len(report.findings) == 3 and {f.verified.status for f in report.findings if f.verified} == {"live"}
    assert len(fake.hits) == 1


@pytest.mark.parametrize(("mode", "reason"), [("429", "rate-limited"), ("500", "inconclusive"),
                                               ("redirect", "inconclusive")])
def test_undecided_answers_are_unknown(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                       rng: random.Random, mode: str, reason: str) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    fake.valid_keys.add(key)
    fake.modes["openai"] = mode
    report = scan_verified(tmp_path, {"a.py": f'OPENAI_API_KEY = "{key}"\n'}, stand_in(fake, "openai"))
    assert (verdict(report, "a.py").status, verdict(report, "a.py").reason) == ("unknown", reason)


def test_an_unreachable_provider_is_unknown_network(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    options = VerifyOptions(policy=EndpointPolicy(HostAllowlist(), True, {"openai": f"http://127.0.0.1:{port}/v1"}),
                            limits=FAST, deadline=20.0)
    key = key_for(shipped_rules, "openai.project-key", rng)
    report = scan_verified(tmp_path, {"a.py": f'OPENAI_API_KEY = "{key}"\n'}, options)
    assert (verdict(report, "a.py").status, verdict(report, "a.py").reason) == ("unknown", "network")


def test_a_rule_without_a_probe_is_unknown_no_free_probe(tmp_path: Path, fake: FakeProviders,
                                                         shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "aws.access-key-id", rng)
    report = scan_verified(tmp_path, {"a.env": f"AWS_ACCESS_KEY_ID={key}\n"}, stand_in(fake, "aws"))
    assert report.findings and all(f.verified == Verification("unknown", "no-free-probe", f.verified.detail)
                                   for f in report.findings if f.verified)
    assert fake.hits == []


def test_deadline_already_passed_sends_nothing(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                               rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    fake.modes["openai"] = "slow"
    options = VerifyOptions(policy=stand_in(fake, "openai").policy, limits=FAST, deadline=1.0)
    report = scan_verified(tmp_path, {"a.py": f'OPENAI_API_KEY = "{key}"\n'}, options)
    assert (verdict(report, "a.py").status, verdict(report, "a.py").reason) == ("unknown", "deadline")


def test_the_official_host_is_used_without_a_workflow_override(tmp_path: Path, shipped_rules: RuleSet,
                                                               rng: random.Random) -> None:
    """No override: the probe's host is the provider's own, which the test network refuses."""
    key = key_for(shipped_rules, "openai.project-key", rng)
    report = scan_verified(tmp_path, {"a.py": f'OPENAI_API_KEY = "{key}"\n'},
                           VerifyOptions(limits=FAST, deadline=5.0))
    found = verdict(report, "a.py")
    assert found.status == "unknown" and "api.openai.com" in found.detail


def test_the_vault_is_empty_after_the_run_and_never_pickled(tmp_path: Path, fake: FakeProviders,
                                                            shipped_rules: RuleSet, rng: random.Random) -> None:
    import pickle

    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "a.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    held: list[KeyVault] = []

    def scan(keys: KeyVault) -> Report:
        held.append(keys)
        report = scan_paths([tmp_path], root=tmp_path, keys=keys)
        assert len(keys) == 1 and key not in repr(keys)
        with pytest.raises(TypeError):
            pickle.dumps(keys)
        return report

    verified_scan(scan, stand_in(fake, "openai"))
    assert len(held[0]) == 0


# --- the command ---------------------------------------------------------------------------

def cli(root: Path, fake: FakeProviders, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_in(root, ["scan", "--verify", "--base-url", f"openai={fake.base('openai')}",
                         "--allow-insecure-loopback", "--timeout", "3", *args, "."], env=env)


def test_the_key_is_in_no_output_nor_the_audit_log(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                                   rng: random.Random) -> None:
    live, dead = key_for(shipped_rules, "openai.project-key", rng), key_for(shipped_rules, "openai.project-key", rng)
    fake.valid_keys.add(live)
    fake.modes["openai"] = "normal"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text(f'OPENAI_API_KEY = "{live}"\nOTHER = "{dead}"\n')
    out = tmp_path / "out"
    out.mkdir()
    result = cli(repo, fake, "--audit-log", str(out / "audit.jsonl"), "--json", str(out / "r.json"),
                 "--junit", str(out / "r.xml"), "--sarif", str(out / "r.sarif"), "--gitlab", str(out / "r.gitlab"),
                 "--format", "github")
    assert result.exit_code == 1, result.output
    texts = [result.stdout, result.stderr, *(p.read_text() for p in out.iterdir())]
    for text in texts:
        for key in (live, dead):
            assert key not in text and key[-20:] not in text
    data = json.loads((out / "r.json").read_text())
    assert data["version"] == 1
    assert sorted(f["verified"] for f in data["findings"]) == ["live", "revoked"]
    assert "key live" in (out / "r.xml").read_text() and "key revoked" in (out / "r.xml").read_text()
    sarif = json.loads((out / "r.sarif").read_text())
    assert sorted(r["properties"]["verified"] for r in sarif["runs"][0]["results"]) == ["live", "revoked"]
    gitlab = json.loads((out / "r.gitlab").read_text())
    assert sorted(v["details"]["verified"]["value"] for v in gitlab["vulnerabilities"]) == ["live", "revoked"]
    assert "key live" in result.stdout  # the GitHub annotation
    audit = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()]
    assert len(audit) == 2 and {a["command"] for a in audit} == {"scan --verify"}
    assert {a["fingerprint"] for a in audit} == {f["fingerprint"] for f in data["findings"]}


def test_text_output_says_whether_the_key_is_live(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                                  rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "a.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    result = cli(tmp_path, fake)
    assert result.exit_code == 1 and "key revoked (127.0.0.1 refused it, HTTP 401" in result.stdout, result.output


@pytest.mark.parametrize(("valid", "mode", "code"), [(True, "normal", 1), (False, "normal", 0), (True, "429", 4)])
def test_fail_on_live(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random,
                      valid: bool, mode: str, code: int) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    if valid:
        fake.valid_keys.add(key)
    fake.modes["openai"] = mode
    (tmp_path / "a.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    assert cli(tmp_path, fake, "--fail-on", "live").exit_code == code
    # Without --fail-on live every finding fails, revoked or not.
    assert cli(tmp_path, fake).exit_code == 1


def test_fail_on_live_needs_verify(tmp_path: Path) -> None:
    result = run_in(tmp_path, ["scan", "--fail-on", "live", "."])
    assert result.exit_code == 2 and "--fail-on live needs --verify" in result.output


def test_without_verify_nothing_is_sent(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                        rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "a.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    result = run_in(tmp_path, ["scan", "--json", "r.json", "."])
    assert result.exit_code == 1 and fake.hits == []
    assert all("verified" not in f for f in json.loads((tmp_path / "r.json").read_text())["findings"])


@pytest.mark.parametrize("config", [
    "base_url: {url}\n", "base_urls: ['openai={url}']\n", "allow_hosts: ['127.0.0.1']\n", "proxy: {url}\n",
    "check:\n  base_url: {url}\n  allow_hosts: ['127.0.0.1']\n  allow_insecure_loopback: true\n  proxy: {url}\n",
    "verify:\n  base_url: {url}\n",
])
def test_the_checkout_cannot_redirect_verification(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                                   rng: random.Random, config: str) -> None:
    """A pull request edits .byok-ci.yaml and the environment's proxy: the stand-in hears nothing."""
    key = key_for(shipped_rules, "openai.project-key", rng)
    fake.valid_keys.add(key)
    (tmp_path / "a.py").write_text(f'OPENAI_API_KEY = "{key}"\n')
    (tmp_path / ".byok-ci.yaml").write_text(config.format(url=fake.base("openai")))
    proxy = f"http://127.0.0.1:{fake.port}"
    env = {"HTTPS_PROXY": proxy, "HTTP_PROXY": proxy, "ALL_PROXY": proxy, "BYOK_CI_PROXY": proxy,
           "BYOK_CI_BASE_URL_OPENAI": fake.base("openai"), "BYOK_CI_ALLOW_HOSTS": f"127.0.0.1:{fake.port}"}
    result = run_in(tmp_path, ["scan", "--verify", "--timeout", "2", "--deadline", "5", "--json", "r.json", "."],
                    env=env)
    assert fake.hits == [], "the checkout's stand-in received the key"
    findings = [f for f in json.loads((tmp_path / "r.json").read_text())["findings"] if f["path"] == "a.py"]
    assert findings and all(f["verified"] == "unknown" for f in findings), result.output


def test_findings_without_verify_have_no_verification() -> None:
    finding = Finding("openai.project-key", "openai", "error", "a", 1, 1, "m", "r", "fp")
    assert "verified" not in finding.to_dict()


def test_no_shipped_hook_verifies() -> None:
    """A commit or a push never sends a key anywhere: no hook passes --verify."""
    import yaml

    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    assert hooks and all("--verify" not in hook["entry"] and "--verify" not in " ".join(hook.get("args", []))
                         for hook in hooks)


def test_a_value_not_in_a_shipped_key_format_is_never_sent(fake: FakeProviders, shipped_rules: RuleSet) -> None:
    """A checkout's rule file may reuse `openai.project-key` for a broad pattern: its match stays home."""
    from byok_ci.verify import verify_report

    keys = KeyVault()
    value = "ghp_" + "x1" * 18  # shaped like some other service's token, not an OpenAI key
    keys.put("openai.project-key", value)
    from byok_ci.model import fingerprint

    finding = Finding("openai.project-key", "openai", "error", "a.py", 1, 1, "m", "r", fingerprint(value))
    report = verify_report(Report("scan", [finding]), keys, stand_in(fake, "openai"))
    assert fake.hits == []
    verified = report.findings[0].verified
    assert verified is not None and (verified.status, verified.reason) == ("unknown", "not-key-format")

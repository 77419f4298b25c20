"""Where a key is sent comes from the workflow, never from a file of the checkout.

A pull request can edit `.byok-ci.yaml` and `byok.yaml`. Security round 2, item 1: `check`
took `allow_hosts` from the config's `check:` section, so a pull request could point a key's
`base_url` at its own TLS server and receive the key. These tests stand such a server on
loopback (trusted through SSL_CERT_FILE, as a runner's own CA would be) and assert it never
gets a request.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from click.testing import Result

from byok_ci.drift import DriftTarget, run_drift
from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.drift.conftest import make_keys, name, options, probes, variable
from tests.drift.fake_provider import FakeProviders
from tests.test_no_leak import run_in


def write_tree(root: Path, base_url: str, config: str = "") -> None:
    (root / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n"
        f"  - name: {name('openai')}\n    env: prod\n    provider: openai\n"
        f"    secret: env://{variable('openai')}\n    base_url: {base_url}\n"
    )
    (root / ".byok-ci.yaml").write_text("check:\n  run: [drift]\n  drift_env: prod\n" + config)


def check(root: Path, cert: Path, key: str, **env: str) -> Result:
    return run_in(root, ["check", "--json", "r.json"],
                  env={"SSL_CERT_FILE": str(cert), variable("openai"): key, "BYOK_CI_ALLOW_HOSTS": "", **env})


def test_check_refuses_allow_hosts_from_the_checkout(tmp_path: Path, tls_fake: FakeProviders,
                                                     loopback_tls: tuple[Path, Path], shipped_rules: RuleSet,
                                                     rng: random.Random) -> None:
    """The issue's repro: `check: {allow_hosts: [...]}` and a manifest base_url at a TLS sink."""
    key = key_for(shipped_rules, "openai.project-key", rng)
    write_tree(tmp_path, tls_fake.base("openai"), f"  allow_hosts: ['127.0.0.1:{tls_fake.port}']\n")
    result = check(tmp_path, loopback_tls[0], key)
    assert tls_fake.hits == [], "the sink received a request"
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if "allow_hosts" in line]
    assert len(lines) == 1 and lines[0].startswith("byok-ci: error: .byok-ci.yaml:4: ")
    assert "BYOK_CI_ALLOW_HOSTS" in lines[0] and "--allow-host" in lines[0]
    # The key itself is refused the way `drift` refuses it.
    assert "not on the allowlist" in result.stderr and "a file in the checkout cannot" in result.stderr


def test_check_sends_to_a_host_the_workflow_allows(tmp_path: Path, tls_fake: FakeProviders,
                                                   loopback_tls: tuple[Path, Path], shipped_rules: RuleSet,
                                                   rng: random.Random) -> None:
    """The control: the same sink, allowed by the workflow's environment, gets the probes."""
    key = key_for(shipped_rules, "openai.project-key", rng)
    tls_fake.valid_keys.add(key)
    write_tree(tmp_path, tls_fake.base("openai"))
    result = check(tmp_path, loopback_tls[0], key, BYOK_CI_ALLOW_HOSTS=f"127.0.0.1:{tls_fake.port}")
    assert result.exit_code == 0, result.output
    assert key in [cred for _, _, cred in tls_fake.hits]


@pytest.mark.parametrize("field", ["proxy", "allow_insecure_loopback", "base_url", "base_urls", "allow_host"])
def test_check_refuses_every_workflow_only_field(tmp_path: Path, tls_fake: FakeProviders,
                                                 loopback_tls: tuple[Path, Path], shipped_rules: RuleSet,
                                                 rng: random.Random, field: str) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    write_tree(tmp_path, tls_fake.base("openai"), f"  {field}: 'http://127.0.0.1:{tls_fake.port}'\n")
    result = check(tmp_path, loopback_tls[0], key)
    assert result.exit_code == 2 and tls_fake.hits == []
    (line,) = [line for line in result.stderr.splitlines() if f"'{field}'" in line]
    assert line.startswith("byok-ci: error: .byok-ci.yaml:4: ") and "from the workflow" in line


# --- What the manifest chooses: which value goes to which provider ------------------------
# A pull request can point `secret:` at any variable, file or Vault path the job can read, and
# change `provider:`. A value byok-ci did not get from the workflow for that key's endpoint is
# sent only when it has the format of a key of the declared provider.

def allowlisted(fake: FakeProviders) -> EndpointPolicy:
    return EndpointPolicy(HostAllowlist.parse([f"127.0.0.1:{fake.port}"]), True, {})


def test_a_file_that_is_not_a_key_is_never_sent(tmp_path: Path, fake: FakeProviders, shipped_rules: RuleSet,
                                                rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    outside = tmp_path / "runner" / "credentials"
    outside.parent.mkdir()
    outside.write_text("https://x-access-token:not-a-provider-key@github.example\n")
    (tmp_path / "repo").mkdir()
    target = DriftTarget("prod", name("openai"), "openai", f"file://{outside}", base_url=fake.base("openai"),
                         manifest=str(tmp_path / "repo" / "byok.yaml"))
    report = run_drift([target], options(fake, keys, [], policy=allowlisted(fake)))
    assert fake.hits == []
    (error,) = report.errors
    assert "does not have the format of any openai key" in error.message and "BYOK_CI_BASE_URL_" in error.message


def test_a_key_of_another_provider_is_never_sent(fake: FakeProviders, shipped_rules: RuleSet,
                                                 rng: random.Random) -> None:
    """`provider:` swapped: an OpenAI key must not go to the xAI endpoint."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    target = DriftTarget("prod", name("xai"), "xai", f"env://{variable('openai')}", base_url=fake.base("xai"))
    report = run_drift([target], options(fake, keys, [], policy=allowlisted(fake)))
    assert fake.hits == [] and "does not have the format of any xai key" in report.errors[0].message


def test_a_key_of_the_declared_provider_is_sent(fake: FakeProviders, shipped_rules: RuleSet,
                                                rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai", "xai"])
    fake.valid_keys.update(keys.by_provider.values())
    manifest = [DriftTarget("prod", name(p), p, f"env://{variable(p)}", base_url=fake.base(p)) for p in ("openai", "xai")]
    report = run_drift(manifest, options(fake, keys, [], policy=allowlisted(fake)))
    assert report.errors == () and {c.outcome for c in probes(report)} == {"passed"}


def test_a_workflow_named_endpoint_takes_a_key_of_any_format(fake: FakeProviders, shipped_rules: RuleSet,
                                                             rng: random.Random) -> None:
    """A gateway's own key format: the workflow names the endpoint, so the value may go there."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    gateway_key = "gw-" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(30))
    fake.valid_keys.add(gateway_key)
    opts = options(fake, keys, ["openai"])
    report = run_drift([DriftTarget("prod", name("openai"), "openai", "env://GW")],
                       dataclasses.replace(opts, environ={"GW": gateway_key}))
    assert report.errors == () and {c.outcome for c in probes(report)} == {"passed"}


def test_a_secret_file_is_read_only_when_regular_and_small(tmp_path: Path, fake: FakeProviders,
                                                            shipped_rules: RuleSet, rng: random.Random) -> None:
    keys = make_keys(shipped_rules, rng, ["openai"])
    big = tmp_path / "big"
    big.write_bytes(b"x" * (1 << 20))
    refs = {"device": "file:///dev/zero", "big": f"file://{big}", "dir": f"file://{tmp_path}"}
    manifest = [DriftTarget("prod", f"k-{what}", "openai", ref, base_url=fake.base("openai"),
                            manifest=str(tmp_path / "byok.yaml")) for what, ref in refs.items()]
    report = run_drift(manifest, options(fake, keys, [], policy=allowlisted(fake)))
    assert fake.hits == []
    messages = sorted(e.message for e in report.errors)
    assert len(messages) == 3 and all("secret unavailable" in m for m in messages)
    assert any("not a regular file" in m for m in messages) and any("larger than" in m for m in messages)


@pytest.mark.parametrize("path", ["secret/../../sys/raw#v", "secret/./x#v", "secret//x#v"])
def test_a_vault_reference_stays_in_its_mount(fake: FakeProviders, shipped_rules: RuleSet, rng: random.Random,
                                              path: str) -> None:
    """VAULT_ADDR comes from the workflow only; the manifest's path may not climb out of the mount."""
    keys = make_keys(shipped_rules, rng, ["openai"])
    opts = options(fake, keys, [], policy=allowlisted(fake))
    env = {"VAULT_ADDR": fake.url, "VAULT_TOKEN": "t"}
    report = run_drift([DriftTarget("prod", name("openai"), "openai", f"vault://{path}", base_url=fake.base("openai"))],
                       dataclasses.replace(opts, environ=env))
    assert fake.hits == [] and "vault://MOUNT/PATH#FIELD" in report.errors[0].message

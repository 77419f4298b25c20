"""Where a key may be sent: official HTTPS hosts, allowlisted manifest hosts, loopback by flag."""

from __future__ import annotations

import pytest

from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist, choose_base_url, policy_from
from byok_ci.errors import EndpointRefused

OFFICIAL = "https://api.openai.com/v1"


def policy(*hosts: str, loopback: bool = False) -> EndpointPolicy:
    return EndpointPolicy(HostAllowlist.parse(hosts), loopback, {})


def test_official_host_needs_nothing() -> None:
    assert choose_base_url(OFFICIAL, None, None, policy()) == OFFICIAL
    assert choose_base_url(OFFICIAL, "https://api.openai.com/v1/", None, policy()) == OFFICIAL


@pytest.mark.parametrize(
    ("manifest_url", "hosts", "allowed"),
    [
        ("https://gateway.acme.dev/v1", (), False),
        ("https://gateway.acme.dev/v1", ("gateway.acme.dev",), True),
        ("https://gateway.acme.dev:8443/v1", ("gateway.acme.dev:8443",), True),
        ("https://gateway.acme.dev:8443/v1", ("gateway.acme.dev:443",), False),
        ("https://evil.openai.azure.com", ("acme.openai.azure.com",), False),
        ("https://GATEWAY.acme.dev", ("gateway.acme.dev",), True),
        ("https://gateway.acme.dev.evil.test", ("gateway.acme.dev",), False),
    ],
)
def test_manifest_base_url_needs_the_allowlist(manifest_url: str, hosts: tuple[str, ...], allowed: bool) -> None:
    if allowed:
        assert choose_base_url(OFFICIAL, manifest_url, None, policy(*hosts))
    else:
        with pytest.raises(EndpointRefused, match="not on the allowlist"):
            choose_base_url(OFFICIAL, manifest_url, None, policy(*hosts))


@pytest.mark.parametrize(
    ("url", "loopback", "message"),
    [
        ("http://gateway.acme.dev/v1", True, "plain http"),
        ("http://127.0.0.1:4000/v1", False, "--allow-insecure-loopback"),
        ("https://user:pw@gateway.acme.dev", True, "credentials"),
        ("https://gateway.acme.dev/v1?key=1", True, "query"),
        ("ftp://gateway.acme.dev", True, "http(s)"),
    ],
)
def test_refused_urls(url: str, loopback: bool, message: str) -> None:
    with pytest.raises(EndpointRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        choose_base_url(OFFICIAL, None, url, policy("gateway.acme.dev", loopback=loopback))


def test_loopback_http_with_the_flag_and_override_is_trusted() -> None:
    assert choose_base_url(OFFICIAL, None, "http://127.0.0.1:4000/v1", policy(loopback=True)) == "http://127.0.0.1:4000/v1"
    assert choose_base_url(OFFICIAL, None, "https://gw.example.net", policy()) == "https://gw.example.net"


def test_azure_needs_a_base_url() -> None:
    with pytest.raises(EndpointRefused, match="needs the key's base_url"):
        choose_base_url(None, None, None, policy())


def test_policy_from_flags_and_environment() -> None:
    environ = {"BYOK_CI_BASE_URL_ACME_PROD_OPENAI": "https://env.example", "BYOK_CI_ALLOW_HOSTS": "a.example, b.example"}
    built = policy_from(["acme-prod-anthropic=https://flag.example"], ["c.example:8443"], True, environ,
                        ["acme-prod-openai", "acme-prod-anthropic"])
    assert built.override_for("acme-prod-openai") == "https://env.example"
    assert built.override_for("acme-prod-anthropic") == "https://flag.example"
    assert built.allow_hosts.entries == {"a.example", "b.example", "c.example:8443"}
    with pytest.raises(ValueError, match="NAME=URL"):
        policy_from(["no-equals-sign"], [], False, {}, [])

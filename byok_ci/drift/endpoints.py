"""Where a key may be sent: the policy that keeps a pull request from stealing it.

A key goes over HTTPS to its provider's official host (from the shipped rules). A base URL
named in the manifest (a gateway, an Azure resource) is used only when its host is on the
allowlist the workflow gives (``--allow-host`` / ``BYOK_CI_ALLOW_HOSTS``), never a file of
the checkout, which a pull request can edit. A base URL given on the command line
(``--base-url NAME=URL`` / ``BYOK_CI_BASE_URL_<NAME>``) comes from the workflow itself and
is trusted. Plain HTTP is refused except to loopback with ``--allow-insecure-loopback``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from byok_ci.errors import EndpointRefused

LOOPBACK_NAMES = ("localhost", "::1")


def is_loopback(host: str | None) -> bool:
    return bool(host) and (host in LOOPBACK_NAMES or bool(re.fullmatch(r"127(\.\d{1,3}){3}", host or "")))


def base_url_variable(key_name: str) -> str:
    """``acme-prod-openai`` -> ``BYOK_CI_BASE_URL_ACME_PROD_OPENAI``."""
    return "BYOK_CI_BASE_URL_" + re.sub(r"[^A-Za-z0-9]", "_", key_name).upper()


@dataclass(frozen=True)
class HostAllowlist:
    """Hosts (``host`` any port, or ``host:port``) a manifest base URL may point to."""

    entries: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, values: Iterable[str]) -> HostAllowlist:
        out = set()
        for value in values:
            for item in value.split(","):
                item = item.strip().lower()
                if item:
                    out.add(item)
        return cls(frozenset(out))

    def allows(self, host: str, port: int | None) -> bool:
        host = host.lower()
        shown = f"[{host}]" if ":" in host else host
        return host in self.entries or shown in self.entries or (port is not None and f"{shown}:{port}" in self.entries)


@dataclass(frozen=True)
class EndpointPolicy:
    allow_hosts: HostAllowlist = HostAllowlist()
    allow_insecure_loopback: bool = False
    base_url_overrides: Mapping[str, str] = field(default_factory=dict)

    def override_for(self, key_name: str) -> str | None:
        return self.base_url_overrides.get(key_name)


def choose_base_url(official: str | None, manifest_url: str | None, override: str | None,
                    policy: EndpointPolicy) -> str:
    """The base URL to probe, or EndpointRefused saying why the key may not be sent there."""
    if override:
        url, trusted = override, True
    elif manifest_url:
        url, trusted = manifest_url, False
    elif official:
        url, trusted = official, True
    else:
        raise EndpointRefused("this provider needs the key's base_url (e.g. the Azure resource endpoint)")
    parts = urlsplit(url)
    host = parts.hostname
    try:
        port = parts.port
    except ValueError:
        raise EndpointRefused("the base URL has an invalid port") from None
    if not host or parts.scheme not in ("http", "https"):
        raise EndpointRefused("the base URL must be an http(s) URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise EndpointRefused("the base URL must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not (is_loopback(host) and policy.allow_insecure_loopback):
        raise EndpointRefused(
            f"refusing plain http to {host}: keys travel only over HTTPS "
            "(plain http is allowed to loopback with --allow-insecure-loopback)"
        )
    if not trusted:
        official_host = urlsplit(official).hostname if official else None
        if host != official_host and not policy.allow_hosts.allows(host, port):
            where = f"{host}:{port}" if port else host
            raise EndpointRefused(
                f"base URL host {where} from the manifest is not on the allowlist; the workflow must allow it "
                f"with --allow-host {where} or BYOK_CI_ALLOW_HOSTS (a file in the checkout cannot)"
            )
    return url.rstrip("/")


def policy_from(
    base_urls: Iterable[str],
    allow_hosts: Iterable[str],
    allow_insecure_loopback: bool,
    environ: Mapping[str, str],
    key_names: Iterable[str],
) -> EndpointPolicy:
    """The policy from command-line values and the workflow's environment (flags win).

    ``base_urls`` are ``NAME=URL``; ValueError names a malformed one.
    """
    overrides: dict[str, str] = {}
    for name in key_names:
        value = environ.get(base_url_variable(name))
        if value:
            overrides[name] = value.strip()
    for item in base_urls:
        name, sep, url = item.partition("=")
        if not sep or not name or not url:
            raise ValueError(f"expected NAME=URL, got {item.split('=', 1)[0]!r}…")
        overrides[name] = url
    hosts = HostAllowlist.parse([*allow_hosts, environ.get("BYOK_CI_ALLOW_HOSTS", "")])
    return EndpointPolicy(hosts, allow_insecure_loopback, overrides)

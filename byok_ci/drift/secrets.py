"""Resolve a key's secret reference to its value, for one probe run, in memory only.

Built in: ``env://VAR``, ``file://path`` (relative to the manifest's directory) and
``vault://mount/path#field`` (HashiCorp Vault KV v2 over its HTTP API, with ``VAULT_ADDR``
and ``VAULT_TOKEN``). Any reference can be overridden by ``BYOK_CI_SECRET_<KEY_NAME>``, which
is also how stores without a built-in resolver are used in CI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

from byok_ci.drift.errors import SecretUnavailable
from byok_ci.drift.targets import DriftTarget

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,30}")


def override_variable(key_name: str) -> str:
    """``acme-prod-openai`` -> ``BYOK_CI_SECRET_ACME_PROD_OPENAI``."""
    return "BYOK_CI_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", key_name).upper()


def resolve_secret(target: DriftTarget, environ: Mapping[str, str] | None = None, timeout: float = 10.0) -> str:
    """The secret's value; SecretUnavailable with what to do next when it cannot be had."""
    env = os.environ if environ is None else environ
    override = override_variable(target.key_name)
    if env.get(override):
        return env[override].strip()
    ref = target.secret_ref
    scheme, sep, rest = ref.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        # Never quote it: a value without a scheme may be the key itself, pasted inline.
        raise SecretUnavailable(
            "the secret is not a reference such as env://VAR (a raw value in the manifest is itself a leak); "
            f"fix the manifest or set {override}"
        )
    if scheme == "env":
        value = env.get(rest, "")
        if not value:
            raise SecretUnavailable(f"environment variable {rest} is not set (or set {override})")
        return value.strip()
    if scheme == "file":
        path = Path(rest)
        if not path.is_absolute():
            path = Path(target.manifest).parent / path
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretUnavailable(f"cannot read {path.as_posix()}: {(exc.strerror or 'error').lower()}") from None
        if not value:
            raise SecretUnavailable(f"{path.as_posix()} is empty")
        return value
    if scheme == "vault":
        return _vault(rest, env, timeout)
    raise SecretUnavailable(
        f"resolver for {scheme}:// references is not available; "
        f"set the value in environment variable {override}"
    )


def _vault(rest: str, env: Mapping[str, str], timeout: float) -> str:
    import httpx

    location, _, field = rest.partition("#")
    mount, _, path = location.partition("/")
    if not (mount and path and field):
        raise SecretUnavailable("a vault reference is vault://MOUNT/PATH#FIELD")
    addr, token = env.get("VAULT_ADDR", ""), env.get("VAULT_TOKEN", "")
    if not addr or not token:
        raise SecretUnavailable("vault:// references need VAULT_ADDR and VAULT_TOKEN")
    parts = urlsplit(addr)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        raise SecretUnavailable("VAULT_ADDR must be https:// (plain http only to loopback)")
    headers = {"X-Vault-Token": token}
    if env.get("VAULT_NAMESPACE"):
        headers["X-Vault-Namespace"] = env["VAULT_NAMESPACE"]
    url = f"{addr.rstrip('/')}/v1/{quote(mount)}/data/{quote(path)}"
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise SecretUnavailable(f"Vault at {parts.hostname} could not be reached ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise SecretUnavailable(f"Vault answered {response.status_code} for {mount}/{path}")
    try:
        value = response.json()["data"]["data"][field]
    except (ValueError, KeyError, TypeError):
        raise SecretUnavailable(f"Vault secret {mount}/{path} has no field {field!r}") from None
    if not isinstance(value, str) or not value:
        raise SecretUnavailable(f"Vault secret {mount}/{path} field {field!r} is empty or not a string")
    return value.strip()

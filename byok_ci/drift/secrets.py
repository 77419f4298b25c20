"""Resolve a key's secret reference to its value, for one probe run, in memory only.

Built in: ``env://VAR``, ``file://path`` (relative to the manifest's directory; a regular
file of at most 64 KiB) and ``vault://mount/path#field`` (HashiCorp Vault KV v2 over its
HTTP API, with ``VAULT_ADDR`` and ``VAULT_TOKEN`` from the workflow's environment, never
from the checkout). Any reference can be overridden by ``BYOK_CI_SECRET_<KEY_NAME>``, which
is also how stores without a built-in resolver are used in CI.

The reference comes from the manifest, which a pull request can edit: the engine sends a
value only when it has the format of a key of the declared provider (see
docs/drift.md#a-pull-request-cannot-steal-a-key).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

from byok_ci.errors import SecretUnavailable
from byok_ci.drift.targets import DriftTarget

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_SECRET_FILE = 64 * 1024
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,30}")


def override_variable(key_name: str) -> str:
    """``acme-prod-openai`` -> ``BYOK_CI_SECRET_ACME_PROD_OPENAI``."""
    return "BYOK_CI_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", key_name).upper()


def resolve_secret(target: DriftTarget, environ: Mapping[str, str] | None = None, timeout: float = 10.0,
                   proxy: str | None = None) -> str:
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
        value = _read_secret_file(path)
        if not value:
            raise SecretUnavailable(f"{path.as_posix()} is empty")
        return value
    if scheme == "vault":
        return _vault(rest, env, timeout, proxy)
    raise SecretUnavailable(
        f"resolver for {scheme}:// references is not available; "
        f"set the value in environment variable {override}"
    )


def _read_secret_file(path: Path) -> str:
    """A regular file's text, at most MAX_SECRET_FILE bytes: never a device, FIFO or directory."""
    shown = path.as_posix()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise SecretUnavailable(f"cannot read {shown}: {(exc.strerror or 'error').lower()}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SecretUnavailable(f"{shown} is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_SECRET_FILE:
            raise SecretUnavailable(f"{shown} is larger than {MAX_SECRET_FILE // 1024} KiB; a key file holds one key")
        data = handle.read(MAX_SECRET_FILE + 1)
    if len(data) > MAX_SECRET_FILE:
        raise SecretUnavailable(f"{shown} is larger than {MAX_SECRET_FILE // 1024} KiB; a key file holds one key")
    return data.decode("utf-8", "replace").strip()


def _vault(rest: str, env: Mapping[str, str], timeout: float, proxy: str | None) -> str:
    import httpx

    from byok_ci.drift.http import make_client

    location, _, field = rest.partition("#")
    mount, _, path = location.partition("/")
    segments = location.split("/")
    # Dot segments would climb out of the KV mount to other Vault endpoints with the token.
    if not (mount and path and field) or any(part in ("", ".", "..") for part in segments):
        raise SecretUnavailable("a vault reference is vault://MOUNT/PATH#FIELD, without empty, '.' or '..' parts")
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
        # Proxied only over https, and never through the environment's proxy variables.
        with make_client(proxy if parts.scheme == "https" else None, env) as client:
            response = client.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise SecretUnavailable(f"Vault at {parts.hostname} could not be reached ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise SecretUnavailable(f"Vault answered {response.status_code} for {mount}/{path}")
    try:
        value = response.json()["data"]["data"][field]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise SecretUnavailable(f"Vault secret {mount}/{path} has no field {field!r}") from None
    if not isinstance(value, str) or not value:
        raise SecretUnavailable(f"Vault secret {mount}/{path} field {field!r} is empty or not a string")
    return value.strip()

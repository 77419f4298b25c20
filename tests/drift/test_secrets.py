"""Secret references: env://, file://, vault:// (a real HTTP server), overrides, unknown schemes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from byok_ci.errors import SecretUnavailable
from byok_ci.drift.secrets import override_variable, resolve_secret
from byok_ci.drift.targets import DriftTarget


def target(ref: str, manifest: str = "byok.yaml") -> DriftTarget:
    return DriftTarget("prod", "acme-prod-openai", "openai", ref, manifest=manifest)


def test_env_and_override() -> None:
    assert resolve_secret(target("env://OPENAI_KEY"), {"OPENAI_KEY": "value-1\n"}) == "value-1"
    environ = {"OPENAI_KEY": "value-1", "BYOK_CI_SECRET_ACME_PROD_OPENAI": "value-2"}
    assert resolve_secret(target("env://OPENAI_KEY"), environ) == "value-2"
    assert override_variable("acme.prod-openai") == "BYOK_CI_SECRET_ACME_PROD_OPENAI"


def test_file_relative_to_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "openai").write_text("value-3\n")
    assert resolve_secret(target("file://secrets/openai", str(tmp_path / "byok.yaml")), {}) == "value-3"
    with pytest.raises(SecretUnavailable, match="cannot read"):
        resolve_secret(target("file://secrets/none", str(tmp_path / "byok.yaml")), {})


def test_inline_value_is_never_quoted(shipped_rules, rng) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import key_for

    key = key_for(shipped_rules, "openai.project-key", rng)
    with pytest.raises(SecretUnavailable) as info:
        resolve_secret(target(key), {})
    assert key[8:20] not in str(info.value) and "not a reference" in str(info.value)


def test_missing_and_unsupported() -> None:
    with pytest.raises(SecretUnavailable, match="OPENAI_KEY is not set .*BYOK_CI_SECRET_ACME_PROD_OPENAI"):
        resolve_secret(target("env://OPENAI_KEY"), {})
    with pytest.raises(SecretUnavailable, match="resolver for aws-sm:// .* BYOK_CI_SECRET_ACME_PROD_OPENAI"):
        resolve_secret(target("aws-sm://acme/prod/openai#api_key"), {})


@pytest.fixture
def vault() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append({"path": self.path, "token": self.headers.get("X-Vault-Token")})
            body: dict[str, Any]
            if self.headers.get("X-Vault-Token") != "root-token":
                status, body = 403, {"errors": ["permission denied"]}
            elif self.path == "/v1/secret/data/acme/prod/openai":
                status, body = 200, {"data": {"data": {"api_key": "value-4"}, "metadata": {"version": 3}}}
            else:
                status, body = 404, {"errors": []}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_vault_kv2(vault: tuple[str, list[dict[str, Any]]]) -> None:
    addr, seen = vault
    environ = {"VAULT_ADDR": addr, "VAULT_TOKEN": "root-token"}
    assert resolve_secret(target("vault://secret/acme/prod/openai#api_key"), environ) == "value-4"
    assert seen[0]["path"] == "/v1/secret/data/acme/prod/openai"
    with pytest.raises(SecretUnavailable, match="no field 'nope'"):
        resolve_secret(target("vault://secret/acme/prod/openai#nope"), environ)
    with pytest.raises(SecretUnavailable, match="Vault answered 403"):
        resolve_secret(target("vault://secret/acme/prod/openai#api_key"), {**environ, "VAULT_TOKEN": "wrong"})
    with pytest.raises(SecretUnavailable, match="VAULT_ADDR and VAULT_TOKEN"):
        resolve_secret(target("vault://secret/acme/prod/openai#api_key"), {})
    with pytest.raises(SecretUnavailable, match="https"):
        resolve_secret(target("vault://secret/a#b"), {"VAULT_ADDR": "http://vault.example:8200", "VAULT_TOKEN": "t"})

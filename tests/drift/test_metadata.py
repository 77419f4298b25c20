"""Metadata checkers: expiry, spending limit, scopes/role against the manifest."""

from __future__ import annotations

import datetime as dt

from byok_ci.drift.metadata import cohere, huggingface, openrouter, xai
from byok_ci.drift.targets import DriftTarget


def target(scopes: tuple[str, ...] = (), expires: dt.date | None = None) -> DriftTarget:
    return DriftTarget("prod", "k", "p", "env://X", declared_scopes=scopes, expires=expires)


def test_openrouter() -> None:
    ok = {"data": {"limit": 5, "expires_at": "2027-03-31T00:00:00Z", "is_management_key": False}}
    assert openrouter(ok, target(expires=dt.date(2027, 3, 31))) == []
    assert openrouter(ok, target(expires=dt.date(2026, 1, 1))) == ["the key expires 2027-03-31, the manifest says 2026-01-01"]
    assert openrouter({"data": {"limit": None}}, target()) == ["the key has no spending limit"]
    management = {"data": {"limit": 1, "is_management_key": True}}
    assert "management key" in openrouter(management, target())[0]
    assert openrouter(management, target(("management",))) == []


def test_xai_acls() -> None:
    body = {"acls": ["api-key:model:grok-4", "api-key:endpoint:chat"]}
    assert xai(body, target()) == []
    assert xai(body, target(("api-key:model:grok-4", "api-key:endpoint:chat"))) == []
    assert xai(body, target(("api-key:model:grok-4",))) == ["the key's ACLs are broader than declared: api-key:endpoint:chat"]


def test_huggingface_roles() -> None:
    def token(role: str, **fine: object) -> dict[str, object]:
        return {"auth": {"accessToken": {"role": role, "fineGrained": fine}}}

    assert huggingface(token("read"), target(("read",))) == []
    assert "broader than declared" in huggingface(token("write"), target(("read",)))[0]
    fine = token("fineGrained", scoped=[{"permissions": ["repo.content.read", "org.write"]}])
    assert huggingface(fine, target(("repo.content.read",))) == ["the token grants permissions not declared: org.write"]
    assert huggingface(token("write"), target()) == []  # nothing declared, nothing to compare


def test_cohere() -> None:
    assert cohere({"valid": True}, target()) == [] and cohere({"valid": False}, target())

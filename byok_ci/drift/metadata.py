"""Free key-metadata checks against the manifest: expiry, spending limit, scopes/role.

Each checker reads the provider's metadata body (JSON) and returns the mismatches it finds,
as short sentences without any value of the key itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from byok_ci.drift.targets import DriftTarget

Checker = Callable[[Any, DriftTarget], list[str]]


def _date_of(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None


def _expiry(actual: dt.date | None, target: DriftTarget) -> list[str]:
    if target.expires is None:
        return []
    if actual is None:
        return [f"the manifest says the key expires {target.expires}, but the key never expires"]
    if abs((actual - target.expires).days) > 1:
        return [f"the key expires {actual}, the manifest says {target.expires}"]
    return []


def openrouter(body: Any, target: DriftTarget) -> list[str]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return ["the metadata answer has no 'data' object"]
    problems = _expiry(_date_of(data.get("expires_at")), target)
    if data.get("limit") is None:
        problems.append("the key has no spending limit")
    declared = set(target.declared_scopes)
    for flag, scope in (("is_management_key", "management"), ("is_provisioning_key", "provisioning")):
        if data.get(flag) and scope not in declared:
            problems.append(f"the key is a {scope} key, which the manifest does not declare (scopes: {scope})")
    return problems


def xai(body: Any, target: DriftTarget) -> list[str]:
    if not isinstance(body, dict):
        return ["the metadata answer is not a JSON object"]
    acls = body.get("acls")
    if not target.declared_scopes or not isinstance(acls, list):
        return []
    broader = sorted(str(a) for a in acls if str(a) not in target.declared_scopes)
    return [f"the key's ACLs are broader than declared: {', '.join(broader)}"] if broader else []


_HF_RANK = {"read": 1, "write": 2}


def huggingface(body: Any, target: DriftTarget) -> list[str]:
    token = body.get("auth", {}).get("accessToken") if isinstance(body, dict) else None
    if not isinstance(token, dict):
        return ["the metadata answer has no auth.accessToken"]
    declared = set(target.declared_scopes)
    if not declared:
        return []
    role = token.get("role")
    if role == "fineGrained":
        fine = token.get("fineGrained") or {}
        granted = set(fine.get("global") or [])
        for scoped in fine.get("scoped") or []:
            granted.update(scoped.get("permissions") or [])
        broader = sorted(granted - declared)
        return [f"the token grants permissions not declared: {', '.join(broader)}"] if broader else []
    rank = _HF_RANK.get(str(role))
    declared_rank = max((_HF_RANK.get(s, 0) for s in declared), default=0)
    if rank is not None and rank > declared_rank:
        return [f"the token's role is {role}, broader than declared ({', '.join(sorted(declared))})"]
    return []


def cohere(body: Any, target: DriftTarget) -> list[str]:
    if not isinstance(body, dict) or body.get("valid") is not True:
        return ["check-api-key did not confirm the key as valid"]
    return []


CHECKERS: dict[str, Checker] = {"openrouter": openrouter, "xai": xai, "huggingface": huggingface, "cohere": cohere}

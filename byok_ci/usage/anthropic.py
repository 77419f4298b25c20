"""The Anthropic Admin API (admin key ``sk-ant-admin01-…``, ``x-api-key`` and
``anthropic-version``), read into a Snapshot.

Endpoints and shapes: the platform.claude.com API reference (usage_report/messages,
cost_report, api_keys, workspaces) and anthropic-sdk-ruby's ``beta_api_key.rb``
(docs/usage.md#what-each-provider-exposes). What it does not expose: when a key was last used (taken from
usage instead), request counts, and cost per key (cost_report groups by workspace and
description only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from byok_ci.errors import AdminApiUnavailable
from byok_ci.usage.client import AdminClient
from byok_ci.usage.model import Container, DayCost, DayUsage, ProviderKey, Snapshot, Window

VERSION = "2023-06-01"
BUCKETS_PER_PAGE = 31  # 1d buckets: at most 31 per page, usage and cost alike
STATES = {"active": "active", "inactive": "disabled", "archived": "archived", "expired": "expired"}


def headers(admin_key: str) -> dict[str, str]:
    return {"x-api-key": admin_key, "anthropic-version": VERSION}


def _rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _day(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()
    except ValueError:
        return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _tokens(result: dict[str, Any]) -> int:
    cache = result.get("cache_creation")
    created = sum(_int(v) for v in cache.values()) if isinstance(cache, dict) else 0
    return (_int(result.get("uncached_input_tokens")) + _int(result.get("cache_read_input_tokens")) + created
            + _int(result.get("output_tokens")))


def read(client: AdminClient, window: Window) -> Snapshot:
    """What Anthropic's admin API tells of the organisation; AdminApiUnavailable when its
    inventory cannot be read."""
    workspaces = client.listing("/v1/organizations/workspaces",
                                [("limit", "1000"), ("include_archived", "true"), ("include_default", "true")],
                                "after_id")
    containers = tuple(
        Container(str(w["id"]), str(w.get("name") or w["id"]),
                  tuple(sorted((str(k), str(v)) for k, v in (w.get("tags") or {}).items()))
                  if isinstance(w.get("tags"), dict) else (), archived=bool(w.get("archived_at")))
        for w in workspaces if isinstance(w.get("id"), str))
    keys = []
    for item in client.listing("/v1/organizations/api_keys", [("limit", "1000")], "after_id"):
        if not isinstance(item.get("id"), str):
            continue
        scope = item.get("scope")
        workspace = scope.get("workspace_id") if isinstance(scope, dict) else item.get("workspace_id")
        said = str(item.get("status"))[:20]
        keys.append(ProviderKey(
            id=item["id"], name=str(item.get("name") or ""), container=workspace if isinstance(workspace, str) else None,
            status=STATES.get(said, "unknown"), hint=str(item.get("partial_key_hint") or ""),
            created=_day(item.get("created_at")),
            state_note="" if said == "active" else f"status: {said}" if said in STATES else f"Anthropic lists it with status {said!r}, "
            "which byok-ci does not know",
        ))
    span = [("starting_at", _rfc3339(window.first)), ("ending_at", _rfc3339(window.today + dt.timedelta(days=1))),
            ("bucket_width", "1d"), ("limit", str(BUCKETS_PER_PAGE))]
    usage = []
    gaps = ["request counts: Anthropic's usage report counts tokens, not requests",
            "last use of a key: not listed; taken from usage in the window read"]
    try:
        for bucket in client.report("/v1/organizations/usage_report/messages", [
                *span, ("group_by[]", "api_key_id"), ("group_by[]", "workspace_id"), ("group_by[]", "model")]):
            day = _day(bucket.get("starting_at"))
            for result in bucket.get("results") or ():
                if day is not None and isinstance(result, dict):
                    usage.append(DayUsage(day, result.get("api_key_id"), result.get("workspace_id"),
                                          str(result.get("model") or ""), _tokens(result)))
    except AdminApiUnavailable as exc:
        gaps.append(f"usage: {exc.reason}")
    costs: list[DayCost] | None = []
    try:
        for bucket in client.report("/v1/organizations/cost_report", [*span, ("group_by[]", "workspace_id")]):
            day = _day(bucket.get("starting_at"))
            for result in bucket.get("results") or ():
                if day is None or not isinstance(result, dict):
                    continue
                try:
                    # A decimal string in cents: "123.45" is $1.2345 (cost_report reference).
                    usd = Decimal(str(result.get("amount", "0"))) / 100
                except InvalidOperation:
                    continue
                costs.append(DayCost(day, result.get("workspace_id"), None, usd))  # type: ignore[union-attr]
    except AdminApiUnavailable as exc:
        gaps.append(f"costs: {exc.reason}")
        costs = None
    return Snapshot("anthropic", containers, tuple(keys), tuple(usage), tuple(costs) if costs is not None else None,
                    costs_by_key=False, last_used_reported=False, gaps=tuple(gaps), requests=client.requests,
                    first_day=window.first, last_day=window.today)

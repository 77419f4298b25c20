"""The OpenAI Admin API (admin key ``sk-admin-…``, ``Authorization: Bearer``), read into a Snapshot.

Endpoints and shapes: openai/openai-openapi ``openapi.json`` (spec v2.3.0) and openai-python's
``resources/admin/organization`` (docs/usage.md#what-each-provider-exposes). Projects (archived too) and each
project's keys (``owner_project_access=any``: otherwise keys whose owner lost access are
left out), usage of completions and embeddings grouped by key, project and model, and costs
grouped by project and key, daily, Unix-second windows, paged by ``next_page``/``after``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from byok_ci.errors import AdminApiUnavailable
from byok_ci.usage.client import AdminClient
from byok_ci.usage.model import Container, DayCost, DayUsage, ProviderKey, Snapshot, Window

USAGE_KINDS = ("completions", "embeddings")
TOKEN_FIELDS = ("input_tokens", "output_tokens")
BUCKETS_PER_PAGE = 31  # 1d buckets: at most 31 per usage page (costs allow 180)
# The spec's project key has no state: owner_project_access=any lists "all enabled project API
# keys", and a revoked key is deleted (DELETE …/api_keys/{id}), so it is missing, never disabled.
NO_STATES = ("OpenAI has no disabled state for project keys: the project's key list holds only enabled keys, "
             "and a revoked key is deleted (usage.key-missing)")


def headers(admin_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_key}"}


def _unix(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def _day(value: Any) -> dt.date | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).date()
    return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read(client: AdminClient, window: Window) -> Snapshot:
    """What OpenAI's admin API tells of the organisation; AdminApiUnavailable when its
    inventory cannot be read (usage and costs missing are gaps of the snapshot)."""
    projects = client.listing("/organization/projects", [("limit", "100"), ("include_archived", "true")], "after")
    containers = tuple(Container(str(p["id"]), str(p.get("name") or p["id"]),
                                 archived=p.get("status") == "archived" or bool(p.get("archived_at")))
                       for p in projects if isinstance(p.get("id"), str))
    keys: list[ProviderKey] = []
    for project in containers:
        listed = client.listing(f"/organization/projects/{project.id}/api_keys",
                                [("limit", "100"), ("owner_project_access", "any")], "after")
        for item in listed:
            if not isinstance(item.get("id"), str):
                continue
            access = item.get("owner_project_access", "active")
            if project.archived:
                status, note = "archived", f"its project {project.name} is archived"
            elif access == "active":
                status, note = "active", ""
            else:
                # The owner lost access to the project; whether the key still authenticates is
                # not documented, so byok-ci does not call it disabled.
                status, note = "unknown", (f"its owner has no access to the project (owner_project_access: "
                                           f"{str(access)[:20]}); OpenAI does not say whether the key still works")
            keys.append(ProviderKey(
                id=item["id"], name=str(item.get("name") or ""), container=project.id, status=status,
                hint=str(item.get("redacted_value") or ""), created=_day(item.get("created_at")),
                last_used=_day(item.get("last_used_at")), state_note=note,
            ))
    span = [("start_time", str(_unix(window.first))),
            ("end_time", str(_unix(window.today + dt.timedelta(days=1)))), ("bucket_width", "1d")]
    usage: list[DayUsage] = []
    gaps: list[str] = []
    for kind in USAGE_KINDS:
        try:
            for bucket in client.report(f"/organization/usage/{kind}", [
                    *span, ("limit", str(BUCKETS_PER_PAGE)),
                    ("group_by[]", "api_key_id"), ("group_by[]", "project_id"), ("group_by[]", "model")]):
                day = _day(bucket.get("start_time"))
                for result in bucket.get("results") or ():
                    if day is None or not isinstance(result, dict):
                        continue
                    usage.append(DayUsage(day, result.get("api_key_id"), result.get("project_id"),
                                          str(result.get("model") or ""),
                                          sum(_int(result.get(f)) for f in TOKEN_FIELDS),
                                          _int(result.get("num_model_requests"))))
        except AdminApiUnavailable as exc:
            gaps.append(f"usage ({kind}): {exc.reason}")
    costs: list[DayCost] | None = []
    try:
        for bucket in client.report("/organization/costs", [
                *span, ("limit", "180"), ("group_by[]", "project_id"), ("group_by[]", "api_key_id")]):
            day = _day(bucket.get("start_time"))
            for result in bucket.get("results") or ():
                amount = result.get("amount") if isinstance(result, dict) else None
                if day is None or not isinstance(amount, dict):
                    continue
                try:
                    usd = Decimal(str(amount.get("value", 0)))
                except InvalidOperation:
                    continue
                costs.append(DayCost(day, result.get("project_id"), result.get("api_key_id"), usd))  # type: ignore[union-attr]
    except AdminApiUnavailable as exc:
        gaps.append(f"costs: {exc.reason}")
        costs = None
    return Snapshot("openai", containers, tuple(keys), tuple(usage), tuple(costs) if costs is not None else None,
                    costs_by_key=True, last_used_reported=True, states_note=NO_STATES, gaps=tuple(gaps), requests=client.requests,
                    first_day=window.first, last_day=window.today)

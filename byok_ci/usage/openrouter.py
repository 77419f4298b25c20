"""OpenRouter: ``GET /api/v1/key`` with the key itself (``Authorization: Bearer``).

Shape: OpenRouterTeam/typescript-sdk ``.speakeasy/in.openapi.yaml`` (docs/usage.md#what-each-provider-exposes):
``data{label, limit, limit_remaining, limit_reset, usage, usage_daily, usage_weekly,
usage_monthly, …, expires_at}``, USD amounts. It tells whether the key works and what it
spent this UTC day, week and month; not which workspace it is in, when it was last used,
its daily history or its models: those checks are inconclusive for OpenRouter keys.
"""

from __future__ import annotations

import calendar
from decimal import Decimal, InvalidOperation
from typing import Any

from byok_ci.errors import AdminApiUnavailable
from byok_ci.manifest.model import KeyEntry
from byok_ci.manifest.policy import Policy
from byok_ci.usage import checks as c
from byok_ci.usage.client import AdminClient
from byok_ci.usage.model import KeySummary, Window

NOT_REPORTED = {
    "lives in the environment's project": "OpenRouter's GET /key does not say which workspace the key is in",
    "used recently": "OpenRouter's GET /key does not say when the key was last used",
    "no spike against its baseline": "OpenRouter's GET /key reports today's spend, not a daily history",
    "uses only its declared models": "OpenRouter's GET /key does not report models",
}


def headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def read_key(client: AdminClient) -> dict[str, Any]:
    data = client.get("/key")["data"]
    if not isinstance(data, dict):
        raise AdminApiUnavailable("GET /key: the answer's 'data' is not an object")
    return data


def _usd(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def judge(env: str, entry: KeyEntry, info: dict[str, Any] | None, failure: AdminApiUnavailable | None,
          policy: Policy, window: Window) -> tuple[list[c.Judgement], KeySummary | None]:
    name = entry.name
    if info is None:
        assert failure is not None
        if failure.status == 401:
            refused = c.Judgement(name, "in the provider's inventory", "failed", f"OpenRouter refused the key: it was "
                                  f"revoked, disabled or deleted ({failure.reason})", c.DISABLED, entry)
            return [refused, *(c.Judgement(name, title, "skipped", "not checked: the key was refused")
                               for title in ("within budget", *NOT_REPORTED))], None
        return [c.Judgement(name, title, "inconclusive", failure.reason, c.INCONCLUSIVE, entry)
                for title in ("in the provider's inventory", "within budget", *NOT_REPORTED)], None
    found = [c.Judgement(name, "in the provider's inventory", "passed", "the key is accepted")]
    found += [c.Judgement(name, title, "inconclusive", why, c.INCONCLUSIVE, entry) for title, why in NOT_REPORTED.items()]
    month = _usd(info.get("usage_monthly"))
    length = calendar.monthrange(window.today.year, window.today.month)[1]
    # usage_monthly includes today: spread over the days so far, today counted whole.
    forecast = month / window.today.day * length if month is not None else None
    budget = entry.budget
    summary = KeySummary(env, name, "openrouter", month, forecast, budget.monthly_usd if budget else None,
                         "GET /key usage_monthly" if month is not None else "")
    title = "within budget"
    if budget is None:
        found.append(c.Judgement(name, title, "skipped", "no budget: declared for this key"))
    elif budget.monthly_usd is None or month is None or forecast is None:
        found.append(c.Judgement(name, title, "inconclusive", "OpenRouter's GET /key reports USD per month, not tokens "
                                 "per day" if month is not None else "no usage_monthly in the answer",
                                 c.INCONCLUSIVE, entry))
    else:
        limit, warn = Decimal(str(budget.monthly_usd)), Decimal(str(policy.usage.budget_warn))
        said = (f"${month.quantize(Decimal('0.01'))} this month, forecast ${forecast.quantize(Decimal('0.01'))}, "
                f"against a monthly budget of ${limit.quantize(Decimal('0.01'))}")
        top = max(month, forecast)
        if top > limit:
            found.append(c.Judgement(name, title, "failed", f"over budget: {said}", c.BUDGET, entry))
        elif top > warn * limit:
            found.append(c.Judgement(name, title, "warning", f"over {warn:.0%} of budget: {said}", c.BUDGET, entry))
        else:
            found.append(c.Judgement(name, title, "passed", said))
    return found, summary

"""The usage checks on their own: hints, sparklines, budgets, idleness, spikes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from byok_ci.manifest.model import Budget, KeyEntry
from byok_ci.manifest.policy import Policy
from byok_ci.usage import checks as c
from byok_ci.usage.matching import hint_matches
from byok_ci.usage.markdown import sparkline
from byok_ci.usage.model import Container, DayCost, DayUsage, ProviderKey, Snapshot, Window

TODAY = dt.date(2026, 11, 20)
WINDOW = Window(TODAY, dt.date(2026, 10, 1))


@pytest.mark.parametrize(("hint", "shown"), [
    ("sk-proj-abc...wxyz", "sk-proj-…wxyz"),
    ("sk-ant-api03-R2D...igAA", "sk-ant-api03-…igAA"),
    ("sk-abc...def", "sk-…"),          # a tail shorter than four shows nothing
    ("weird", "…"),                    # no separator: nothing of it
    ("", ""),
])
def test_provider_hints_are_shown_in_byok_cis_form(hint: str, shown: str) -> None:
    assert c.shown_hint(hint, ["sk-", "sk-proj-", "sk-ant-api03-"]) == shown


@pytest.mark.parametrize(("hint", "fits"), [
    ("sk-proj-Abc...wxyz", True),
    ("sk-proj-Abc…wxyz", True),         # the one-character ellipsis
    ("sk-proj-Abc****wxyz", True),      # a masked run
    ("sk-proj-Abd...wxyz", False),      # one head character differs
    ("sk-proj-Abc...wxyy", False),      # one tail character differs
    ("sk-proj-...xyz", None),           # three characters beyond the fixed prefix tell too little
    ("sk-proj-Abc", None),              # no elision: not a head and a tail
    ("sk-...Abc...wxyz", None),         # two elisions
    ("", None),
])
def test_a_provider_hint_is_compared_with_a_secret_only_when_it_tells_enough(hint: str, fits: bool | None) -> None:
    secret = "sk-proj-Abc" + "0" * 40 + "wxyz"  # not key-shaped: a format the rules do not know
    assert hint_matches(hint, secret, ["sk-", "sk-proj-"]) is fits


def test_sparkline() -> None:
    assert sparkline([0, 5, 10]) == "▁▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""


def entry(**extra: object) -> KeyEntry:
    return KeyEntry(index=0, name="acme-prod-x", env="prod", provider="anthropic", provider_key_id="k1", **extra)  # type: ignore[arg-type]


def snapshot(usage: list[int], cost_per_day: float = 0.0, created: dt.date = dt.date(2026, 1, 1),
             sharing: int = 0) -> Snapshot:
    days = [TODAY - dt.timedelta(days=len(usage) - i) for i in range(len(usage))]
    keys = [ProviderKey("k1", "acme-prod-x", "w1", created=created)]
    keys += [ProviderKey(f"other{i}", "o", "w1") for i in range(sharing)]
    return Snapshot("anthropic", (Container("w1", "prod"),), tuple(keys),
                    tuple(DayUsage(d, "k1", "w1", "claude-sonnet-4-5", n) for d, n in zip(days, usage) if n),
                    tuple(DayCost(d, "w1", None, Decimal(str(cost_per_day))) for d in days))


def judged(snap: Snapshot, e: KeyEntry, policy: Policy = Policy()) -> dict[str, c.Judgement]:
    found, _ = c.judge_key("prod", e, snap, policy, WINDOW)
    return {j.check: j for j in found}


def test_a_forecast_past_the_warning_share_warns() -> None:
    # 19 complete days at $6 = $114, forecast $180 against $200: 90% > 80%.
    found = judged(snapshot([1000] * 20, 6.0), entry(budget=Budget(200.0)))
    assert found["within budget"].outcome == "warning" and found["within budget"].rule_id == c.BUDGET
    found = judged(snapshot([1000] * 20, 4.0), entry(budget=Budget(200.0)))
    assert found["within budget"].outcome == "passed"


def test_a_shared_workspace_leaves_a_usd_budget_undecided() -> None:
    found = judged(snapshot([1000] * 20, 1.0, sharing=1), entry(budget=Budget(200.0)))
    assert found["within budget"].outcome == "inconclusive"
    assert "cost per workspace, not per key" in found["within budget"].message


def test_idle_then_spending_is_a_spike() -> None:
    found = judged(snapshot([0] * 19 + [500]), entry())
    assert found["no spike against its baseline"].outcome == "failed"
    assert "idle for 14 days, then 500 tokens" in found["no spike against its baseline"].message


def test_a_key_without_use_is_idle_unless_new() -> None:
    assert judged(snapshot([0] * 40), entry())["used recently"].rule_id == c.IDLE
    assert judged(snapshot([0] * 40, created=TODAY - dt.timedelta(days=3)), entry())["used recently"].outcome == "passed"


def test_daily_token_budget() -> None:
    found = judged(snapshot([100] * 19 + [2000]), entry(budget=Budget(daily_tokens=1000)))
    assert found["within budget"].outcome == "failed" and "2,000 tokens" in found["within budget"].message


def test_requests_and_cost_spike_too_where_the_provider_reports_them_per_key() -> None:
    days = [TODAY - dt.timedelta(days=20 - i) for i in range(20)]
    usage = tuple(DayUsage(d, "k1", "w1", "gpt-4o-mini", 1000, 50 if d == days[-1] else 5) for d in days)
    costs = tuple(DayCost(d, "w1", "k1", Decimal("9.5" if d == days[-1] else "1")) for d in days)
    snap = Snapshot("openai", (Container("w1", "prod"),), (ProviderKey("k1", "acme-prod-x", "w1"),), usage, costs,
                    costs_by_key=True, last_used_reported=True)
    found = judged(snap, entry())["no spike against its baseline"]
    assert found.outcome == "failed"
    assert "50 requests: 10.0× the median" in found.message and "$9.50: 9.5× the median" in found.message
    assert "tokens" not in found.message  # tokens were steady


def test_an_audit_log_line_nested_too_deeply_is_skipped_like_any_line_that_is_not_json() -> None:
    good = '{"time": "2026-11-19T00:00:00Z", "env": "prod", "key": "k", "probe": "real", "outcome": "invalid"}'
    counts = c.AuditCounts.read(["[" * 100_000 + "]" * 100_000 + "\n" + good], dt.date(2026, 11, 1))
    assert counts.files == 1 and counts.refused == {("prod", "k"): 1}

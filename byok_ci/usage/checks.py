"""The usage checks: one environment's manifest keys against what a provider's admin API says.

Plain functions returning :class:`Judgement` records (a check name, an outcome, a rule id and
a message); ``run`` turns them into ``Check`` and ``Finding`` records. Nothing here does
I/O. Rule ids: rules/_ids.yaml, section ``usage``; what each means: docs/usage.md#checks.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from byok_ci.manifest.model import KeyEntry
from byok_ci.manifest.policy import Policy
from byok_ci.usage.matching import Match, match_key, shown_hint
from byok_ci.usage.model import ContainerSpend, DayUsage, KeySummary, ProviderKey, Snapshot, Window

UNMANAGED = "usage.unmanaged-key"
MISSING = "usage.key-missing"
DISABLED = "usage.key-disabled"
IDLE = "usage.idle-key"
WRONG_ENV = "usage.wrong-environment"
BUDGET = "usage.budget"
SPIKE = "usage.spike"
MODEL = "usage.model-not-allowed"
AUTH = "usage.auth-failures"
INCONCLUSIVE = "usage.inconclusive"
RULE_IDS = (UNMANAGED, MISSING, DISABLED, IDLE, WRONG_ENV, BUDGET, SPIKE, MODEL, AUTH, INCONCLUSIVE)
# A key refused this many times by drift's real-key probe in the audit logs read is failing.
AUTH_FAILURES = 3
# The checks of each key whose provider's admin API is read, in order: their names are stable.
INVENTORY, STATE = "in the provider's inventory", "enabled at the provider"
KEY_CHECKS = (INVENTORY, STATE, "lives in the environment's project", "used recently", "within budget",
              "no spike against its baseline", "uses only its declared models")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Judgement:
    """One check of one key: ``outcome`` is a :data:`byok_ci.model.OUTCOMES` value; ``rule_id``
    is set for failed, warning and inconclusive outcomes."""

    key: str
    check: str
    outcome: str
    message: str
    rule_id: str | None = None
    entry: KeyEntry | None = None
    redacted: str = ""
    provider: str = ""  # for judgements of no manifest entry (unmanaged keys)


def container_env(snapshot: Snapshot, container_id: str | None, policy: Policy) -> str | None:
    """The manifest environment a project or workspace belongs to: its ``env`` tag, else the
    one environment its name's words name (``acme-prod`` → prod); None when none or several."""
    container = snapshot.container(container_id)
    if container is None:
        return None
    tags = dict(container.tags)
    words = {tags["env"].lower()} if "env" in tags else set(_WORD.findall(container.name.lower()))
    found = {env for env in policy.environments if policy.words_for(env) & words}
    return found.pop() if len(found) == 1 else None


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def daily_tokens(usage: Sequence[DayUsage], key_id: str, days: Sequence[dt.date]) -> list[int]:
    by_day = dict.fromkeys(days, 0)
    for row in usage:
        if row.key_id == key_id and row.day in by_day:
            by_day[row.day] += row.tokens
    return [by_day[d] for d in days]


def daily_requests(usage: Sequence[DayUsage], key_id: str, days: Sequence[dt.date]) -> list[int]:
    by_day = dict.fromkeys(days, 0)
    for row in usage:
        if row.key_id == key_id and row.day in by_day:
            by_day[row.day] += row.requests or 0
    return [by_day[d] for d in days]


def daily_cost(snapshot: Snapshot, key_id: str, days: Sequence[dt.date]) -> list[float]:
    by_day = dict.fromkeys(days, Decimal(0))
    for row in snapshot.costs or ():
        if row.key_id == key_id and row.day in by_day:
            by_day[row.day] += row.usd
    return [float(by_day[d]) for d in days]


def _money(value: Decimal | float) -> str:
    return f"${Decimal(value).quantize(Decimal('0.01'))}"


@dataclass(frozen=True)
class KeyContext:
    env: str
    entry: KeyEntry
    snapshot: Snapshot
    key: ProviderKey
    policy: Policy
    window: Window


def check_inventory(entry: KeyEntry, match: Match) -> Judgement:
    if match.key is not None:
        return Judgement(entry.name, INVENTORY, "passed", f"{match.key.id}, matched {match.how}", entry=entry)
    if match.candidates:
        return Judgement(entry.name, INVENTORY, "inconclusive", match.how, INCONCLUSIVE, entry)
    return Judgement(entry.name, INVENTORY, "failed", match.how, MISSING, entry)


def check_state(entry: KeyEntry, key: ProviderKey, snapshot: Snapshot) -> Judgement:
    """Disabled, archived or expired at the provider; skipped with the reason where the
    provider has no such state (OpenAI), inconclusive where its state is unclear."""
    said = f" ({key.state_note})" if key.state_note else ""
    if key.status in ("disabled", "archived", "expired"):
        return Judgement(entry.name, STATE, "failed", f"{key.id} is {key.status} at the provider{said} but still in "
                         "the manifest: rotate to a live key and update the manifest", DISABLED, entry)
    if key.status != "active":
        return Judgement(entry.name, STATE, "inconclusive", f"{key.id}: {key.state_note or key.status}", INCONCLUSIVE,
                         entry)
    if snapshot.states_note:
        return Judgement(entry.name, STATE, "skipped", snapshot.states_note, entry=entry)
    return Judgement(entry.name, STATE, "passed", f"{key.id} is active{said}", entry=entry)


def check_environment(ctx: KeyContext) -> Judgement:
    env = container_env(ctx.snapshot, ctx.key.container, ctx.policy)
    container = ctx.snapshot.container(ctx.key.container)
    where = f"{'project' if ctx.snapshot.provider == 'openai' else 'workspace'} " \
            f"{container.name if container else ctx.key.container or '(default)'}"
    name = "lives in the environment's project"
    if env is None:
        return Judgement(ctx.entry.name, name, "skipped", f"{where} names no environment (tag it env: or name it)")
    if env != ctx.env:
        return Judgement(ctx.entry.name, name, "failed", f"{ctx.key.id} lives in {where}, which is {env}'s, not {ctx.env}'s",
                         WRONG_ENV, ctx.entry)
    return Judgement(ctx.entry.name, name, "passed", f"{where} is {env}'s")


def check_idle(ctx: KeyContext) -> Judgement:
    name, days = "used recently", ctx.policy.usage.idle_days
    last = ctx.key.last_used
    if not ctx.snapshot.last_used_reported:
        used = [u.day for u in ctx.snapshot.usage if u.key_id == ctx.key.id and u.tokens > 0]
        last = max(used) if used else None
    if last is not None and (ctx.window.today - last).days <= days:
        return Judgement(ctx.entry.name, name, "passed", f"last used {last}")
    if ctx.key.created is not None and (ctx.window.today - ctx.key.created).days <= days:
        return Judgement(ctx.entry.name, name, "passed", f"created {ctx.key.created}, within {days} days")
    if last:
        since = f"last used {last}"
    elif ctx.snapshot.last_used_reported:
        since = "never used"
    else:
        since = f"no use in the {(ctx.window.today - ctx.window.first).days} days read"
    return Judgement(ctx.entry.name, name, "failed", f"idle: {since}; the policy allows {days} days unused "
                     "(revoke it, or remove it from the manifest)", IDLE, ctx.entry)


def _spike(series: Sequence[float], factor: float, unit: str) -> tuple[str, str]:
    """("failed", why) for a last day over ``factor`` times its baseline's median, or for a
    first use after an idle baseline; ("passed", what was seen) otherwise."""
    baseline, last = series[:-1], series[-1]
    median = statistics.median(baseline)
    if median == 0 and last > 0:
        return "failed", f"idle for {len(baseline)} days, then {_amount(last, unit)}"
    if median > 0 and last > factor * median:
        spread = max(baseline) - min(baseline)
        return "failed", (f"{_amount(last, unit)}: {last / median:.1f}× the median of the {len(baseline)} days before "
                          f"({_amount(median, unit)}, spread {_amount(spread, unit)})")
    return "passed", f"{_amount(last, unit)} (median of {len(baseline)} days before {_amount(median, unit)})"


def _amount(value: float, unit: str) -> str:
    return _money(Decimal(str(value))) if unit == "usd" else f"{value:,.0f} {unit}"


def check_spike(ctx: KeyContext, metrics: dict[str, Sequence[float]]) -> Judgement:
    """The last complete day of each metric the provider reports per key (tokens, requests,
    cost) against its trailing baseline."""
    name, factor = "no spike against its baseline", ctx.policy.usage.spike_factor
    if not metrics or any(len(series) < 2 for series in metrics.values()):
        return Judgement(ctx.entry.name, name, "inconclusive", "too few days of usage read", INCONCLUSIVE, ctx.entry)
    judged = [(unit, *_spike(series, factor, unit)) for unit, series in metrics.items()]
    day = ctx.window.last_complete
    spikes = [why for _, outcome, why in judged if outcome == "failed"]
    if spikes:
        return Judgement(ctx.entry.name, name, "failed", f"on {day}: " + "; ".join(spikes)
                         + f" (the policy's factor is {factor:g})", SPIKE, ctx.entry)
    return Judgement(ctx.entry.name, name, "passed", f"on {day}: " + "; ".join(why for _, _, why in judged))


def check_models(ctx: KeyContext) -> Judgement:
    name = "uses only its declared models"
    if not ctx.entry.models:
        return Judgement(ctx.entry.name, name, "skipped", "the manifest declares no models: for this key")
    used = sorted({u.model for u in ctx.snapshot.usage if u.key_id == ctx.key.id and u.model and u.tokens > 0})
    allowed = ctx.entry.models
    # A declared model allows its dated snapshots: gpt-4o-mini covers gpt-4o-mini-2024-07-18.
    outside = [m for m in used if not any(m == a or m.startswith(a + "-") for a in allowed)]
    if outside:
        return Judgement(ctx.entry.name, name, "failed", f"used {', '.join(outside)}, outside its models "
                         f"({', '.join(allowed)})", MODEL, ctx.entry)
    return Judgement(ctx.entry.name, name, "passed", f"used {', '.join(used) or 'no model'}")


def month_spend(ctx: KeyContext) -> tuple[Decimal | None, Decimal | None, str]:
    """Month-to-date USD of the key, its linear forecast for the month, and where it comes from
    (or why it is unknown, when the first is None)."""
    snap, window = ctx.snapshot, ctx.window
    if snap.costs is None:
        return None, None, next((g for g in snap.gaps if g.startswith("costs")), "costs could not be read")
    if snap.costs_by_key:
        rows = [c for c in snap.costs if c.key_id == ctx.key.id]
        note = "cost per key"
    else:
        sharing = [k for k in snap.keys if k.container == ctx.key.container and k.status == "active"]
        if len(sharing) != 1:
            return None, None, (f"{snap.provider} reports cost per workspace, not per key, and this key shares its "
                                f"workspace with {len(sharing) - 1} other key(s): give it a workspace of its own")
        rows = [c for c in snap.costs if c.container == ctx.key.container]
        note = "its workspace's cost (the only key in it)"
    month = sum((c.usd for c in rows if c.day >= window.month_start), Decimal(0))
    complete = (window.today - window.month_start).days
    if complete == 0:
        return month, None, note
    so_far = sum((c.usd for c in rows if window.month_start <= c.day <= window.last_complete), Decimal(0))
    length = calendar.monthrange(window.today.year, window.today.month)[1]
    return month, so_far / complete * length, note


def container_spend(env: str, snapshot: Snapshot, policy: Policy, window: Window) -> list[ContainerSpend]:
    """Month-to-date spend and forecast of each of the environment's projects or workspaces:
    what the cost endpoints group by."""
    out = []
    complete = (window.today - window.month_start).days
    length = calendar.monthrange(window.today.year, window.today.month)[1]
    for container in snapshot.containers:
        if snapshot.costs is None or container_env(snapshot, container.id, policy) != env:
            continue
        rows = [c for c in snapshot.costs if c.container == container.id and c.day >= window.month_start]
        month = sum((c.usd for c in rows), Decimal(0))
        if container.archived and not month:
            continue  # an archived project that spent nothing this month says nothing
        so_far = sum((c.usd for c in rows if c.day <= window.last_complete), Decimal(0))
        out.append(ContainerSpend(env, snapshot.provider, container.name, month,
                                  so_far / complete * length if complete else None))
    return out


def check_budget(ctx: KeyContext, series: Sequence[int]) -> tuple[Judgement, KeySummary]:
    name, budget, warn = "within budget", ctx.entry.budget, ctx.policy.usage.budget_warn
    month, forecast, note = month_spend(ctx)
    summary = KeySummary(ctx.env, ctx.entry.name, ctx.entry.provider, month, forecast,
                         budget.monthly_usd if budget else None, note if month is not None else "",
                         tuple(series), series[-1] if series else None, budget.daily_tokens if budget else None)
    if budget is None:
        return Judgement(ctx.entry.name, name, "skipped", "no budget: declared for this key"), summary
    over: list[str] = []
    near: list[str] = []
    if budget.daily_tokens is not None and series:
        last = series[-1]
        said = f"{last:,} tokens on {ctx.window.last_complete} against a daily budget of {budget.daily_tokens:,}"
        (over if last > budget.daily_tokens else near if last > warn * budget.daily_tokens else []).append(said)
    if budget.monthly_usd is not None:
        if month is None:
            return Judgement(ctx.entry.name, name, "inconclusive", f"spend unknown: {note}", INCONCLUSIVE,
                             ctx.entry), summary
        limit = Decimal(str(budget.monthly_usd))
        shown = f"{_money(month)} this month"
        if forecast is not None:
            shown += f", forecast {_money(forecast)}"
        shown += f", against a monthly budget of {_money(limit)} ({note})"
        top = max(month, forecast or Decimal(0))
        (over if top > limit else near if top > Decimal(str(warn)) * limit else []).append(shown)
    if over:
        return Judgement(ctx.entry.name, name, "failed", "over budget: " + "; ".join(over + near), BUDGET,
                         ctx.entry), summary
    if near:
        return Judgement(ctx.entry.name, name, "warning", f"over {warn:.0%} of budget: " + "; ".join(near), BUDGET,
                         ctx.entry), summary
    return Judgement(ctx.entry.name, name, "passed", "within budget"), summary


@dataclass(frozen=True)
class AuditCounts:
    """Drift's real-key refusals per (env, key) in the audit logs read, in the baseline window."""

    refused: dict[tuple[str, str], int]
    files: int

    @classmethod
    def read(cls, texts: Iterable[str], since: dt.date) -> AuditCounts:
        refused: dict[tuple[str, str], int] = {}
        files = 0
        for text in texts:
            files += 1
            for line in text.splitlines():
                try:
                    entry = json.loads(line)
                except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
                    continue
                if not isinstance(entry, dict) or entry.get("probe") != "real" or entry.get("outcome") != "invalid":
                    continue
                when = str(entry.get("time", ""))[:10]
                try:
                    if dt.date.fromisoformat(when) < since:
                        continue
                except ValueError:
                    continue
                who = (str(entry.get("env", "")), str(entry.get("key", "")))
                refused[who] = refused.get(who, 0) + 1
        return cls(refused, files)


def check_auth_failures(env: str, entry: KeyEntry, audit: AuditCounts | None, since: dt.date) -> Judgement:
    name = "no repeated authentication failures"
    if audit is None:
        return Judgement(entry.name, name, "inconclusive", "no drift audit log given (--audit-log); providers report "
                         "no authentication-failure counts per key", INCONCLUSIVE, entry)
    count = audit.refused.get((env, entry.name), 0)
    if count >= AUTH_FAILURES:
        return Judgement(entry.name, name, "failed", f"refused {count} times by the provider since {since} "
                         f"(drift audit logs, {audit.files} file(s)): revoked, or the secret is wrong", AUTH, entry)
    return Judgement(entry.name, name, "passed", f"{count} refusal(s) since {since} in {audit.files} audit log(s)")


def judge_key(env: str, entry: KeyEntry, snapshot: Snapshot, policy: Policy, window: Window,
              match: Match | None = None) -> tuple[list[Judgement], KeySummary | None]:
    """Every provider-side check of one manifest key (``match``: its provider key, else
    matched without its secret), each at the entry's line."""
    found, summary = _judge_key(env, entry, snapshot, policy, window, match or match_key(entry, snapshot))
    return [j if j.entry else replace(j, entry=entry) for j in found], summary


def _judge_key(env: str, entry: KeyEntry, snapshot: Snapshot, policy: Policy, window: Window, match: Match
               ) -> tuple[list[Judgement], KeySummary | None]:
    key = match.key
    found = [check_inventory(entry, match)]
    if key is None:
        # The same checks in every run (JUnit testcase names), each saying why it did not run;
        # the inventory finding names them too, for the reports that list findings only.
        why = ("not checked: the key is not in the provider's inventory" if not match.candidates else
               "not checked: the key cannot be told apart from other keys at the provider")
        skipped = "; not checked without it: " if not match.candidates else "; not checked until it is told apart: "
        found[0] = replace(found[0], message=found[0].message + skipped + ", ".join(KEY_CHECKS[1:]))
        return found + [Judgement(entry.name, title, "skipped", why) for title in KEY_CHECKS[1:]], None
    found.append(check_state(entry, key, snapshot))
    ctx = KeyContext(env, entry, snapshot, key, policy, window)
    days = _days(window.last_complete - dt.timedelta(days=policy.usage.baseline_days), window.last_complete)
    series = daily_tokens(snapshot.usage, key.id, days)
    metrics: dict[str, Sequence[float]] = {"tokens": series}
    if any(u.requests is not None for u in snapshot.usage):
        metrics["requests"] = daily_requests(snapshot.usage, key.id, days)
    if snapshot.costs is not None and snapshot.costs_by_key:
        metrics["usd"] = daily_cost(snapshot, key.id, days)
    budget, summary = check_budget(ctx, series)
    found += [check_environment(ctx), check_idle(ctx), budget]
    usage_gap = next((g for g in snapshot.gaps if g.startswith("usage")), "")
    if usage_gap:
        found += [Judgement(entry.name, title, "inconclusive", usage_gap, INCONCLUSIVE, entry)
                  for title in ("no spike against its baseline", "uses only its declared models")]
    else:
        found += [check_spike(ctx, metrics), check_models(ctx)]
    return found, summary


def unmanaged(env: str, snapshot: Snapshot, declared: Collection[str], policy: Policy,
              prefixes: Iterable[str]) -> list[Judgement]:
    """Live provider keys in the environment's projects or workspaces that no manifest entry
    declares (``declared``: the key ids the entries match or may match, :attr:`Match.claims`)."""
    out = []
    for key in snapshot.keys:
        if key.id in declared or key.status not in ("active", "unknown") or container_env(snapshot, key.container, policy) != env:
            continue
        container = snapshot.container(key.container)
        if key.status == "unknown":
            out.append(Judgement(key.id, "declared in the manifest", "inconclusive",
                                 f"{snapshot.provider} key {key.id} ('{key.name}') in "
                                 f"{container.name if container else '?'} is declared by no manifest entry, and "
                                 f"whether it is live is unknown: {key.state_note}", INCONCLUSIVE,
                                 redacted=shown_hint(key.hint, prefixes), provider=snapshot.provider))
            continue
        out.append(Judgement(key.id, "declared in the manifest", "failed",
                             f"{snapshot.provider} key {key.id} ('{key.name}') in {container.name if container else '?'} "
                             "is live but no manifest entry declares it: add it with provider_key_id, or revoke it",
                             UNMANAGED, redacted=shown_hint(key.hint, prefixes), provider=snapshot.provider))
    return out

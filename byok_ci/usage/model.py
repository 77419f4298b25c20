"""What a provider's admin API says, in one shape for every provider: a :class:`Snapshot`.

Each provider module (``openai``, ``anthropic``) reads its admin endpoints into these records;
the checks (``checks``) judge them against the manifest and know nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# A key's state as byok-ci judges it; "unknown" when the provider says something byok-ci
# cannot read as one of the others (its state_note says what).
KEY_STATES = ("active", "disabled", "archived", "expired", "unknown")


@dataclass(frozen=True)
class Container:
    """Where provider keys live: an OpenAI project, an Anthropic workspace."""

    id: str
    name: str
    tags: tuple[tuple[str, str], ...] = ()
    archived: bool = False


@dataclass(frozen=True)
class ProviderKey:
    """One key as the provider lists it. ``hint`` is the provider's own redacted form; reports
    show only byok-ci's redaction of it (:func:`byok_ci.usage.checks.shown_hint`).
    ``state_note`` is what the provider said of its state, in words, where that helps."""

    id: str
    name: str
    container: str | None
    status: str = "active"
    hint: str = ""
    created: dt.date | None = None
    last_used: dt.date | None = None
    state_note: str = ""


@dataclass(frozen=True)
class DayUsage:
    """Tokens (input and output, every kind) of one key, model and day; ``requests`` None
    where the provider does not count them (Anthropic)."""

    day: dt.date
    key_id: str | None
    container: str | None
    model: str
    tokens: int
    requests: int | None = None


@dataclass(frozen=True)
class DayCost:
    """Spend in USD of one day, per container, and per key where the provider splits it."""

    day: dt.date
    container: str | None
    key_id: str | None
    usd: Decimal


@dataclass(frozen=True)
class Snapshot:
    """Everything read from one provider for a usage run.

    ``costs`` is None when the cost endpoint could not be read (``gaps`` says why);
    ``costs_by_key`` says whether the provider splits cost by key, ``last_used_reported``
    whether it lists when a key was last used; ``states_note``, when set, why a listed key's
    being enabled is not reported (OpenAI has no disabled state).
    """

    provider: str
    containers: tuple[Container, ...] = ()
    keys: tuple[ProviderKey, ...] = ()
    usage: tuple[DayUsage, ...] = ()
    costs: tuple[DayCost, ...] | None = None
    costs_by_key: bool = False
    last_used_reported: bool = False
    states_note: str = ""
    gaps: tuple[str, ...] = ()
    requests: int = 0  # HTTP requests it took
    first_day: dt.date | None = None  # the window read
    last_day: dt.date | None = None

    def container(self, container_id: str | None) -> Container | None:
        return next((c for c in self.containers if c.id == container_id), None)


@dataclass(frozen=True)
class Window:
    """The days a usage run reads: ``first`` to ``today`` (today's bucket is partial)."""

    today: dt.date
    first: dt.date
    baseline_days: int = 14

    @property
    def last_complete(self) -> dt.date:
        return self.today - dt.timedelta(days=1)

    @property
    def month_start(self) -> dt.date:
        return self.today.replace(day=1)


@dataclass(frozen=True)
class KeySummary:
    """One manifest key's numbers, for the Markdown report: spend, forecast, budget, trend."""

    env: str
    key: str
    provider: str
    month_usd: Decimal | None = None
    forecast_usd: Decimal | None = None
    budget_usd: float | None = None
    cost_note: str = ""
    daily_tokens: tuple[int, ...] = field(default=())  # oldest first, through the last complete day
    last_day_tokens: int | None = None
    daily_budget: int | None = None


@dataclass(frozen=True)
class ContainerSpend:
    """Month-to-date spend of one project or workspace of an environment, and its forecast."""

    env: str
    provider: str
    name: str
    month_usd: Decimal
    forecast_usd: Decimal | None = None

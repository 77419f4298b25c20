"""Typed, immutable records of a loaded key manifest (``byok.yaml``, version 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from byok_ci.manifest.policy import Policy, Problem
from byok_ci.manifest.refs import SecretRef

Pos = tuple[int, int]


@dataclass(frozen=True)
class Budget:
    """A key's budget (``budget: {monthly_usd: 200, daily_tokens: 5000000}``), for `byok-ci usage`."""

    monthly_usd: float | None = None
    daily_tokens: int | None = None


@dataclass(frozen=True)
class KeyEntry:
    """One key of one environment. Fields that failed validation are None or empty.

    ``positions`` maps a field name to the (line, column) of its value, and ``pos`` is where
    the entry starts, so every check can point at the offending YAML node.
    """

    index: int
    name: str
    env: str
    provider: str
    secret: SecretRef | None = None
    # The raw value of `secret` (an inline key, when it is not a reference), only for checks
    # that compare text; never shown, not even by repr (a traceback, a debugger, a log line).
    secret_text: str = field(default="", repr=False)
    owner: str = ""
    scopes: tuple[str, ...] | None = None
    models: tuple[str, ...] | None = None
    rotated: dt.date | None = None
    expires: dt.date | None = None
    base_url: str | None = None
    admin: bool | None = None
    allow_admin: bool = False
    # `scope: organization` marks an organisation-wide key (an admin key read by `byok-ci
    # usage`): it has no environment, and the per-environment checks exempt it.
    scope: str = "environment"
    provider_key_id: str | None = None  # the provider's id of this key (OpenAI key_…, Anthropic apikey_…)
    budget: Budget | None = None
    pos: Pos = (0, 0)
    positions: Mapping[str, Pos] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The name, or ``keys[N]`` when the entry has none."""
        return self.name or f"keys[{self.index}]"

    @property
    def organization(self) -> bool:
        """An organisation-scoped entry (``scope: organization``), not one environment's key."""
        return self.scope == "organization"

    def at(self, field_name: str) -> Pos:
        return self.positions.get(field_name, self.pos)


@dataclass(frozen=True)
class Manifest:
    """A manifest as loaded: its keys, the effective policy, and what the schema check found."""

    path: str
    project: str
    keys: tuple[KeyEntry, ...]
    policy: Policy
    version: int = 1
    problems: tuple[Problem, ...] = ()
    # Which key entry each schema problem belongs to (index into keys), None for the manifest.
    problem_keys: tuple[int | None, ...] = ()
    # Line ranges [first, last] of each key entry, to place findings of the text scan.
    key_lines: tuple[tuple[int, int], ...] = ()
    text: str = field(default="", repr=False)

    def keys_of(self, env: str) -> tuple[KeyEntry, ...]:
        return tuple(k for k in self.keys if k.env == env)

    def entry_at_line(self, line: int) -> KeyEntry | None:
        for entry, (first, last) in zip(self.keys, self.key_lines, strict=True):
            if first <= line <= last:
                return entry
        return None

"""The policy a manifest is checked against: shipped defaults, then `.byok-ci.yaml`, then the manifest.

Each layer is a partial mapping. ``checks`` entries merge; every other field replaces the
one below. A bad field is a :class:`Problem` naming its file, line and column, and the
field keeps the value of the layer below, so the rest of the check still runs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from byok_ci.manifest.located import YMap, read_located
from byok_ci.rules.ids import did_you_mean, load_registry, quoted
from byok_ci.rules import default_rules_dir

CHECK_IDS = (
    "manifest.schema",
    "manifest.environment",
    "manifest.naming",
    "manifest.inline-secret",
    "manifest.isolation",
    "manifest.rotation",
    "manifest.expiry",
    "manifest.scopes",
    "manifest.owner",
    "manifest.workflow",
    "manifest.iac-binding",
    "manifest.iac-isolation",
    "manifest.iac-naming",
    "manifest.iac-inline",
)
LEVELS = ("error", "warning", "off")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Problem:
    """Something wrong at a place in a file; the manifest runner turns it into a finding or an error."""

    path: str
    line: int | None
    column: int | None
    message: str
    rule_id: str = "manifest.schema"


@dataclass(frozen=True)
class UsagePolicy:
    """What `byok-ci usage` judges against (policy ``usage:``; docs/usage.md)."""

    idle_days: int = 30  # a key unused this long is idle
    spike_factor: float = 3.0  # the last day over this many times the trailing median is a spike
    baseline_days: int = 14  # days of trailing baseline
    budget_warn: float = 0.8  # warn when the month's forecast passes this share of the budget


USAGE_FIELDS = {"idle_days": int, "spike_factor": float, "baseline_days": int, "budget_warn": float}


@dataclass(frozen=True)
class Policy:
    naming: str = "{project}-{env}-{provider}"
    environments: tuple[str, ...] = ("dev", "staging", "prod")
    production: tuple[str, ...] = ("prod",)
    environment_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rotate_every_days: int = 90
    rotation_warning_days: int = 14
    expiry_warning_days: int = 30
    wildcards: tuple[str, ...] = ("*", "all", "any")
    admin_markers: tuple[str, ...] = ("admin",)
    checks: Mapping[str, str] = field(default_factory=lambda: dict.fromkeys(CHECK_IDS, "error"))
    usage: UsagePolicy = field(default_factory=UsagePolicy)

    def level(self, rule_id: str) -> str:
        return self.checks.get(rule_id, "error")

    def is_production(self, env: str) -> bool:
        return env in self.production

    def words_for(self, env: str) -> set[str]:
        """The words that name ``env`` in a reference: its own name and its aliases."""
        name = env.lower()
        words = {name}
        for group, aliases in self.environment_aliases.items():
            members = {group.lower(), *(a.lower() for a in aliases)}
            # `production` is spelled `prod` by the shipped aliases: either side can name the group.
            if name in members:
                words |= members
        return words

    def naming_regex(self, known: Mapping[str, str] | None = None) -> re.Pattern[str]:
        """The naming pattern as a regex; placeholders with a value in ``known`` must equal it."""
        known = {k: v for k, v in (known or {}).items() if v}
        parts, last = [], 0
        for match in _PLACEHOLDER.finditer(self.naming):
            parts.append(re.escape(self.naming[last:match.start()]))
            name = match.group(1)
            if name == "env" and name in known:
                # An environment may be spelled by any of its aliases: acme-prod-x for `production`.
                words = sorted(self.words_for(known[name]) | {known[name]}, key=len, reverse=True)
                parts.append(f"(?P<env>{'|'.join(re.escape(w) for w in words)})")
            elif name in known:
                parts.append(f"(?P<{name}>{re.escape(known[name])})")
            else:
                parts.append(f"(?P<{name}>.+?)")
            last = match.end()
        parts.append(re.escape(self.naming[last:]))
        return re.compile("".join(parts), re.IGNORECASE if known else 0)

    def naming_example(self, known: Mapping[str, str]) -> str:
        """The name the pattern gives these values, or "" if it has other placeholders."""
        names = _PLACEHOLDER.findall(self.naming)
        if not all(known.get(n) for n in names):
            return ""
        return _PLACEHOLDER.sub(lambda m: known[m.group(1)], self.naming)


def shipped_policy_path() -> Path:
    return default_rules_dir() / "policy.yaml"


def _pos(layer: Any, key: str, value: bool = False) -> tuple[int | None, int | None]:
    if isinstance(layer, YMap):
        return layer.value_at(key) if value else layer.key_at(key)
    line_of = getattr(layer, "line_of", None)
    return (line_of(key) if line_of else None), None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


def apply_layer(policy: Policy, layer: Mapping[str, Any], path: str) -> tuple[Policy, list[Problem]]:
    """``policy`` with the fields of one layer applied, and what was wrong with the layer."""
    problems: list[Problem] = []
    changes: dict[str, Any] = {}

    def problem(key: str, message: str, at_value: bool = True) -> None:
        line, column = _pos(layer, key, at_value)
        problems.append(Problem(path, line, column, f"policy field '{key}' {message}"))

    known = {f for f in Policy.__dataclass_fields__}
    for key, value in layer.items():
        if not isinstance(key, str) or key not in known:
            hint = difflib.get_close_matches(str(key), sorted(known), n=1)
            line, column = _pos(layer, key)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else f" (known: {', '.join(sorted(known))})"
            problems.append(Problem(path, line, column, f"unknown policy field '{key}'{suggestion}"))
            continue
        if key == "naming":
            names = _PLACEHOLDER.findall(value) if isinstance(value, str) else []
            if not isinstance(value, str) or "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
                problem(key, "must be a string with {placeholders} such as {project}-{env}-{provider}")
            elif "env" not in names:
                problem(key, "must contain {env}, so a key name says its environment")
            elif len(names) != len(set(names)):
                problem(key, "uses a placeholder twice")
            else:
                changes[key] = value
        elif key in ("environments", "production", "wildcards", "admin_markers"):
            items = _strings(value)
            if items is None or (key == "environments" and not items):
                problem(key, "must be a list of non-empty strings")
            else:
                changes[key] = items
        elif key in ("rotate_every_days", "rotation_warning_days", "expiry_warning_days"):
            if not isinstance(value, int) or isinstance(value, bool) or value < (1 if key == "rotate_every_days" else 0):
                problem(key, "must be a whole number of days" + (" (at least 1)" if key == "rotate_every_days" else ""))
            else:
                changes[key] = value
        elif key == "usage":
            usage, messages = _usage_layer(policy.usage, value)
            for message in messages:
                problem(key, message)
            changes[key] = usage
        elif key == "environment_aliases":
            if not isinstance(value, dict) or not all(isinstance(k, str) and _strings(v) is not None for k, v in value.items()):
                problem(key, "must map each environment to a list of words")
            else:
                changes[key] = {**policy.environment_aliases, **{k: tuple(v) for k, v in value.items()}}
        elif key == "checks":
            if not isinstance(value, dict):
                problem(key, f"must map check ids to {', '.join(LEVELS)}")
                continue
            merged = dict(policy.checks)
            registry = load_registry()
            for written, level in value.items():
                if level is False:
                    level = "off"  # YAML 1.1 reads a bare `off` as false
                line, column = _pos(value, written)
                # A renamed check keeps its level under its old id (rules/_ids.yaml aliases).
                check_id = registry.canonical(written) if isinstance(written, str) else written
                if check_id not in CHECK_IDS:
                    why = did_you_mean(str(written), registry.names("manifest") | set(CHECK_IDS))
                    problems.append(Problem(path, line, column, f"unknown check {quoted(str(written))} in policy checks{why}"))
                elif level not in LEVELS:
                    problems.append(Problem(path, line, column, f"check '{check_id}' must be one of {', '.join(LEVELS)}"))
                elif check_id == "manifest.schema" and level == "off":
                    problems.append(Problem(path, line, column, "check 'manifest.schema' cannot be turned off"))
                else:
                    merged[check_id] = level
            changes[key] = merged
    return replace(policy, **changes), problems


def _usage_layer(usage: UsagePolicy, value: Any) -> tuple[UsagePolicy, list[str]]:
    """``usage`` with the fields of one layer's ``usage:`` mapping applied, and what was wrong."""
    if not isinstance(value, dict):
        return usage, [f"must be a mapping of {', '.join(USAGE_FIELDS)}"]
    messages: list[str] = []
    changes: dict[str, Any] = {}
    for name, item in value.items():
        kind = USAGE_FIELDS.get(name) if isinstance(name, str) else None
        if kind is None:
            messages.append(f"has an unknown field {quoted(str(name))}{did_you_mean(str(name), USAGE_FIELDS)}")
        elif isinstance(item, bool) or not isinstance(item, (int, float)) or (kind is int and not isinstance(item, int)):
            messages.append(f"usage.{name} must be a {'whole number' if kind is int else 'number'}")
        elif item <= 0 or (name == "budget_warn" and item > 1) or (name == "spike_factor" and item <= 1):
            messages.append(f"usage.{name} is out of range"
                            + (" (0 < budget_warn <= 1)" if name == "budget_warn" else
                               " (more than 1)" if name == "spike_factor" else " (at least 1)"))
        else:
            changes[name] = kind(item)
    return replace(usage, **changes), messages


def load_shipped_policy(path: Path | None = None) -> tuple[Policy, list[Problem]]:
    """The defaults from ``rules/policy.yaml`` (built-in defaults if it is missing or broken)."""
    path = path or shipped_policy_path()
    policy = Policy()
    if not path.is_file():
        return policy, []
    from byok_ci.errors import ManifestError

    try:
        _, data = read_located(path, unique_keys=True)
    except ManifestError as exc:
        return policy, [Problem(exc.path, exc.line, exc.column, exc.reason)]
    if not isinstance(data, dict):
        return policy, [Problem(path.as_posix(), 1, 1, "the policy must be a mapping")]
    return apply_layer(policy, data, path.as_posix())

"""The policy a manifest is checked against: shipped defaults, then `.byok-ci.yaml`, then the manifest.

Each layer is a partial mapping. ``checks`` entries merge; every other field replaces the
one below. A bad field is a :class:`Problem` naming its file, line and column, and the
field keeps the value of the layer below, so the rest of the check still runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from byok_ci.manifest.located import read_located
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


def apply_layer(policy: Policy, layer: Mapping[str, Any], path: str) -> tuple[Policy, list[Problem]]:
    """``policy`` with the fields of one layer applied, and what was wrong with the layer.

    The policy schema (``$defs/policy``, the same in both file schemas) judges the fields;
    a field it refuses keeps the value of the layer below. What it cannot say (placeholders
    used twice, check ids that the registry renamed) is checked here.
    """
    from byok_ci.schemas.validate import describe, position, validate

    problems: list[Problem] = []
    refused: set[tuple[Any, ...]] = set()
    for violation in validate(layer, "manifest", "#/$defs/policy"):
        refused.add(violation.path[:2] if violation.path[:1] in (("usage",), ("checks",)) else violation.path[:1])
        if violation.path[:1] == ("checks",) and len(violation.path) > 1 and not _known_check(violation.path[1]):
            continue  # an unknown check id: reported below, with the registry's did-you-mean
        line, column = position(layer, violation)
        problems.append(Problem(path, line, column, describe(violation, noun="policy field")))

    def problem(key: str, message: str) -> None:
        line, column = position(layer, _at(key))
        problems.append(Problem(path, line, column, f"policy field '{key}' {message}"))

    changes: dict[str, Any] = {}
    for key, value in layer.items():
        if (key,) in refused:
            continue
        if key == "naming":
            names = _PLACEHOLDER.findall(value)
            if "{" in _PLACEHOLDER.sub("", value) or "}" in _PLACEHOLDER.sub("", value):
                problem(key, "must be a string with {placeholders} such as {project}-{env}-{provider}")
            elif len(names) != len(set(names)):
                problem(key, "uses a placeholder twice")
            else:
                changes[key] = value
        elif key == "usage":
            defaults: dict[str, Any] = {f.name: f.default for f in fields(UsagePolicy)}
            changes[key] = replace(policy.usage, **{name: type(defaults[name])(item) for name, item in value.items()
                                                    if ("usage", name) not in refused})
        elif key == "environment_aliases":
            changes[key] = {**policy.environment_aliases, **{k: tuple(v) for k, v in value.items()}}
        elif key == "checks":
            changes[key] = _checks_layer(policy, value, [("checks", c) in refused for c in value], path, problems)
        else:  # lists of words, whole numbers of days (the schema's whole numbers include 3.0)
            changes[key] = tuple(value) if isinstance(value, list) else int(value)
    return replace(policy, **changes), problems


def _known_check(written: Any) -> bool:
    return isinstance(written, str) and load_registry().canonical(written) in CHECK_IDS


def _at(key: str) -> Any:
    from byok_ci.schemas.validate import Violation

    return Violation((key,), "type", {})


def _checks_layer(policy: Policy, value: Mapping[Any, Any], refused: list[bool], path: str,
                  problems: list[Problem]) -> dict[str, str]:
    """The checks' levels with one layer's ``checks:`` applied; ids the registry does not know are problems."""
    from byok_ci.schemas.validate import Violation, position

    merged = dict(policy.checks)
    registry = load_registry()
    for (written, level), bad in zip(value.items(), refused):
        line, column = position(value, Violation((written,), "additionalProperties", {}))
        # A renamed check keeps its level under its old id (rules/_ids.yaml aliases).
        check_id = registry.canonical(written) if isinstance(written, str) else written
        if check_id not in CHECK_IDS:
            why = did_you_mean(str(written), registry.names("manifest") | set(CHECK_IDS))
            problems.append(Problem(path, line, column, f"unknown check {quoted(str(written))} in policy checks{why}"))
        elif bad:
            continue  # its level is refused by the schema, reported above
        elif check_id == "manifest.schema" and level in ("off", False):
            problems.append(Problem(path, line, column, "check 'manifest.schema' cannot be turned off"))
        else:
            merged[check_id] = "off" if level is False else level  # YAML 1.1 reads a bare `off` as false
    return merged


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

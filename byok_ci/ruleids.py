"""The registry of rule ids, and the did-you-mean for names a user got wrong.

``rules/_ids.yaml`` lists every id a release has reported, by kind (detection rules,
manifest checks, drift probes), and maps renamed ids to their current ones. Configs,
options and baselines name ids; with the registry an unknown id is a usage error with a
suggestion instead of a setting that silently does nothing, and a renamed id keeps working.
Ids from the user's ``rule_files`` count as detection ids too.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("detection", "manifest", "drift")
REGISTRY_NAME = "_ids.yaml"
# Values are echoed in messages only this long: a key pasted into --key must not come back whole.
MAX_SHOWN = 64


def quoted(value: str) -> str:
    """``value`` in quotes for a message; a value longer than MAX_SHOWN is not shown at all.

    Cutting it short instead would defeat the redaction of outputs: a key cut in half is no
    longer a key the redaction step recognises, yet its first half is still secret.
    """
    text = str(value)
    if len(text) > MAX_SHOWN:
        return f"(a value of {len(text)} characters, not shown)"
    return "'" + text.replace("\n", " ").replace("\r", " ") + "'"


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    if len(value) > MAX_SHOWN:
        return ""  # nothing is that long by mistake; and it could be a key
    close = difflib.get_close_matches(value, sorted(set(choices)), n=1, cutoff=0.6)
    return f"; did you mean {quoted(close[0])}?" if close else ""


@dataclass(frozen=True)
class RuleIds:
    """Known ids by kind, and aliases from old ids to current ones."""

    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def canonical(self, rule_id: str) -> str:
        """The current id for ``rule_id`` (itself unless it was renamed)."""
        seen = {rule_id}
        while rule_id in self.aliases:
            rule_id = self.aliases[rule_id]
            if rule_id in seen:
                break
            seen.add(rule_id)
        return rule_id

    def kind_of(self, rule_id: str) -> str | None:
        current = self.canonical(rule_id)
        return next((kind for kind in KINDS if current in self.ids.get(kind, ())), None)

    def with_detection(self, extra: Iterable[str]) -> RuleIds:
        """These ids plus ``extra`` detection ids (the user's rule files)."""
        ids = dict(self.ids)
        ids["detection"] = frozenset(ids.get("detection", frozenset())) | frozenset(extra)
        return RuleIds(ids, self.aliases)

    def names(self, kind: str) -> frozenset[str]:
        """Every id of ``kind`` a user may write: current ids and the aliases leading to them."""
        current = self.ids.get(kind, frozenset())
        return current | {old for old in self.aliases if self.canonical(old) in current}

    def unknown_detection(self, rule_id: str) -> str:
        """Why ``rule_id`` cannot be turned off as a detection rule, or ``""`` when it can."""
        kind = self.kind_of(rule_id)
        if kind == "detection":
            return ""
        if kind == "manifest":
            return (f"{quoted(rule_id)} is a manifest check, not a detection rule; set its level under "
                    "policy: checks: in .byok-ci.yaml or the manifest")
        if kind == "drift":
            return f"{quoted(rule_id)} is a drift probe result, not a detection rule; it cannot be turned off"
        return f"unknown rule id {quoted(rule_id)}{did_you_mean(rule_id, self.names('detection'))} " \
               "(see `byok-ci rules list`)"


def registry_path() -> Path:
    from byok_ci.rules import default_rules_dir

    return default_rules_dir() / REGISTRY_NAME


def load_registry(path: Path | None = None) -> RuleIds:
    """The registry at ``path`` (default: the shipped ``rules/_ids.yaml``), read once. Raises
    ValueError naming the file for a malformed registry: it ships with byok-ci, so that is a bug."""
    return _load_registry(path or registry_path())


@functools.lru_cache(maxsize=4)
def _load_registry(path: Path) -> RuleIds:
    from byok_ci._yaml import load_yaml_file

    data = load_yaml_file(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path.as_posix()}: the rule id registry must be a mapping")
    ids: dict[str, frozenset[str]] = {}
    for kind in KINDS:
        listed = data.get(kind) or []
        if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
            raise ValueError(f"{path.as_posix()}: '{kind}' must be a list of rule ids")
        ids[kind] = frozenset(listed)
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise ValueError(f"{path.as_posix()}: 'aliases' must map old rule ids to current ones")
    return RuleIds(ids, dict(aliases))


def rule_ids(rule_files: Iterable[Path] = ()) -> RuleIds:
    """The registry plus the detection ids of the user's ``rule_files`` (files or directories)."""
    from byok_ci.rules import rule_ids_in

    registry = load_registry()
    extra = [rid for path in rule_files for rid in rule_ids_in(Path(path))]
    return registry.with_detection(extra) if extra else registry


def detection_problems(rule_ids_given: Iterable[str], rule_files: Iterable[Path] = ()) -> list[tuple[str, str]]:
    """``(id, why)`` for each of ``rule_ids_given`` that names no detection rule."""
    given = list(rule_ids_given)
    if not given:
        return []
    known = rule_ids(rule_files)
    problems = []
    for rule_id in given:
        why = known.unknown_detection(rule_id)
        if why:
            problems.append((rule_id, why))
    return problems

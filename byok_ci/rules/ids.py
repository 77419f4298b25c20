"""The registry of rule ids, what reports say of the manifest and drift rules, and the
did-you-mean for names a user got wrong.

``rules/_ids.yaml`` lists every id a release has reported, by kind (detection rules,
manifest checks, drift probes), and maps renamed ids to their current ones. Configs,
options and baselines name ids; with the registry an unknown id is a usage error with a
suggestion instead of a setting that silently does nothing, and a renamed id keeps working.
Ids from the user's ``rule_files`` count as detection ids too.

Detection rules describe themselves in their provider files. The manifest and drift ids
carry their description, help and security-severity in the registry (:class:`CheckRule`):
SARIF rule metadata and their sections of docs/rules.md are built from it.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import MalformedYaml, RuleError
from byok_ci.model import RuleInfo
from byok_ci.rules.files import rule_ids_in
from byok_ci.rules.model import default_rules_dir, rule_help_uri

KINDS = ("detection", "manifest", "drift", "usage")
FAMILIES = ("manifest", "drift", "usage")  # the kinds whose ids the registry describes
REGISTRY_NAME = "_ids.yaml"
_FIELDS: dict[str, type | tuple[type, ...]] = {"description": str, "help": str, "security_severity": (int, float),
                                               "why": str}
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
class CheckRule:
    """A manifest or drift rule: what it means, what to do, and how severe it is (0-10)."""

    id: str
    family: str
    description: str
    help: str
    security_severity: float
    why: str

    def info(self) -> RuleInfo:
        return RuleInfo(self.id, self.family, self.description, help_uri=rule_help_uri(self.id), help=self.help,
                        security_severity=self.security_severity)


@dataclass(frozen=True)
class RuleIds:
    """Known ids by kind, aliases from old ids to current ones, and the manifest and drift
    rules' descriptions (in file order)."""

    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    checks: Mapping[str, CheckRule] = field(default_factory=dict)

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
        return RuleIds(ids, self.aliases, self.checks)

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
        if kind in ("drift", "usage"):
            return f"{quoted(rule_id)} is a {kind} check result, not a detection rule; it cannot be turned off"
        return f"unknown rule id {quoted(rule_id)}{did_you_mean(rule_id, self.names('detection'))} " \
               "(see `byok-ci rules list`)"


def registry_path() -> Path:
    return default_rules_dir() / REGISTRY_NAME


def load_registry(path: Path | None = None) -> RuleIds:
    """The registry at ``path`` (default: the shipped ``rules/_ids.yaml``), read once. Raises
    :class:`~byok_ci.errors.RuleError` naming file, line and field for a malformed registry:
    it ships with byok-ci, so that is a bug (a test loads it)."""
    return _load_registry(path or registry_path())


def load_check_rules(path: Path | None = None) -> dict[str, CheckRule]:
    """Every manifest and drift rule by id, in file order."""
    return dict(load_registry(path).checks)


def rule_infos(family: str) -> dict[str, RuleInfo]:
    """What reports need to describe the rules of ``family`` (``manifest`` or ``drift``)."""
    return {rid: rule.info() for rid, rule in load_check_rules().items() if rule.family == family}


@functools.lru_cache(maxsize=4)
def _load_registry(path: Path) -> RuleIds:
    shown = path.as_posix()
    try:
        data = load_yaml_file(path)
    except MalformedYaml as exc:
        raise RuleError(f"{shown}:{exc.line}: {exc.args[0]}") from None
    except OSError as exc:
        raise RuleError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(data, LineDict) or set(data) != {*KINDS, "aliases"}:
        raise RuleError(f"{shown}:1: must be a mapping with exactly the keys {', '.join(KINDS)}, aliases")
    listed = data["detection"]
    if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
        raise RuleError(f"{shown}:{data.line_of('detection')}: 'detection' must be a list of rule ids")
    ids: dict[str, frozenset[str]] = {"detection": frozenset(listed)}
    checks: dict[str, CheckRule] = {}
    for family in FAMILIES:
        section = data[family]
        if not isinstance(section, LineDict):
            raise RuleError(f"{shown}:{data.line_of(family)}: '{family}' must map rule ids to their descriptions")
        for rid, raw in section.items():
            checks[rid] = _check_rule(rid, raw, family, shown, section.line_of(rid))
        ids[family] = frozenset(section)
    aliases = data["aliases"] or {}
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise RuleError(f"{shown}:{data.line_of('aliases')}: 'aliases' must map old rule ids to current ones")
    return RuleIds(ids, dict(aliases), checks)


def _check_rule(rid: object, raw: object, family: str, shown: str, line: int) -> CheckRule:
    if not isinstance(rid, str) or not rid.startswith(f"{family}."):
        raise RuleError(f"{shown}:{line}: rule id {rid!r} must start with '{family}.'")
    if not isinstance(raw, LineDict) or set(raw) != set(_FIELDS):
        raise RuleError(f"{shown}:{line}: rule {rid} must have exactly the fields {', '.join(_FIELDS)}")
    for name, kind in _FIELDS.items():
        value = raw[name]
        if not isinstance(value, kind) or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
            raise RuleError(f"{shown}:{raw.line_of(name)}: rule {rid}: field '{name}' has the wrong type or is empty")
    severity = float(raw["security_severity"])
    if not 0.0 <= severity <= 10.0:
        raise RuleError(f"{shown}:{raw.line_of('security_severity')}: rule {rid}: security_severity must be 0-10")
    return CheckRule(rid, family, raw["description"].strip(), " ".join(raw["help"].split()), severity,
                     " ".join(raw["why"].split()))


def rule_ids(rule_files: Iterable[Path] = ()) -> RuleIds:
    """The registry plus the detection ids of the user's ``rule_files`` (files or directories)."""
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

"""The rules of manifest checks and drift tests as reports describe them.

Their descriptions, help and security-severity are data, in ``rules/_checks.yaml``; SARIF
rule metadata and the manifest/drift sections of docs/rules.md are built from it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import MalformedYaml, RuleError
from byok_ci.model import RuleInfo
from byok_ci.rules import default_rules_dir, rule_help_uri

CHECK_RULES_FILE = "_checks.yaml"
FAMILIES = ("manifest", "drift")
_FIELDS: dict[str, type | tuple[type, ...]] = {"description": str, "help": str, "security_severity": (int, float),
                                               "why": str}


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


def load_check_rules(path: Path | None = None) -> dict[str, CheckRule]:
    """Every manifest and drift rule by id, in file order. Raises :class:`RuleError` naming
    file, line and field when the file is malformed (it ships with byok-ci; a test loads it)."""
    return dict(_load(path or default_rules_dir() / CHECK_RULES_FILE))


def rule_infos(family: str) -> dict[str, RuleInfo]:
    """What reports need to describe the rules of ``family`` (``manifest`` or ``drift``)."""
    return {rid: rule.info() for rid, rule in load_check_rules().items() if rule.family == family}


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> tuple[tuple[str, CheckRule], ...]:
    shown = path.as_posix()
    try:
        data = load_yaml_file(path)
    except MalformedYaml as exc:
        raise RuleError(f"{shown}:{exc.line}: {exc.args[0]}") from None
    except OSError as exc:
        raise RuleError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(data, LineDict) or set(data) != set(FAMILIES):
        raise RuleError(f"{shown}:1: must be a mapping with exactly the keys {', '.join(FAMILIES)}")
    rules: list[tuple[str, CheckRule]] = []
    for family in FAMILIES:
        section = data[family]
        if not isinstance(section, LineDict):
            raise RuleError(f"{shown}:{data.line_of(family)}: '{family}' must map rule ids to their descriptions")
        for rid, raw in section.items():
            line = section.line_of(rid)
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
            rules.append((rid, CheckRule(rid, family, raw["description"].strip(), " ".join(raw["help"].split()),
                                         severity, " ".join(raw["why"].split()))))
    return tuple(rules)

"""How to revoke each provider's keys: ``rules/_revoke.yaml``, loaded into frozen records.

The rule files name each provider's key page (``key_management``); this file adds the
exact steps: the console path, how to find the key's id from what a report shows, and the
admin API or CLI call where one exists, with the provider's page that documents it. Entries
are keyed by provider id; ``key_types`` holds the fields that differ for one rule id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from byok_ci._yaml import LineDict, load_yaml_file
from byok_ci.errors import MalformedYaml
from byok_ci.model import ScanError
from byok_ci.rules.model import default_rules_dir

FILE = "_revoke.yaml"
_FIELDS = ("console", "find", "api", "docs")


@dataclass(frozen=True)
class RevokeSteps:
    """What to do to revoke one provider's key (or one key type's)."""

    console: str
    find: str = ""
    api: str = ""
    docs: str = ""


@dataclass(frozen=True)
class ProviderRevoke:
    default: RevokeSteps
    key_types: Mapping[str, RevokeSteps] = field(default_factory=dict)

    def for_rule(self, rule_id: str) -> RevokeSteps:
        return self.key_types.get(rule_id, self.default)


def _steps(raw: object, where: str, line: int, base: RevokeSteps | None = None) -> RevokeSteps:
    if not isinstance(raw, dict):
        raise ValueError(f"{where} must be a mapping")
    unknown = sorted(set(raw) - set(_FIELDS) - ({"key_types"} if base is None else set()))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    for name in _FIELDS:
        if name in raw and not isinstance(raw[name], str):
            raise ValueError(f"{where}.{name} must be a string")
    docs = raw.get("docs", base.docs if base else "")
    if docs and not docs.startswith("https://"):
        raise ValueError(f"{where}.docs must be an https:// URL")
    if base is None:
        if not raw.get("console"):
            raise ValueError(f"{where}.console is required: the steps in the provider's console")
        return RevokeSteps(raw["console"], raw.get("find", ""), raw.get("api", ""), docs)
    return replace(base, **{k: v for k, v in raw.items() if k in _FIELDS})


def load_revoke(directory: Path | None = None,
                providers: Mapping[str, object] | None = None) -> tuple[dict[str, ProviderRevoke], list[ScanError]]:
    """The revoke steps by provider id, and what is wrong with the file (file and line).
    ``providers``: the known provider ids (an entry for another id is an error)."""
    path = (directory or default_rules_dir()) / FILE
    shown = path.as_posix()
    try:
        data = load_yaml_file(path)
    except FileNotFoundError:
        return {}, []
    except (MalformedYaml, OSError) as exc:
        return {}, [ScanError(shown, str(exc))]
    if not isinstance(data, LineDict):
        return {}, [ScanError(shown, "must map provider ids to revoke steps")]
    out: dict[str, ProviderRevoke] = {}
    errors: list[ScanError] = []
    for provider, raw in data.items():
        line = data.line_of(provider)
        try:
            if providers is not None and provider not in providers:
                raise ValueError(f"{provider!r} is no provider of the rules")
            default = _steps(raw, str(provider), line)
            variants = {}
            for rule_id, override in (raw.get("key_types") or {}).items():
                if not str(rule_id).startswith(f"{provider}."):
                    raise ValueError(f"{provider}.key_types: {rule_id!r} is not a {provider} rule id")
                variants[str(rule_id)] = _steps(override, f"{provider}.key_types.{rule_id}", line, default)
            out[str(provider)] = ProviderRevoke(default, variants)
        except ValueError as exc:
            errors.append(ScanError(shown, str(exc), line))
    return out, errors

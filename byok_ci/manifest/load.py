"""Load ``byok.yaml``: YAML → validation (the ``manifest.schema`` check) → :class:`Manifest`.

Loading never stops at the first problem: a bad field is a :class:`Problem` with its line
and column and the entry keeps going with that field empty, so every other check still
runs. Only a file that cannot be read as YAML at all raises :class:`ManifestError`.
Messages name fields, never their values (a value could be a key).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from byok_ci.errors import ManifestError
from byok_ci.manifest.located import YList, YMap, read_located
from byok_ci.manifest.model import Budget, KeyEntry, Manifest
from byok_ci.manifest.policy import Policy, Problem, apply_layer
from byok_ci.manifest.refs import SecretRefError, looks_like_reference, parse_secret_ref

DEFAULT_MANIFEST = "byok.yaml"
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
_URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")


def parse_iso_date(value: Any) -> dt.date:
    """``YYYY-MM-DD`` (a time part is allowed and ignored); raise ValueError otherwise."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be an ISO 8601 date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError("is not a valid date (YYYY-MM-DD)") from None


class _Loader:
    def __init__(self, path: str, providers: Iterable[str]) -> None:
        self.path = path
        self.providers = sorted(providers)
        self.problems: list[Problem] = []
        self.problem_keys: list[int | None] = []
        self.refused: set[tuple[Any, ...]] = set()  # where the schema refused a value

    def problem(self, pos: tuple[int, int], message: str, index: int | None, rule_id: str = "manifest.schema") -> None:
        self.problems.append(Problem(self.path, pos[0], pos[1], message, rule_id))
        self.problem_keys.append(index)

    def validate(self, data: YMap) -> None:
        """The manifest schema's problems, but those inside ``policy:`` (see :func:`apply_layer`)."""
        from byok_ci.schemas.validate import describe, position, validate

        for violation in validate(data, "manifest"):
            path = violation.path
            if path[:1] == ("policy",) and len(path) > 1:
                continue
            index = path[1] if path[:1] == ("keys",) and len(path) > 1 and isinstance(path[1], int) else None
            if violation.keyword == "not":  # the schema's one `not`: no env on an organization-scoped key
                self.refused.add((*path, "env"))
                entry = data["keys"][index]
                self.problem(entry.value_at("env"), "field 'env' does not apply to an organization-scoped key "
                             "(scope: organization); remove it", index)
                continue
            if violation.keyword != "required":  # a missing field refuses no value of its mapping
                self.refused.add(path)
            line, column = position(data, violation)
            self.problem((line or 0, column or 0), describe(violation, strip=2 if len(path) > 2 else 0), index)

    def ok(self, *path: Any, inside: bool = True) -> bool:
        """No schema problem at ``path``, above it (a bad budget refuses its fields) or, unless
        not ``inside``, below it (a bad item refuses its list)."""
        return not any(r[:len(path)] == path if inside and len(r) > len(path) else path[:len(r)] == r
                       for r in self.refused)

    def duplicates(self, mapping: YMap, index: int | None, where: str, label: str, skip: tuple[str, ...] = ()) -> None:
        """Keys given twice in ``mapping`` and in every mapping nested in it (but ``skip``)."""
        for key, pos in mapping.duplicates:
            self.problem(pos, f"field '{key}' {where} is given twice; the last one wins", index)
        seen: set[int] = {id(mapping)}
        stack = [(value, f"{label}.{key}" if label else str(key)) for key, value in mapping.items() if key not in skip]
        while stack:
            value, inner = stack.pop()
            if id(value) in seen or not isinstance(value, (YMap, YList)):
                continue
            seen.add(id(value))
            if isinstance(value, YList):
                stack.extend((item, f"{inner}[{i}]") for i, item in enumerate(value))
                continue
            for key, pos in value.duplicates:
                self.problem(pos, f"field '{key}' in {inner} is given twice; the last one wins", index)
            stack.extend((item, f"{inner}.{key}") for key, item in value.items())

    # Each field below has passed the schema (or is taken as empty): what is left to check is
    # what a schema cannot say (blank text, real dates, known providers, secret references).

    def string(self, entry: YMap, name: str, index: int) -> str:
        value = entry.get(name)
        if value is None or not self.ok("keys", index, name):
            return ""
        if not value.strip():
            self.problem(entry.value_at(name), f"field '{name}' must be a non-empty string", index)
            return ""
        return str(value.strip())

    def string_list(self, entry: YMap, name: str, index: int) -> tuple[str, ...] | None:
        if name not in entry or not self.ok("keys", index, name):
            return None
        if not all(v.strip() for v in entry[name]):
            self.problem(entry.value_at(name), f"field '{name}' must be a list of non-empty strings", index)
            return None
        return tuple(v.strip() for v in entry[name])

    def date(self, entry: YMap, name: str, index: int) -> dt.date | None:
        if entry.get(name) is None or not self.ok("keys", index, name):
            return None
        try:
            return parse_iso_date(entry[name])
        except ValueError as exc:
            self.problem(entry.value_at(name), f"field '{name}' {exc}", index)
            return None

    def flag(self, entry: YMap, name: str, index: int) -> bool | None:
        value = entry.get(name)
        return value if isinstance(value, bool) and self.ok("keys", index, name) else None

    def scope(self, entry: YMap, index: int) -> str:
        value = entry.get("scope")
        return str(value) if value is not None and self.ok("keys", index, "scope") else "environment"

    def budget(self, entry: YMap, index: int) -> Budget | None:
        value = entry.get("budget")
        if value is None or not self.ok("keys", index, "budget", inside=False):
            return None
        monthly, daily = value.get("monthly_usd"), value.get("daily_tokens")
        monthly = monthly if self.ok("keys", index, "budget", "monthly_usd") else None
        daily = daily if self.ok("keys", index, "budget", "daily_tokens") else None
        if monthly is None and daily is None:
            return None
        return Budget(float(monthly) if monthly is not None else None, int(daily) if daily is not None else None)

    def key_entry(self, raw: Any, index: int, pos: tuple[int, int]) -> KeyEntry:
        if not isinstance(raw, YMap):
            return KeyEntry(index=index, name="", env="", provider="", pos=pos)
        self.duplicates(raw, index, f"in keys[{index}]", f"keys[{index}]")
        scope = self.scope(raw, index)
        provider = self.string(raw, "provider", index)
        if provider and self.providers and provider not in self.providers:
            hint = difflib.get_close_matches(provider, self.providers, n=1)
            why = f"; did you mean '{hint[0]}'?" if hint else " (see `byok-ci rules list`)"
            self.problem(raw.value_at("provider"), f"field 'provider' is not a known provider id{why}", index)
            provider = ""
        secret, secret_text = None, ""
        value = raw.get("secret") if self.ok("keys", index, "secret") else None
        if isinstance(value, str) and not value.strip():
            self.problem(raw.value_at("secret"), "field 'secret' must be a secret reference string", index)
        elif value is not None and not looks_like_reference(value):
            # A value that is not a reference is treated as the key itself, so it is
            # never shown; the inline-secret check reports it.
            secret_text = value
            self.problem(
                raw.value_at("secret"),
                "field 'secret' holds a value instead of a reference (e.g. env://NAME, vault://…); "
                "if it is a key, revoke it and store it in a secret manager",
                index,
                "manifest.inline-secret",
            )
        elif value is not None:
            secret_text = value
            try:
                secret = parse_secret_ref(value)
            except SecretRefError as exc:
                self.problem(raw.value_at("secret"), f"field 'secret' {exc}", index)
        base_url = raw.get("base_url") if self.ok("keys", index, "base_url") else None
        if base_url is not None and not _URL.fullmatch(base_url.strip()):
            self.problem(raw.value_at("base_url"), "field 'base_url' must be an http(s) URL", index)
            base_url = None
        positions = {name: raw.value_at(name) for name in raw if isinstance(name, str)}
        return KeyEntry(
            index=index,
            name=self.string(raw, "name", index),
            env="" if scope == "organization" else self.string(raw, "env", index),
            provider=provider,
            secret=secret,
            secret_text=secret_text,
            owner=self.string(raw, "owner", index),
            scopes=self.string_list(raw, "scopes", index),
            models=self.string_list(raw, "models", index),
            rotated=self.date(raw, "rotated", index),
            expires=self.date(raw, "expires", index),
            base_url=base_url.strip() if isinstance(base_url, str) else None,
            admin=self.flag(raw, "admin", index),
            allow_admin=bool(self.flag(raw, "allow_admin", index)),
            scope=scope,
            provider_key_id=self.string(raw, "provider_key_id", index) or None,
            budget=self.budget(raw, index),
            pos=raw.pos,
            positions=positions,
        )


def load_manifest(
    path: Path,
    *,
    base_policy: Policy | None = None,
    providers: Iterable[str] = (),
    shown: str | None = None,
) -> Manifest:
    """Load and validate a manifest on top of ``base_policy`` (shipped defaults and config).

    ``providers`` are the known provider ids (from the rules). Raises :class:`ManifestError`
    when the file cannot be read or parsed at all.
    """
    shown = shown or path.as_posix()
    text, data = read_located(path, shown)
    loader = _Loader(shown, providers)
    policy = base_policy or Policy()
    if not isinstance(data, YMap):
        raise ManifestError(shown, 1, 1, "a manifest must be a mapping with version, project and keys")
    loader.duplicates(data, None, "at the top level", "", skip=("keys", "policy"))
    loader.validate(data)
    project = data.get("project")
    if isinstance(project, str) and loader.ok("project") and not project.strip():
        loader.problem(data.value_at("project"), "field 'project' must be a non-empty string", None)
    project = project if isinstance(project, str) and loader.ok("project") else ""
    raw_policy = data.get("policy")
    if isinstance(raw_policy, YMap):
        loader.duplicates(raw_policy, None, "in policy", "policy")
        policy, policy_problems = apply_layer(policy, raw_policy, shown)
        for problem in policy_problems:
            loader.problem((problem.line or 0, problem.column or 0), problem.message, None)
    raw_keys = data.get("keys")
    entries: list[KeyEntry] = []
    if isinstance(raw_keys, YList):
        entries = [loader.key_entry(raw, i, raw_keys.at(i)) for i, raw in enumerate(raw_keys)]
    _same_env_duplicates(loader, entries)
    starts = [e.pos[0] for e in entries]
    last_line = text.count("\n") + 1
    key_lines = tuple((start, (starts[i + 1] - 1) if i + 1 < len(starts) else last_line) for i, start in enumerate(starts))
    return Manifest(
        path=shown,
        project=project.strip(),
        keys=tuple(entries),
        policy=policy,
        version=1,
        problems=tuple(loader.problems),
        problem_keys=tuple(loader.problem_keys),
        key_lines=key_lines,
        text=text,
    )


def _same_env_duplicates(loader: _Loader, entries: list[KeyEntry]) -> None:
    """Two entries of one environment with one name; across environments it is an isolation failure."""
    first: dict[tuple[str, str], KeyEntry] = {}
    for entry in entries:
        if not entry.name:
            continue
        seen = first.setdefault((entry.env, entry.name), entry)
        if seen is not entry:
            loader.problem(
                entry.at("name"), f"duplicate key name '{entry.name}' (first at line {seen.at('name')[0]})", entry.index
            )

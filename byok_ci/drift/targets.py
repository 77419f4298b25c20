"""The keys to probe: :class:`DriftTarget` records, read from the manifest's v1 shape.

This module is the one seam with the manifest (``byok.yaml``): it reads just the fields a
drift test needs. When the manifest package lands, :func:`load_targets` becomes a mapping
from its key records to DriftTargets; nothing else in ``byok_ci.drift`` reads the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from byok_ci._yaml import LineDict, MalformedYaml, load_yaml_file
from byok_ci.model import ScanError


@dataclass(frozen=True)
class DriftTarget:
    """One key of one environment, as the manifest declares it."""

    env: str
    key_name: str
    provider: str
    secret_ref: str
    base_url: str | None = None
    declared_scopes: tuple[str, ...] = ()
    expires: dt.date | None = None
    manifest: str = "byok.yaml"
    line: int = 0


def _date(value: object) -> dt.date | None | str:
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return "bad"


def load_targets(
    manifest: Path, env: str, names: Sequence[str] = ()
) -> tuple[list[DriftTarget], list[ScanError]]:
    """The keys of environment ``env`` (all, or those named), and what was wrong with the file."""
    shown = manifest.as_posix()
    try:
        data = load_yaml_file(manifest)
    except MalformedYaml as exc:
        return [], [ScanError(shown, exc.args[0], exc.line)]
    except OSError as exc:
        return [], [ScanError(shown, f"cannot read manifest: {(exc.strerror or str(exc)).lower()}")]
    if not isinstance(data, LineDict) or not isinstance(data.get("keys"), list):
        return [], [ScanError(shown, "a manifest is a mapping with a 'keys' list", getattr(data, "line", 1) or 1)]
    if data.get("version", 1) != 1:
        return [], [ScanError(shown, "unsupported manifest version (expected 1)", data.line_of("version"))]
    targets: list[DriftTarget] = []
    errors: list[ScanError] = []
    seen: set[str] = set()
    for entry in data["keys"]:
        line = getattr(entry, "line", data.line_of("keys"))
        if not isinstance(entry, LineDict):
            errors.append(ScanError(shown, "each key must be a mapping", line))
            continue
        missing = [f for f in ("name", "env", "provider", "secret") if not isinstance(entry.get(f), str) or not entry.get(f)]
        if missing:
            errors.append(ScanError(shown, f"key {entry.get('name', '?')!s:.60}: missing or non-string field "
                                           f"'{missing[0]}'", line))
            continue
        if entry["env"] != env or (names and entry["name"] not in names):
            continue
        scopes = entry.get("scopes", entry.get("models", [])) or []
        base_url = entry.get("base_url")
        expires = _date(entry.get("expires"))
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            errors.append(ScanError(shown, f"key {entry['name']}: scopes must be a list of strings", entry.line_of("scopes")))
            continue
        if base_url is not None and not isinstance(base_url, str):
            errors.append(ScanError(shown, f"key {entry['name']}: base_url must be a string", entry.line_of("base_url")))
            continue
        if expires == "bad":
            errors.append(ScanError(shown, f"key {entry['name']}: expires must be an ISO 8601 date (YYYY-MM-DD)",
                                    entry.line_of("expires")))
            continue
        seen.add(entry["name"])
        targets.append(DriftTarget(
            env=env, key_name=entry["name"], provider=entry["provider"], secret_ref=entry["secret"],
            base_url=base_url, declared_scopes=tuple(scopes), expires=expires if isinstance(expires, dt.date) else None,
            manifest=shown, line=line,
        ))
    for name in names:
        if name not in seen and not any(e.message.startswith(f"key {name}:") for e in errors):
            errors.append(ScanError(shown, f"no key named {name!r} in environment {env!r}"))
    return targets, errors

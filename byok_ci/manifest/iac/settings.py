"""The ``iac:`` section of ``.byok-ci.yaml``, validated with file:line (docs/iac.md#settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from byok_ci.manifest.iac.model import Problem

FIELDS = ("paths", "exclude", "environments", "workspaces")


@dataclass(frozen=True)
class IacSettings:
    paths: tuple[str, ...] = ()  # where to look; empty: the whole repository
    exclude: tuple[str, ...] = ()
    environments: Mapping[str, str] = field(default_factory=dict)  # path glob -> environment
    workspaces: tuple[str, ...] = ()  # Terraform workspaces, when no *.tfvars names them
    off: bool = False  # `iac: false`


def _line(data: Any, key: str) -> int | None:
    line_of = getattr(data, "line_of", None)
    return line_of(key) if line_of else None


def parse_settings(data: Any, shown: str, environments: tuple[str, ...]) -> tuple[IacSettings, list[Problem]]:
    """The settings from the config's ``iac:`` value; what is wrong goes to the problems."""
    if data is None:
        return IacSettings(), []
    if data is False:
        return IacSettings(off=True), []
    if not isinstance(data, dict):
        return IacSettings(), [Problem(shown, None, None, "field 'iac' must be a mapping (paths, exclude, environments, "
                                                          "workspaces) or false")]
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = _line(data, key)
        if key not in FIELDS:
            problems.append(Problem(shown, line, None, f"unknown field 'iac.{key}' (known: {', '.join(FIELDS)})"))
        elif key == "environments":
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                problems.append(Problem(shown, line, None, "field 'iac.environments' must map path globs to environments"))
                continue
            bad = [v for v in value.values() if v not in environments]
            if bad:
                problems.append(Problem(shown, line, None, f"field 'iac.environments' names '{bad[0]}', which is not one "
                                                           f"of the policy's environments ({', '.join(environments)})"))
                continue
            values[key] = dict(value)
        elif not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problems.append(Problem(shown, line, None, f"field 'iac.{key}' must be a list of strings"))
        elif key == "paths" and any(v.startswith("/") or ".." in v.split("/") for v in value):
            problems.append(Problem(shown, line, None, "field 'iac.paths' must name paths inside the repository "
                                                       "(relative, without '..')"))
        else:
            values[key] = tuple(v.strip("/") if key != "workspaces" else v for v in value)
    return IacSettings(**values), problems

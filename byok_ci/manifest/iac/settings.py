"""The ``iac:`` section of ``.byok-ci.yaml``, validated with file:line (docs/iac.md#settings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from byok_ci.manifest.iac.model import Problem

@dataclass(frozen=True)
class IacSettings:
    paths: tuple[str, ...] = ()  # where to look; empty: the whole repository
    exclude: tuple[str, ...] = ()
    environments: Mapping[str, str] = field(default_factory=dict)  # path glob -> environment
    workspaces: tuple[str, ...] = ()  # Terraform workspaces, when no *.tfvars names them
    off: bool = False  # `iac: false`


def parse_settings(data: Any, shown: str, environments: tuple[str, ...]) -> tuple[IacSettings, list[Problem]]:
    """The settings from the config's ``iac:`` value; what is wrong goes to the problems.

    The config schema's ``iac`` part judges the fields; a field it refuses is left at its
    default. That environments are the policy's, and paths stay inside the repository, is
    checked here.
    """
    if data is None:
        return IacSettings(), []
    if data is False:
        return IacSettings(off=True), []
    from byok_ci.schemas.validate import describe, position, validate

    problems: list[Problem] = []
    refused: set[Any] = set()
    for violation in validate(data, "config", "#/properties/iac"):
        refused.add(violation.path[:1])
        problems.append(Problem(shown, position(data, violation)[0], None, describe(violation, prefix=("iac",))))
    if not isinstance(data, dict):
        return IacSettings(), problems
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = getattr(data, "line_of", lambda _: None)(key)
        if (key,) in refused:
            continue
        if key == "environments":
            bad = [v for v in value.values() if v not in environments]
            if bad:
                problems.append(Problem(shown, line, None, f"field 'iac.environments' names '{bad[0]}', which is not one "
                                                           f"of the policy's environments ({', '.join(environments)})"))
                continue
            values[key] = dict(value)
        elif key == "paths" and any(v.startswith("/") or ".." in v.split("/") for v in value):
            problems.append(Problem(shown, line, None, "field 'iac.paths' must name paths inside the repository "
                                                       "(relative, without '..')"))
        else:
            values[key] = tuple(v.strip("/") if key != "workspaces" else v for v in value)
    return IacSettings(**values), problems

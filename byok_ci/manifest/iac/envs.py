"""Which manifest environment a name, a path or a file belongs to (docs/iac.md#environments)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from byok_ci.manifest.policy import Policy

_WORD = re.compile(r"[A-Za-z0-9]+")
# Directory names after which the next directory names an environment.
ENV_DIRS = {"envs", "environments", "env", "stages", "stage", "workspaces", "overlays", "deployments", "live"}


def env_of_name(name: str, policy: Policy) -> str:
    """The environment ``name`` says (``prod``, ``production`` with aliases, ``acme-staging``), or ""."""
    words = {w.lower() for w in _WORD.findall(name)}
    if name.lower() in {e.lower() for e in policy.environments}:
        return next(e for e in policy.environments if e.lower() == name.lower())
    hits = [env for env in policy.environments if words & policy.words_for(env)]
    return hits[0] if len(hits) == 1 else ""


def env_of_path(path: str, policy: Policy, overrides: Mapping[str, str]) -> str:
    """An override from ``iac.environments`` (a glob on the path or a parent), else the
    directory after ``envs/``, ``environments/``, … ."""
    pure = PurePosixPath(path)
    candidates = [path, *(p.as_posix() for p in pure.parents if p.as_posix() != ".")]
    for pattern, env in overrides.items():
        if any(fnmatch.fnmatchcase(c, pattern.rstrip("/")) or fnmatch.fnmatchcase(c + "/", pattern) for c in candidates):
            return env
    parts = pure.parts[:-1]
    for i, part in enumerate(parts[:-1]):
        if part.lower() in ENV_DIRS:
            env = env_of_name(parts[i + 1], policy)
            if env:
                return env
    return ""


def tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def foreign_env(text: str, env: str, policy: Policy) -> str:
    """Another environment that a word of ``text`` names, or ""."""
    own = policy.words_for(env)
    words = tokens(text)
    for other in policy.environments:
        if other != env and (policy.words_for(other) - own) & words:
            return other
    return ""

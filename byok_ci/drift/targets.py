"""The keys to probe: :class:`DriftTarget` records, read from the manifest's v1 shape.

This module is the one seam with the manifest (``byok.yaml``): it maps the manifest
package's key records to DriftTargets; nothing else in ``byok_ci.drift`` reads the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.model import ScanError

if TYPE_CHECKING:
    from byok_ci.manifest.model import KeyEntry


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


def load_targets(
    manifest: Path, env: str, names: Sequence[str] = (), *, shown: str | None = None
) -> tuple[list[DriftTarget], list[ScanError]]:
    """The keys of environment ``env`` (all, or those named), and what was wrong with the file.

    The manifest package's loader reads the file (bounded, safe YAML; positions kept); a key
    whose secret is not a usable reference keeps an empty one, so the resolver can still take
    ``BYOK_CI_SECRET_<NAME>`` from the workflow and otherwise says what to set. Reports name
    the manifest ``shown`` (default: relative to its report root, see :mod:`byok_ci.paths`).
    Raises :class:`~byok_ci.errors.UsageError` when ``env`` has no key in the manifest or a
    name in ``names`` is no key of it. Organisation-scoped keys (``scope: organization``)
    are probed only when ``names`` names them.
    """
    from byok_ci.errors import ManifestError
    from byok_ci.manifest.load import load_manifest
    from byok_ci.manifest.policy import Problem
    from byok_ci.paths import report_root, shown_path

    shown = shown or shown_path(manifest, report_root([manifest]))
    try:
        loaded = load_manifest(manifest, shown=shown)
    except ManifestError as exc:
        return [], [ScanError(exc.path, exc.reason, exc.line)]
    _check_selection(loaded.keys, env, names, shown)
    targets: list[DriftTarget] = []
    errors: list[ScanError] = []
    # A key with a schema problem is not probed; the problem says why, at its own line.
    broken: dict[int, Problem] = {}
    for problem, index in zip(loaded.problems, loaded.problem_keys):
        if index is not None and problem.rule_id == "manifest.schema":
            broken.setdefault(index, problem)
    for entry in loaded.keys:
        # An organisation-scoped (admin) key belongs to no environment: probed only when named.
        if entry.organization and entry.name in names:
            pass
        elif entry.env != env or (names and entry.name not in names):
            continue
        if entry.index in broken:
            problem = broken[entry.index]
            errors.append(ScanError(shown, f"key {entry.label}: {problem.message}", problem.line or entry.pos[0]))
            continue
        if not entry.name or not entry.provider:
            errors.append(ScanError(shown, f"key {entry.label}: needs a name and a provider to be probed", entry.pos[0]))
            continue
        targets.append(DriftTarget(
            env=env, key_name=entry.name, provider=entry.provider,
            secret_ref=str(entry.secret) if entry.secret is not None else "",
            base_url=entry.base_url, declared_scopes=tuple(entry.scopes or entry.models or ()),
            expires=entry.expires, manifest=shown, line=entry.pos[0],
        ))
    return targets, errors


def _check_selection(keys: Sequence[KeyEntry], env: str, names: Sequence[str], shown: str) -> None:
    """A typo in ``--env`` or ``--key`` is a usage error: nothing is probed, and the message
    says which name was probably meant."""
    from byok_ci.errors import UsageError
    from byok_ci.rules.ids import did_you_mean, quoted

    envs = {entry.env for entry in keys if entry.env}
    if env not in envs:
        listed = f" (environments with keys: {', '.join(sorted(envs))})" if envs else ""
        raise UsageError(f"{shown}: no keys for environment {quoted(env)}{did_you_mean(env, envs) or listed}")
    in_env = {entry.name for entry in keys if (entry.env == env or entry.organization) and entry.name}
    for name in names:
        if name not in in_env:
            raise UsageError(f"{shown}: no key named {quoted(name)} in environment {quoted(env)}"
                             f"{did_you_mean(name, in_env)}")

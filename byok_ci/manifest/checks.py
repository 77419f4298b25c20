"""The manifest checks: each judges one key entry and returns a :class:`Verdict`.

Checks are plain functions in :data:`KEY_CHECKS`, keyed by their stable rule id. They know
nothing of reports: the runner (``byok_ci.manifest.run``) turns verdicts into ``Check`` and
``Finding`` records and applies the policy's error/warning/off levels.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from byok_ci.manifest.model import KeyEntry, Manifest
from byok_ci.manifest.policy import Problem
from byok_ci.manifest.workflows import SecretUse

_WORD = re.compile(r"[A-Za-z0-9]+")
_NO_OWNER = {"todo", "tbd", "tba", "unknown", "none", "nobody", "n/a", "?", "-", "fixme"}


@dataclass(frozen=True)
class Issue:
    """What a check found wrong, and where. ``warn`` marks issues that are warnings by nature."""

    message: str
    pos: tuple[int, int]
    warn: bool = False
    path: str | None = None  # another file than the manifest (a workflow)
    redacted: str = ""
    fingerprint: str | None = None  # of the secret, for inline keys; else derived from the identity
    provider: str | None = None
    identity: str = ""  # what makes this issue itself, for a stable fingerprint


@dataclass(frozen=True)
class Verdict:
    issues: tuple[Issue, ...] = ()
    detail: str = ""  # what was checked, for a passing check
    skipped: str = ""  # why the check does not apply
    inconclusive: str = ""  # why it could not be decided


@dataclass(frozen=True)
class Context:
    """Everything a check may look at besides the entry itself."""

    manifest: Manifest
    today: dt.date
    inline: Mapping[int, tuple[Issue, ...]] = field(default_factory=dict)  # by entry index
    workflow_uses: tuple[SecretUse, ...] = ()
    # Indexes, so checks that compare a key with all others stay linear.
    by_reference: Mapping[str, tuple[KeyEntry, ...]] = field(default_factory=dict)
    by_name: Mapping[str, tuple[KeyEntry, ...]] = field(default_factory=dict)
    problems_of: Mapping[int | None, tuple[Problem, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, manifest: Manifest, today: dt.date, inline: Mapping[int, tuple[Issue, ...]] | None = None,
              workflow_uses: tuple[SecretUse, ...] = ()) -> Context:
        by_reference: dict[str, list[KeyEntry]] = {}
        by_name: dict[str, list[KeyEntry]] = {}
        problems_of: dict[int | None, list[Problem]] = {}
        for entry in manifest.keys:
            if entry.secret is not None:
                by_reference.setdefault(entry.secret.identity, []).append(entry)
            if entry.name:
                by_name.setdefault(entry.name, []).append(entry)
        for problem, index in zip(manifest.problems, manifest.problem_keys, strict=True):
            problems_of.setdefault(index, []).append(problem)
        return cls(
            manifest, today, inline or {}, workflow_uses,
            {k: tuple(v) for k, v in by_reference.items()},
            {k: tuple(v) for k, v in by_name.items()},
            {k: tuple(v) for k, v in problems_of.items()},
        )


def _words(*texts: str) -> set[str]:
    return {w.lower() for text in texts for w in _WORD.findall(text)}


def check_schema(entry: KeyEntry, ctx: Context) -> Verdict:
    issues = tuple(
        Issue(p.message, (p.line or 0, p.column or 0), identity=p.message)
        for p in ctx.problems_of.get(entry.index, ())
        if p.rule_id == "manifest.schema"
    )
    return Verdict(issues, detail="fields, types and required fields are valid")


# An organisation-scoped key (scope: organization, an admin key `byok-ci usage` reads) belongs
# to no environment: the checks of an environment's own key do not apply to it.
_ORGANIZATION = "organization-scoped key (scope: organization): not tied to an environment"


def check_environment(entry: KeyEntry, ctx: Context) -> Verdict:
    if entry.organization:
        return Verdict(skipped=_ORGANIZATION)
    if not entry.env:
        return Verdict(skipped="the entry has no environment")
    allowed = ctx.manifest.policy.environments
    if entry.env in allowed:
        return Verdict(detail=f"environment '{entry.env}' is allowed")
    return Verdict((Issue(
        f"environment '{entry.env}' is not one of the policy's environments ({', '.join(allowed)})", entry.at("env"),
    ),))


def check_naming(entry: KeyEntry, ctx: Context) -> Verdict:
    policy, m = ctx.manifest.policy, ctx.manifest
    if entry.organization:
        return Verdict(skipped=_ORGANIZATION)
    if not entry.name:
        return Verdict(skipped="the entry has no name")
    expected = {"project": m.project, "env": entry.env, "provider": entry.provider}
    if policy.naming_regex(expected).fullmatch(entry.name):
        return Verdict(detail=f"name follows '{policy.naming}'")
    at = entry.at("name")
    example = policy.naming_example(expected)
    hint = f" (expected '{example}')" if example else ""
    match = policy.naming_regex().fullmatch(entry.name)
    if match is None:
        return Verdict((Issue(f"name does not follow the naming pattern '{policy.naming}'{hint}", at),))
    wrong = [
        (part, value) for part, value in match.groupdict().items()
        if expected.get(part) and value.lower() != expected[part].lower()
        and not (part == "env" and value.lower() in policy.words_for(entry.env))
    ]
    if len(wrong) == 1:
        # One part off is a mix-up worth naming (a staging name on a prod key); more is
        # simply another naming scheme.
        part, value = wrong[0]
        message = f"name says {part} '{value}' but the entry's {part} is '{expected[part]}'{hint}"
    else:
        message = f"name does not follow the naming pattern '{policy.naming}'{hint}"
    return Verdict((Issue(message, at),))


def check_inline_secret(entry: KeyEntry, ctx: Context) -> Verdict:
    found = list(ctx.inline.get(entry.index, ()))
    detected_lines = {i.pos[0] for i in found}
    for p in ctx.problems_of.get(entry.index, ()):
        if p.rule_id == "manifest.inline-secret" and p.line not in detected_lines:
            found.append(Issue(p.message, (p.line or 0, p.column or 0), identity="secret-value"))
    return Verdict(tuple(found), detail="no key-shaped value; the secret is a reference")


def check_isolation(entry: KeyEntry, ctx: Context) -> Verdict:
    policy = ctx.manifest.policy
    if entry.organization:
        return Verdict(skipped=_ORGANIZATION)
    issues = []

    def elsewhere(entries: tuple[KeyEntry, ...]) -> list[KeyEntry]:
        return [o for o in entries if o is not entry and o.env and o.env != entry.env]

    if entry.secret is not None and not entry.secret.runtime_local:
        for other in elsewhere(ctx.by_reference.get(entry.secret.identity, ())):
            issues.append(Issue(
                f"secret reference is shared with '{other.label}' of environment '{other.env}'",
                entry.at("secret"), identity=f"shared-ref:{other.label}",
            ))
    for other in elsewhere(ctx.by_name.get(entry.name, ())) if entry.name else ():
        issues.append(Issue(
            f"key name is also used in environment '{other.env}' (line {other.at('name')[0]})",
            entry.at("name"), identity=f"shared-name:{other.env}",
        ))
    if entry.secret is None:
        if not issues:
            return Verdict(skipped="no valid secret reference to compare")
        return Verdict(tuple(issues))
    if entry.env:
        tokens = entry.secret.tokens()
        own = policy.words_for(entry.env)
        for env in [e for e in policy.environments if e != entry.env]:
            foreign = (policy.words_for(env) - own) & tokens
            if not foreign:
                continue
            word = sorted(foreign)[0]
            if policy.is_production(entry.env) and not policy.is_production(env):
                why = "a production key's reference points into a non-production location"
            elif not policy.is_production(entry.env) and policy.is_production(env):
                why = "a non-production key's reference points into a production location"
            else:
                why = "the reference points into another environment's location"
            issues.append(Issue(
                f"{why} ('{word}' names environment '{env}')", entry.at("secret"), identity=f"foreign-env:{env}",
            ))
    return Verdict(tuple(issues), detail="reference and name are this environment's own")


def check_rotation(entry: KeyEntry, ctx: Context) -> Verdict:
    policy = ctx.manifest.policy
    if entry.rotated is None:
        if "rotated" in entry.positions:
            return Verdict(skipped="the 'rotated' date is invalid (see manifest.schema)")
        return Verdict((Issue("no 'rotated' date: record when the key was last rotated (YYYY-MM-DD)", entry.pos),))
    at = entry.at("rotated")
    if entry.rotated > ctx.today:
        return Verdict((Issue(f"'rotated' date {entry.rotated} is in the future", at, identity="future"),))
    due = entry.rotated + dt.timedelta(days=policy.rotate_every_days)
    left = (due - ctx.today).days
    if left < 0:
        return Verdict((Issue(
            f"rotation overdue: last rotated {entry.rotated}, due {due} (every {policy.rotate_every_days} days)",
            at, identity="overdue",
        ),))
    if left <= policy.rotation_warning_days:
        return Verdict((Issue(f"rotation due {due}, in {left} days", at, warn=True, identity="due-soon"),))
    return Verdict(detail=f"rotated {entry.rotated}, next due {due}")


def check_expiry(entry: KeyEntry, ctx: Context) -> Verdict:
    policy = ctx.manifest.policy
    if entry.expires is None:
        return Verdict(skipped="no expiry date declared")
    at = entry.at("expires")
    left = (entry.expires - ctx.today).days
    if left < 0:
        return Verdict((Issue(f"key expired on {entry.expires}", at, identity="expired"),))
    if left <= policy.expiry_warning_days:
        return Verdict((Issue(f"key expires {entry.expires}, in {left} days", at, warn=True, identity="expires-soon"),))
    return Verdict(detail=f"expires {entry.expires}")


def check_scopes(entry: KeyEntry, ctx: Context) -> Verdict:
    policy = ctx.manifest.policy
    invalid = [n for n, v in (("scopes", entry.scopes), ("models", entry.models)) if n in entry.positions and v is None]
    if invalid:
        return Verdict(skipped=f"field '{invalid[0]}' is invalid (see manifest.schema)")
    issues = []
    grants = [(name, values) for name, values in (("scopes", entry.scopes), ("models", entry.models)) if values]
    if not grants:
        issues.append(Issue("declares neither scopes nor models: list what the key may do", entry.pos, identity="none"))
    wildcards = {w.lower() for w in policy.wildcards}
    for name, values in grants:
        for value in values:
            if value.lower() in wildcards:
                issues.append(Issue(
                    f"{name} include the wildcard '{value}': list what the key needs instead",
                    entry.at(name), identity=f"wildcard:{name}",
                ))
    markers = {w.lower() for w in policy.admin_markers}
    if entry.admin is True:
        admin_why = "it is marked admin: true"
    elif entry.admin is None:
        hits = markers & _words(entry.name, str(entry.secret or ""), *(entry.scopes or ()))
        admin_why = f"its name, reference or scopes say '{sorted(hits)[0]}'" if hits else ""
    else:
        admin_why = ""
    if admin_why and not entry.allow_admin:
        issues.append(Issue(
            f"admin-type key ({admin_why}); admin keys manage the whole organisation: use a scoped key, "
            "or set allow_admin: true if this one is meant to be",
            entry.at("admin") if entry.admin else entry.pos, identity="admin",
        ))
    return Verdict(tuple(issues), detail="scoped: " + "; ".join(f"{n} {', '.join(v)}" for n, v in grants))


def check_owner(entry: KeyEntry, ctx: Context) -> Verdict:
    if not entry.owner:
        return Verdict((Issue("no owner: name the team or person who rotates and revokes this key", entry.pos),))
    if entry.owner.lower().strip(" :") in _NO_OWNER or entry.owner.upper().startswith("TODO"):
        return Verdict((Issue("owner is a placeholder: name the team or person", entry.at("owner")),))
    return Verdict(detail=f"owned by {entry.owner}")


KEY_CHECKS: dict[str, Callable[[KeyEntry, Context], Verdict]] = {
    "manifest.schema": check_schema,
    "manifest.environment": check_environment,
    "manifest.naming": check_naming,
    "manifest.inline-secret": check_inline_secret,
    "manifest.isolation": check_isolation,
    "manifest.rotation": check_rotation,
    "manifest.expiry": check_expiry,
    "manifest.scopes": check_scopes,
    "manifest.owner": check_owner,
}


@dataclass(frozen=True)
class WorkflowVerdict:
    """The workflow check for one secret read by one environment-bound job."""

    env: str  # the manifest environment of the job ("" when it cannot be mapped)
    use: SecretUse
    key: KeyEntry | None
    verdict: Verdict


def _manifest_env(name: str, ctx: Context) -> str:
    policy = ctx.manifest.policy
    if name in policy.environments:
        return name
    for env in policy.environments:
        if name.lower() in policy.words_for(env):
            return env
    return ""


def check_workflows(ctx: Context) -> list[WorkflowVerdict]:
    """A job bound to an environment must read the secret the manifest maps to that environment.

    GitHub gives a job the environment's secret of that name if there is one, else the
    repository's; the manifest says which is which with ``github://ENV/NAME`` and
    ``github://NAME``. Secrets the manifest does not mention are not judged.
    """
    by_secret: dict[str, list[KeyEntry]] = {}
    for entry in ctx.manifest.keys:
        if entry.secret is not None and entry.secret.github_secret:
            by_secret.setdefault(entry.secret.github_secret.upper(), []).append(entry)
    out = []
    for use in ctx.workflow_uses:
        keys = by_secret.get(use.secret.upper())
        if not keys or use.environment is None:
            continue
        pos, where = (use.line, use.column), use.path
        identity = f"{use.path}#{use.job}#{use.secret}"
        if use.dynamic:
            verdict = Verdict(inconclusive=f"job '{use.job}' picks its environment with an expression")
            out.append(WorkflowVerdict("", use, None, verdict))
            continue
        env = _manifest_env(use.environment, ctx)
        if not env:
            verdict = Verdict(inconclusive=f"GitHub environment '{use.environment}' is not one of the policy's environments")
            out.append(WorkflowVerdict("", use, None, verdict))
            continue
        scoped = [k for k in keys if (k.secret and k.secret.github_environment or "").lower() == use.environment.lower()]
        repo_level = [k for k in keys if k.secret and k.secret.github_environment is None]
        visible = scoped or repo_level
        mine = [k for k in visible if k.env == env]
        if mine:
            verdict = Verdict(detail=f"reads {mine[0].label}, a key of {env}")
            out.append(WorkflowVerdict(env, use, mine[0], verdict))
            continue
        if visible:
            other = visible[0]
            message = (
                f"job '{use.job}' (environment {use.environment}) reads secrets.{use.secret}, "
                f"which the manifest maps to '{other.label}' of environment '{other.env}'"
            )
        else:
            other = keys[0]
            envs = ", ".join(sorted({k.secret.github_environment or "" for k in keys if k.secret}))
            message = (
                f"job '{use.job}' (environment {use.environment}) reads secrets.{use.secret}, "
                f"which the manifest defines only for GitHub environment(s) {envs}"
            )
        issue = Issue(message, pos, path=where, identity=identity)
        out.append(WorkflowVerdict(env, use, other, Verdict((issue,))))
    return out

"""Run `byok-ci usage` for one environment: read each provider's admin API with the manifest's
organisation-scoped key, judge the environment's keys, build the one :class:`Report`.

The admin key is resolved like a drift key (``BYOK_CI_SECRET_<NAME>``, ``env://``,
``file://``, ``vault://``), sent only to the provider's official host from the installed
rules or a host the workflow allowed (drift's endpoint policy), never through a proxy, and
added to the run's scrubber so no message can quote it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.drift.endpoints import EndpointPolicy, base_url_variable, choose_base_url
from byok_ci.drift.http import Limits
from byok_ci.errors import AdminApiUnavailable, DriftError, ManifestError, UsageError
from byok_ci.model import Check, Finding, Report, ScanError, Stats, fingerprint
from byok_ci.usage import checks as c
from byok_ci.usage.model import ContainerSpend, KeySummary, Snapshot, Window

if TYPE_CHECKING:
    from byok_ci.config import Settings
    from byok_ci.drift.scrub import Scrubber
    from byok_ci.manifest.model import KeyEntry, Manifest
    from byok_ci.usage.client import AdminClient

COMMAND = "usage"
KEY_CHECKS = c.KEY_CHECKS


def _readers() -> dict[str, tuple[Callable[[str], dict[str, str]], Callable[[AdminClient, Window], Snapshot]]]:
    from byok_ci.usage import anthropic, openai

    return {"openai": (openai.headers, openai.read), "anthropic": (anthropic.headers, anthropic.read)}


PROVIDERS = ("openai", "anthropic")  # the providers whose admin API byok-ci reads
OWN_KEY = ("openrouter",)  # providers whose keys report their own usage (GET /key), read with the key itself


@dataclass(frozen=True)
class UsageOptions:
    """How a usage run behaves; the defaults suit a nightly CI job."""

    env: str
    keys: tuple[str, ...] = ()
    today: dt.date | None = None
    policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    limits: Limits = field(default_factory=Limits)
    deadline: float = 120.0
    jobs: int = 4
    strict: bool = False
    environ: Mapping[str, str] | None = None
    audit_logs: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsageResult:
    """The report, and the numbers the Markdown report draws (one per key with usage read)."""

    report: Report
    summaries: tuple[KeySummary, ...] = ()
    window: Window | None = None
    notes: tuple[str, ...] = ()  # what the providers did not report, per provider
    spend: tuple[ContainerSpend, ...] = ()  # per project or workspace of the environment


@dataclass
class _Admin:
    entry: KeyEntry
    secret: str = field(default="", repr=False)  # the admin key itself: never in a repr
    base_url: str = ""
    error: str = ""
    snapshot: Snapshot | None = None
    unavailable: str = ""
    info: dict[str, object] | None = None  # OpenRouter's GET /key
    failure: AdminApiUnavailable | None = None


def window_for(today: dt.date, manifest: Manifest) -> Window:
    usage = manifest.policy.usage
    last = today - dt.timedelta(days=1)
    first = min(today.replace(day=1), last - dt.timedelta(days=usage.baseline_days),
                today - dt.timedelta(days=usage.idle_days + 1))
    return Window(today, first, usage.baseline_days)


def select(manifest: Manifest, env: str, names: Sequence[str]) -> list[KeyEntry]:
    """The environment's keys (all, or those named); UsageError for a typo, with a suggestion."""
    from byok_ci.rules.ids import did_you_mean, quoted

    envs = {e.env for e in manifest.keys if e.env}
    if env not in envs:
        listed = f" (environments with keys: {', '.join(sorted(envs))})" if envs else ""
        raise UsageError(f"{manifest.path}: no keys for environment {quoted(env)}{did_you_mean(env, envs) or listed}")
    mine = [e for e in manifest.keys if e.env == env and e.name]
    for name in names:
        if name not in {e.name for e in mine}:
            raise UsageError(f"{manifest.path}: no key named {quoted(name)} in environment {quoted(env)}"
                             f"{did_you_mean(name, {e.name for e in mine})}")
    return [e for e in mine if not names or e.name in names]


def _resolve(admin: _Admin, options: UsageOptions, official: str | None, scrubber: Scrubber, rules: list,  # type: ignore[type-arg]
             manifest_path: Path, kind: str = "admin key") -> None:
    from byok_ci.drift.invalidate import has_key_format, key_rule
    from byok_ci.drift.secrets import resolve_secret
    from byok_ci.drift.targets import DriftTarget

    entry = admin.entry
    # file:// is relative to the manifest's directory, as for drift's keys.
    target = DriftTarget("", entry.name, entry.provider, str(entry.secret) if entry.secret else "",
                         entry.base_url, manifest=manifest_path.as_posix())
    try:
        secret = resolve_secret(target, options.environ, timeout=options.limits.read_timeout)
    except DriftError as exc:
        admin.error = f"{kind} {entry.name}: secret unavailable: {scrubber.scrub(str(exc))}"
        return
    rule = key_rule(secret, rules)
    scrubber.add(secret, rule.prefix if rule else "")
    import os

    environ = os.environ if options.environ is None else options.environ
    override = options.policy.override_for(entry.name) or environ.get(base_url_variable(entry.name), "").strip() or None
    try:
        admin.base_url = choose_base_url(official, entry.base_url, override, options.policy)
    except DriftError as exc:
        admin.error = f"{kind} {entry.name}: {exc}"
        return
    if any(not ("!" <= ch <= "~") for ch in secret):
        admin.error = f"{kind} {entry.name}: the secret has a space, control or non-ASCII character"
        return
    if not override and not has_key_format(secret, rules):
        admin.error = (f"{kind} {entry.name}: the secret does not have the format of any {entry.provider} key, "
                       f"so it is not sent; name the endpoint with --base-url {entry.name}=URL or "
                       f"{base_url_variable(entry.name)} for another format")
        return
    admin.secret = secret


def _key_secret(entry: KeyEntry, options: UsageOptions, manifest_path: Path, scrubber: Scrubber,
                rules: list) -> str | None:  # type: ignore[type-arg]
    """The entry's own secret when the run has it (``BYOK_CI_SECRET_<NAME>``, ``env://``, …), only
    to compare with the provider's redacted hint; never sent, added to the scrubber. None when
    it cannot be had: the key is then matched by name."""
    from byok_ci.drift.invalidate import key_rule
    from byok_ci.drift.secrets import resolve_secret
    from byok_ci.drift.targets import DriftTarget

    if entry.secret is None:
        return None
    target = DriftTarget(options.env, entry.name, entry.provider, str(entry.secret), manifest=manifest_path.as_posix())
    try:
        secret = resolve_secret(target, options.environ, timeout=options.limits.read_timeout)
    except DriftError:
        return None
    rule = key_rule(secret, rules)
    scrubber.add(secret, rule.prefix if rule else "")
    return secret or None


def run_usage(manifest_path: Path, options: UsageOptions, *, settings: Settings | None = None,
              shown: str | None = None, root: str = "") -> UsageResult:
    """Judge environment ``options.env``'s keys against the providers' admin APIs. Raises
    UsageError when the environment or a ``--key`` name is not in the manifest."""
    from byok_ci.config import Settings
    from byok_ci.detect.engine import Detector
    from byok_ci.drift.http import make_client
    from byok_ci.drift.probes import load_probes
    from byok_ci.drift.scrub import Scrubber
    from byok_ci.manifest.load import load_manifest
    from byok_ci.manifest.run import base_policy
    from byok_ci.rules import load_rules
    from byok_ci.rules.ids import rule_infos
    from byok_ci.usage.client import AdminClient

    started = time.monotonic()
    settings = settings or Settings()
    shown = shown or manifest_path.as_posix()
    ruleset = load_rules(extra=settings.rule_files, disabled=settings.disable_rules)
    errors: list[ScanError] = list(ruleset.errors)
    policy = base_policy(settings, errors)

    def result(checks: list[Check], findings: list[Finding], summaries: Sequence[KeySummary] = (),
               window: Window | None = None, notes: Sequence[str] = (),
               spend: Sequence[ContainerSpend] = ()) -> UsageResult:
        report = Report(COMMAND, sorted(findings, key=Finding.sort_key), errors,
                        Stats(files=1, seconds=time.monotonic() - started), rules_count=len(ruleset.rules),
                        rules_digest=ruleset.digest, rules=rule_infos("usage"), checks=checks, root=root)
        return UsageResult(report, tuple(summaries), window, tuple(notes), tuple(spend))

    try:
        manifest = load_manifest(manifest_path, base_policy=policy, providers=ruleset.providers, shown=shown)
    except ManifestError as exc:
        errors.append(ScanError(exc.path, exc.reason, exc.line, exc.column))
        return result([], [])
    entries = select(manifest, options.env, options.keys)
    window = window_for(options.today or dt.datetime.now(dt.timezone.utc).date(), manifest)
    scrubber = Scrubber(Detector(ruleset))
    probes, probe_errors = load_probes()
    errors.extend(probe_errors)
    # Which values may be sent is decided by the installed rules only: a rule file of the
    # checkout (`rule_files` in .byok-ci.yaml) could declare any format for a provider
    # (docs/drift.md#a-pull-request-cannot-steal-a-key), as drift and scan --verify hold.
    installed = ruleset if not settings.rule_files else load_rules()
    by_provider: dict[str, list] = {}  # type: ignore[type-arg]
    for rule in installed.rules:
        by_provider.setdefault(rule.provider, []).append(rule)
    admins: dict[str, _Admin] = {}
    for provider in sorted({e.provider for e in entries} & set(PROVIDERS)):
        org = [e for e in manifest.keys if e.organization and e.provider == provider and e.name]
        if not org:
            admins[provider] = _Admin(next(e for e in entries if e.provider == provider), error=(
                f"no organization-scoped {provider} admin key in the manifest (scope: organization, admin: true): "
                "the usage of this provider's keys cannot be read"))
            continue
        admins[provider] = admin = _Admin(org[0])
        official = probes[provider].default.base_url if provider in probes else None
        _resolve(admin, options, official, scrubber, by_provider.get(provider, []), manifest_path)

    # Keys that report their own usage (OpenRouter): resolved like drift keys, sent only to
    # the provider's host under the same policy.
    own: list[_Admin] = []
    for entry in (e for e in entries if e.provider in OWN_KEY):
        own.append(admin := _Admin(entry))
        official = probes[entry.provider].default.base_url if entry.provider in probes else None
        _resolve(admin, options, official, scrubber, by_provider.get(entry.provider, []), manifest_path, kind="key")

    deadline_at = started + options.deadline
    readers = _readers()
    ready = [a for a in (*admins.values(), *own) if a.secret]
    if ready:
        from byok_ci.usage import openrouter

        with make_client(None, options.environ) as http:
            def fetch(admin: _Admin) -> None:
                if admin.entry.provider in OWN_KEY:
                    client = AdminClient(http, admin.base_url, openrouter.headers(admin.secret), options.limits,
                                         deadline_at, scrubber)
                    try:
                        admin.info = openrouter.read_key(client)
                    except AdminApiUnavailable as exc:
                        admin.failure = AdminApiUnavailable(scrubber.scrub(exc.reason), exc.status)
                    return
                headers, read = readers[admin.entry.provider]
                client = AdminClient(http, admin.base_url, headers(admin.secret), options.limits, deadline_at, scrubber)
                try:
                    admin.snapshot = read(client, window)
                except AdminApiUnavailable as exc:
                    admin.unavailable = scrubber.scrub(exc.reason)
            with ThreadPoolExecutor(max_workers=max(1, min(options.jobs, len(ready)))) as pool:
                list(pool.map(fetch, ready))

    audit = None
    since = window.today - dt.timedelta(days=manifest.policy.usage.baseline_days)
    if options.audit_logs:
        texts = []
        for path in options.audit_logs:
            try:
                texts.append(Path(path).read_text(encoding="utf-8", errors="replace"))
            except OSError as exc:
                errors.append(ScanError(path, f"cannot read the audit log: {(exc.strerror or str(exc)).lower()}"))
        audit = c.AuditCounts.read(texts, since)

    build = _Build(options.env, manifest, options.strict, scrubber)
    summaries: list[KeySummary] = []
    prefixes = [r.prefix for r in ruleset.rules if r.prefix]
    for provider, admin in admins.items():
        if admin.error:
            error = ScanError(manifest.path, scrubber.scrub(admin.error), admin.entry.pos[0] or None)
            errors.append(error)
            for entry in (e for e in entries if e.provider == provider):
                for title in KEY_CHECKS:
                    build.add(c.Judgement(entry.name, title, "error", f"not checked: {error.message}", entry=entry),
                              error=error)
        elif admin.snapshot is None:
            reason = f"{provider} admin API: {admin.unavailable}"
            for entry in (e for e in entries if e.provider == provider):
                for title in KEY_CHECKS:
                    build.add(c.Judgement(entry.name, title, "inconclusive", reason, c.INCONCLUSIVE, entry))
            build.add(c.Judgement(provider, "unmanaged keys", "inconclusive", reason, c.INCONCLUSIVE, provider=provider),
                      line=admin.entry.pos[0])
        else:
            snapshot = admin.snapshot
            # The environment's entries are matched by the provider's hint of their secret when
            # the run has it; the other environments' by id or name only (their secrets are not
            # this job's to read).
            selected = {e.index for e in entries}
            matches = {e.index: c.match_key(e, snapshot, _key_secret(e, options, manifest_path, scrubber,
                                                                     by_provider.get(provider, []))
                                            if e.index in selected and not e.provider_key_id else None, prefixes)
                       for e in manifest.keys if e.provider == provider and e.name}
            for entry in (e for e in entries if e.provider == provider):
                judged, summary = c.judge_key(options.env, entry, snapshot, manifest.policy, window,
                                              matches[entry.index])
                for judgement in judged:
                    build.add(judgement)
                if summary is not None:
                    summaries.append(summary)
            declared = {key_id for match in matches.values() for key_id in match.claims}
            found = c.unmanaged(options.env, snapshot, declared, manifest.policy, prefixes)
            for judgement in found:
                build.add(judgement, line=admin.entry.pos[0])
            if not found:
                build.add(c.Judgement(provider, "unmanaged keys", "passed",
                                      f"every live {provider} key of {options.env}'s projects is declared",
                                      provider=provider),
                          line=admin.entry.pos[0])
    for admin in own:
        from byok_ci.usage import openrouter

        if admin.error:
            error = ScanError(manifest.path, scrubber.scrub(admin.error), admin.entry.pos[0] or None)
            errors.append(error)
            for title in ("in the provider's inventory", "within budget", *openrouter.NOT_REPORTED):
                build.add(c.Judgement(admin.entry.name, title, "error", f"not checked: {error.message}",
                                      entry=admin.entry), error=error)
            continue
        judged, summary = openrouter.judge(options.env, admin.entry, admin.info, admin.failure, manifest.policy, window)
        for judgement in judged:
            build.add(judgement if judgement.entry else replace(judgement, entry=admin.entry))
        if summary is not None:
            summaries.append(summary)
    for entry in entries:
        if entry.provider not in PROVIDERS and entry.provider not in OWN_KEY:
            build.add(c.Judgement(entry.name, "provider-side usage", "skipped",
                                  f"{entry.provider}: no admin usage API byok-ci reads (docs/usage.md)", entry=entry))
        judgement = c.check_auth_failures(options.env, entry, audit, since)
        build.add(judgement if judgement.entry else replace(judgement, entry=entry))
    notes = [f"{a.entry.provider}: {scrubber.scrub(gap)}" for a in admins.values() if a.snapshot
             for gap in a.snapshot.gaps]
    spend = [row for a in admins.values() if a.snapshot
             for row in c.container_spend(options.env, a.snapshot, manifest.policy, window)]
    return result(build.checks, build.findings, summaries, window, notes, spend)


class _Build:
    """Judgements into checks (suite ``usage/<env>``) and findings, with --strict applied."""

    def __init__(self, env: str, manifest: Manifest, strict: bool, scrubber: Scrubber) -> None:
        self.env, self.manifest, self.strict, self.scrubber = env, manifest, strict, scrubber
        self.checks: list[Check] = []
        self.findings: list[Finding] = []

    def add(self, judgement: c.Judgement, *, error: ScanError | None = None, line: int = 0) -> None:
        entry = judgement.entry
        line = line or (entry.pos[0] if entry else 1)
        message = self.scrubber.scrub(judgement.message, limit=600)
        finding = None
        if judgement.rule_id and judgement.outcome in ("failed", "warning", "inconclusive"):
            severity = "error" if judgement.outcome == "failed" or (self.strict and judgement.outcome == "inconclusive") \
                else "warning"
            finding = Finding(
                rule_id=judgement.rule_id, provider=entry.provider if entry else judgement.provider,
                severity=severity, path=self.manifest.path, line=line or 1, column=1,
                message=f"{self.env} / {judgement.key}: {message}", redacted=judgement.redacted,
                fingerprint=fingerprint(f"{judgement.rule_id}\0{self.env}\0{judgement.key}\0{judgement.check}"),
                key=judgement.key, env=self.env,
            )
            self.findings.append(finding)
        self.checks.append(Check(
            suite=f"usage/{self.env}", name=f"{self.env} / {judgement.key} / {judgement.check}",
            outcome=judgement.outcome, path=self.manifest.path, line=line, finding=finding, detail=message,
            error=error,
        ))

"""Run the drift probes of each key and turn their answers into checks and findings.

For each key: resolve its secret, pick the probe (by the key's type), pick the endpoint
under the security policy, then three probes — the real key must be accepted, a
deliberately invalidated twin must be refused with the provider's authentication error, no
credential must be refused — and, where the provider exposes it for free, a metadata check
against the manifest. Keys run concurrently (bounded); one key's probes run in order.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from byok_ci.rules.ids import rule_infos
from byok_ci.drift import model as m
from byok_ci.drift.audit import AuditLog
from byok_ci.drift.endpoints import EndpointPolicy, base_url_variable, choose_base_url
from byok_ci.errors import DriftError
from byok_ci.drift.http import Exchange, Limits, build_request, make_client, send
from byok_ci.drift.invalidate import has_key_format, invalidate, key_rule
from byok_ci.drift.metadata import CHECKERS
from byok_ci.drift.probes import Probe, ProviderProbes, load_probes
from byok_ci.drift.scrub import Scrubber
from byok_ci.drift.secrets import resolve_secret
from byok_ci.drift.targets import DriftTarget
from byok_ci.model import Check, DriftProbe, Finding, Report, ScanError, Stats, fingerprint, redact
from byok_ci.rules import Rule, RuleSet, load_rules

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class DriftOptions:
    """How a drift run behaves; the defaults suit CI."""

    policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    limits: Limits = field(default_factory=Limits)
    deadline: float = 120.0
    jobs: int = 4
    strict: bool = False
    paid_probes: Mapping[str, str] = field(default_factory=dict)  # provider -> paid probe name
    environ: Mapping[str, str] | None = None
    proxy: str | None = None  # from the workflow (--proxy, BYOK_CI_PROXY); https only
    rules_dir: Path | None = None
    rng: random.Random | None = None


@dataclass
class _Run:
    client: httpx.Client
    probes: dict[str, ProviderProbes]
    rules: dict[str, list[Rule]]
    scrubber: Scrubber
    audit: AuditLog
    options: DriftOptions
    deadline_at: float


@dataclass
class _KeyResult:
    checks: list[Check] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    redacted: str = ""
    fingerprint: str = ""


def run_drift(
    targets: Sequence[DriftTarget],
    options: DriftOptions | None = None,
    *,
    audit_stream: TextIO | None = None,
    ruleset: RuleSet | None = None,
    errors: Sequence[ScanError] = (),
    root: str = "",
) -> Report:
    """Probe every target; a problem with one key never stops the others. ``errors`` (the
    manifest's, say) come first in the report's; ``root`` is its report root."""
    from byok_ci.detect.engine import Detector

    options = options or DriftOptions()
    started = time.monotonic()
    ruleset = ruleset or load_rules([options.rules_dir] if options.rules_dir else None)
    probes, probe_errors = load_probes(options.rules_dir)
    report_errors = [*errors, *probe_errors]
    checks: list[Check] = []
    findings: list[Finding] = []
    by_provider: dict[str, list[Rule]] = {}
    for rule in ruleset.rules:
        by_provider.setdefault(rule.provider, []).append(rule)
    scrubber = Scrubber(Detector(ruleset))
    results: list[_KeyResult] = []
    try:
        client = make_client(options.proxy, options.environ)
    except ValueError as exc:
        report_errors.append(ScanError("drift", f"nothing was probed: {exc}"))
    else:
        with client:
            run = _Run(client, probes, by_provider, scrubber, AuditLog(audit_stream), options,
                       started + options.deadline)
            jobs = max(1, min(options.jobs, len(targets) or 1))
            with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="byok-drift") as pool:
                results = list(pool.map(lambda t: _probe_key(t, run), targets))
    for target, result in zip(targets, results):
        report_errors.extend(result.errors)
        found = _findings(target, result, options.strict)
        findings.extend(found)
        by_title = {f.message.split(": ")[1] if ": " in f.message else "": f for f in found}
        for check in result.checks:
            finding = by_title.get(check.drift.title) if check.drift and check.outcome in ("failed", "inconclusive") else None
            checks.append(replace(check, finding=finding) if finding else check)
    return Report(
        "drift", findings, report_errors, Stats(seconds=time.monotonic() - started), rules_count=len(ruleset.rules),
        rules_digest=ruleset.digest, rules=rule_infos("drift"), checks=checks, root=root,
    )


def _findings(target: DriftTarget, result: _KeyResult, strict: bool) -> list[Finding]:
    out = []
    for check in result.checks:
        probe = check.drift
        if check.outcome not in ("failed", "inconclusive") or probe is None or probe.rule_id is None:
            continue
        severity = "error" if check.outcome == "failed" or strict else "warning"
        out.append(Finding(
            rule_id=probe.rule_id, provider=probe.provider, severity=severity, path=target.manifest,
            line=target.line or 1, column=1,
            message=f"{probe.env} / {probe.key}: {probe.title}: {probe.reason}" if check.outcome == "failed"
            else f"{probe.env} / {probe.key}: {probe.title} is inconclusive: {probe.reason}",
            redacted=result.redacted, fingerprint=result.fingerprint, key=probe.key, env=probe.env,
        ))
    return out


def _check(target: DriftTarget, probe: str, outcome: str, reason: str, status: int | None = None,
           seconds: float = 0.0, rule_id: str | None = None, error: ScanError | None = None) -> Check:
    """The check of one probe of one key. Its name, ``<env> / <key> / <probe title>``, is the
    JUnit testcase name: the same in every run whatever the outcome, and free of messages,
    so runs can be compared."""
    if outcome == "inconclusive" and rule_id is None:
        rule_id = m.INCONCLUSIVE
    probed = DriftProbe(target.env, target.key_name, target.provider, probe, status, reason, rule_id)
    shown_status = f" (HTTP {status})" if status is not None else ""
    return Check(
        suite=f"drift/{target.env}",
        name=f"{target.env} / {target.key_name} / {probed.title}",
        outcome=outcome,
        seconds=round(seconds, 3),
        path=target.manifest,
        line=target.line or 0,
        detail=f"{target.provider}: {reason}{shown_status}".strip(),
        error=error,
        drift=probed,
    )


def _cannot_probe(target: DriftTarget, result: _KeyResult, reason: str) -> _KeyResult:
    """The key could not be probed: an error (the run is incomplete), not an inconclusive
    answer. Each probe it would have had is an error check, so its JUnit testcases keep
    their names from run to run."""
    error = ScanError(target.manifest, f"key {target.key_name}: {reason}", target.line or None)
    result.errors.append(error)
    for kind in ("real", "invalid", "no-auth"):
        result.checks.append(_check(target, kind, "error", f"not probed: {reason}", error=error))
    return result


def _probe_key(target: DriftTarget, run: _Run) -> _KeyResult:
    result = _KeyResult()
    provider = run.probes.get(target.provider)
    if provider is None:
        return _cannot_probe(target, result, f"provider {target.provider!r} has no drift probe in the shipped rules")
    paid = run.options.paid_probes.get(target.provider)
    if provider.default.none and not provider.key_types and not paid:
        for kind in ("real", "invalid", "no-auth"):
            result.checks.append(_check(target, kind, "skipped", f"no free probe: {provider.default.none}"))
        return result
    try:
        secret = resolve_secret(target, run.options.environ, timeout=run.options.limits.read_timeout,
                                proxy=run.options.proxy)
    except DriftError as exc:
        return _cannot_probe(target, result, f"secret unavailable: {run.scrubber.scrub(str(exc))}")
    rules = run.rules.get(target.provider, [])
    rule = key_rule(secret, rules)
    prefix = rule.prefix if rule else ""
    run.scrubber.add(secret, prefix)
    result.redacted, result.fingerprint = redact(secret, prefix), fingerprint(secret)

    probe = provider.for_rule(rule.id if rule else None)
    if paid:
        if paid not in provider.paid:
            known = ", ".join(sorted(provider.paid)) or "none"
            return _cannot_probe(target, result, f"no paid probe named {paid!r} for {target.provider} (known: {known})")
        probe = provider.paid[paid]
    if probe.none:
        for kind in ("real", "invalid", "no-auth"):
            result.checks.append(_check(target, kind, "skipped", f"no free probe: {probe.none}"))
        return result
    override = run.options.policy.override_for(target.key_name)
    try:
        base_url = choose_base_url(probe.base_url, target.base_url, override, run.options.policy)
    except DriftError as exc:
        return _cannot_probe(target, result, str(exc))
    # Before the format check: a stray character in a real key deserves the precise message.
    odd = _unsendable(secret)
    if odd:
        return _cannot_probe(target, result, f"secret unavailable: {odd}")
    if not override and not has_key_format(secret, rules):
        # The manifest chose both the value (env://, file://, vault://) and, by its provider,
        # the host: send only what is a key of that provider, not any readable secret.
        return _cannot_probe(target, result, (
            f"the secret does not have the format of any {target.provider} key rule, so it is not sent "
            f"to a host the checkout chose; for a key of another format (a gateway's own keys), name its "
            f"endpoint in the workflow with --base-url {target.key_name}=URL or {base_url_variable(target.key_name)}"
        ))

    invalid = invalidate(secret, rules, run.options.rng)
    run.scrubber.add(invalid, prefix)
    real = _exchange(run, target, probe, base_url, "real", secret)
    result.checks.append(_judge(target, probe, "real", real, run.scrubber))
    result.checks.append(_judge(target, probe, "invalid", _exchange(run, target, probe, base_url, "invalid", invalid),
                                run.scrubber))
    result.checks.append(_judge(target, probe, "no-auth", _exchange(run, target, probe, base_url, "no-auth", None),
                                run.scrubber))
    if probe.metadata and probe.metadata in CHECKERS:
        result.checks.append(_metadata(target, probe, real, result.checks[0], run.scrubber))
    return result


def _unsendable(secret: str) -> str:
    """Why the secret cannot travel in a header (what is wrong and where, never the value), or ""."""
    for index, char in enumerate(secret):
        if not ("!" <= char <= "~"):
            kind = "a non-ASCII character" if ord(char) > 127 else "a space or control character"
            return (f"the secret has {kind} at position {index + 1}; a key is printable ASCII "
                    "(check the stored value for a stray character from copy and paste)")
    return ""


def _exchange(run: _Run, target: DriftTarget, probe: Probe, base_url: str, kind: str, credential: str | None) -> Exchange:
    exchange = send(run.client, build_request(probe, base_url, credential), limits=run.options.limits,
                    deadline_at=run.deadline_at, scrubber=run.scrubber)
    meaning = meaning_of(probe, exchange)[0]
    for i, entry in enumerate(exchange.log):
        run.audit.record(
            env=target.env, key=target.key_name, provider=target.provider, probe=kind,
            fingerprint=fingerprint(credential) if credential else None, **entry,
            outcome=meaning if i == len(exchange.log) - 1 else "retry",
        )
    return exchange


def meaning_of(probe: Probe, ex: Exchange) -> tuple[str, str]:
    """valid | invalid | inconclusive | rate-limited | server-error | redirect | unexpected | error."""
    if ex.status is None:
        return "error", ex.error
    if ex.status == 429 and ex.error:
        return "rate-limited", ex.error
    if 300 <= ex.status < 400:
        host = urlsplit(ex.location).hostname or "elsewhere"
        return "redirect", f"redirected ({ex.status}) to {host}; redirects are never followed with a key"
    classified = probe.classify(ex.status, ex.text)
    if classified is not None:
        return classified
    if ex.status >= 500:
        return "server-error", f"server error {ex.status}"
    return "unexpected", ""


def error_summary(text: str, scrubber: Scrubber) -> str:
    """The provider's error code and message, scrubbed; a short excerpt of a non-JSON body."""
    try:
        body: Any = json.loads(text) if text else None
    except (ValueError, RecursionError):  # RecursionError: nested past the recursion limit
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body))
        if isinstance(error, dict):
            for name in ("status", "code", "type", "reason", "title"):
                value = error.get(name)
                if isinstance(value, (str, int)) and str(value) not in parts:
                    parts.append(str(value))
            message = error.get("message", error.get("detail"))
            if isinstance(message, str):
                parts.append(message)
        elif isinstance(error, str):
            parts.append(error)
    elif text:
        parts.append(text[:200])
    return scrubber.scrub(": ".join(parts), limit=200)


def _judge(target: DriftTarget, probe: Probe, kind: str, ex: Exchange, scrubber: Scrubber) -> Check:
    meaning, note = meaning_of(probe, ex)
    # A redirect's host, an answer table's note: text the server chose, scrubbed like its body.
    note = scrubber.scrub(note)
    status = ex.status

    def done(outcome: str, reason: str, rule_id: str | None = None) -> Check:
        summary = error_summary(ex.text, scrubber) if status and status >= 300 and outcome != "passed" else ""
        if summary:
            reason = f"{reason} ({summary})"
        return _check(target, kind, outcome, reason, status, ex.seconds, rule_id)

    if meaning in ("error", "rate-limited", "redirect", "server-error", "inconclusive"):
        return done("inconclusive", note or f"answer {status} tells nothing about the key")
    noted = f"; {note}" if note else ""
    assert status is not None
    if kind == "real":
        if meaning == "valid":
            return done("passed", f"accepted ({status}{noted})")
        if meaning == "invalid":
            return done("failed", f"refused with the provider's authentication error {status}{noted}", m.REAL_KEY_REFUSED)
        if status < 300:
            return done("inconclusive", f"unexpected answer {status}")
        return done("failed", f"refused with {status}, an answer the probe does not expect", m.REAL_KEY_REFUSED)
    if kind == "invalid":
        if meaning == "invalid":
            return done("passed", f"refused with the provider's authentication error ({status}{noted})")
        if meaning == "valid" or status < 300:
            return done("failed", f"an invalidated key was accepted ({status}{noted}): authentication is not enforced",
                        m.INVALID_KEY_ACCEPTED)
        return done("failed", f"refused with {status}, but not with the provider's authentication error",
                    m.REFUSED_WITHOUT_AUTH_ERROR)
    # no-auth: any refusal will do (the provider may word it differently from a bad key),
    # including a 200 the answer table reads as invalid (Cohere's valid: false).
    if meaning == "invalid":
        return _check(target, kind, "passed", f"refused ({status}{noted})", status, ex.seconds)
    if status < 300:
        return done("failed", f"a request without a key was accepted ({status}): authentication is not enforced",
                    m.NO_AUTH_ACCEPTED)
    if 400 <= status < 500:
        return _check(target, kind, "passed", f"refused ({status})", status, ex.seconds)
    return done("inconclusive", f"unexpected answer {status}")


def _metadata(target: DriftTarget, probe: Probe, real: Exchange, real_check: Check, scrubber: Scrubber) -> Check:
    if real_check.outcome != "passed":
        return _check(target, "metadata", "skipped", "not checked: the real key was not accepted")
    try:
        body = json.loads(real.text)
    except (ValueError, RecursionError):
        return _check(target, "metadata", "inconclusive", "the metadata answer is not JSON", real.status)
    problems = CHECKERS[probe.metadata or ""](body, target)
    if problems:
        reason = scrubber.scrub("; ".join(problems))
        return _check(target, "metadata", "failed", reason, real.status, rule_id=m.METADATA_MISMATCH)
    return _check(target, "metadata", "passed", "expiry, limits and scopes agree with the manifest", real.status)

"""`scan --verify`: ask each found key's provider whether the key still works.

For each distinct key a scan reported (by fingerprint) this sends the same request as the
`real` probe of `byok-ci drift`, through the same guard: the probe and its host come from
the installed rules only (never a rule file, base URL, allowlist or proxy of the checkout or
of the environment's ``*_PROXY``), no redirect is followed, answers are read to a bound,
at most ``jobs`` keys are in flight, every request is within the run's deadline, and each
request is one line of the audit log (fingerprint, never the key).

The raw keys come from :class:`~byok_ci.vault.KeyVault`, which detection filled during the
scan; :func:`verified_scan` clears it when the run ends, so the values live in this process's
memory for the length of the run and nowhere else. What comes back is a
:class:`~byok_ci.model.Verification` on each finding: ``live``, ``revoked`` or ``unknown``
with the reason (no free probe, rate-limited, network, deadline, inconclusive, not-held).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from byok_ci.drift.audit import AuditLog
from byok_ci.drift.endpoints import EndpointPolicy, choose_base_url
from byok_ci.drift.http import Limits, build_request, make_client, send
from byok_ci.drift.probes import ProviderProbes, load_probes
from byok_ci.drift.scrub import Scrubber
from byok_ci.errors import DriftError
from byok_ci.model import Finding, Report, ScanError, Verification
from byok_ci.rules import Rule, RuleSet, load_rules
from byok_ci.vault import KeyVault

if TYPE_CHECKING:
    import httpx

__all__ = ["VerifyOptions", "verified_scan", "verify_report"]


@dataclass(frozen=True)
class VerifyOptions:
    """How verification behaves. ``policy`` is drift's endpoint policy; its base URL
    overrides are keyed by provider id and come only from the workflow's command line
    (``--base-url PROVIDER=URL``, for tests against a loopback stand-in): never from a file."""

    policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    limits: Limits = field(default_factory=Limits)
    deadline: float = 60.0
    jobs: int = 4
    rules_dir: Path | None = None  # the installed rules (tests may point at a copy)


@dataclass
class _Run:
    client: httpx.Client | None
    client_error: str
    probes: dict[str, ProviderProbes]
    rules: dict[str, Rule]
    by_provider: dict[str, list[Rule]]
    scrubber: Scrubber
    audit: AuditLog
    options: VerifyOptions
    deadline_at: float


def verified_scan(scan: Callable[[KeyVault], Report], options: VerifyOptions | None = None, *,
                  audit_stream: TextIO | None = None) -> Report:
    """Run ``scan`` with a vault for its keys, verify what it found, and forget the keys."""
    keys = KeyVault()
    try:
        report = scan(keys)
        return verify_report(report, keys, options, audit_stream=audit_stream)
    finally:
        keys.clear()


def verify_report(report: Report, keys: KeyVault, options: VerifyOptions | None = None, *,
                  audit_stream: TextIO | None = None, ruleset: RuleSet | None = None) -> Report:
    """``report`` with a verification on each finding whose key ``keys`` holds (the others:
    unknown, not-held). Problems loading probes are warnings: verification is advice."""
    from byok_ci.detect.engine import Detector

    options = options or VerifyOptions()
    if not report.findings:
        return report
    ruleset = ruleset or load_rules([options.rules_dir] if options.rules_dir else None)
    probes, probe_errors = load_probes(options.rules_dir)
    scrubber = Scrubber(Detector(ruleset))
    rules = {rule.id: rule for rule in ruleset.rules}
    held: dict[str, tuple[str, str]] = {}
    for finding in report.findings:
        entry = keys.get(finding.fingerprint)
        if entry is not None and finding.fingerprint not in held:
            held[finding.fingerprint] = entry
            rule = rules.get(entry[0])
            scrubber.add(entry[1], rule.prefix if rule else "")
    verdicts: dict[str, Verification] = {}
    client, client_error = None, ""
    if held:
        try:
            client = make_client(None)  # no proxy: a found key goes straight to its provider
        except ValueError as exc:
            client_error = str(exc)
    by_provider: dict[str, list[Rule]] = {}
    for rule in ruleset.rules:
        by_provider.setdefault(rule.provider, []).append(rule)
    run = _Run(client, client_error, probes, rules, by_provider, scrubber, AuditLog(audit_stream), options,
               time.monotonic() + options.deadline)
    try:
        jobs = max(1, min(options.jobs, len(held) or 1))
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="byok-verify") as pool:
            for fp, verdict in zip(held, pool.map(lambda item: _verify(item[0], item[1], run), held.items())):
                verdicts[fp] = verdict
    finally:
        if client is not None:
            client.close()
    findings = [_with(f, verdicts.get(f.fingerprint, _NOT_HELD)) for f in report.findings]
    warnings = [ScanError(e.path, f"verification: {e.message}", e.line) for e in probe_errors]
    return replace(report, findings=findings, warnings=(*report.warnings, *warnings))


_NOT_HELD = Verification("unknown", "not-held", "the key was found in a name, not in content, and was not sent")


def _with(finding: Finding, verdict: Verification) -> Finding:
    return replace(finding, verified=verdict, message=f"{finding.message}; {verdict.text()}")


def _verify(fp: str, entry: tuple[str, str], run: _Run) -> Verification:
    rule_id, secret = entry
    rule = run.rules.get(rule_id)
    provider_id = rule.provider if rule else ""
    provider = run.probes.get(provider_id)
    if provider is None:
        return Verification("unknown", "no-free-probe", f"{provider_id or rule_id} has no probe in the installed rules")
    probe = provider.for_rule(rule_id)
    if probe.none:
        return Verification("unknown", "no-free-probe", run.scrubber.scrub(probe.none, limit=160))
    try:
        base_url = choose_base_url(probe.base_url, None, run.options.policy.override_for(provider_id),
                                   run.options.policy)
    except DriftError as exc:
        return Verification("unknown", "no-free-probe", f"not sent: {run.scrubber.scrub(str(exc), limit=160)}")
    if not all("!" <= char <= "~" for char in secret):
        return Verification("unknown", "inconclusive", "not sent: the key has a character a header cannot carry")
    from byok_ci.drift.invalidate import has_key_format

    if not has_key_format(secret, run.by_provider.get(provider_id, [])):
        # A rule file of the checkout may reuse a shipped rule's id for a broader pattern:
        # only a value in the format of one of the provider's installed rules is sent.
        return Verification("unknown", "not-key-format",
                            f"not sent: not in the format of any installed {provider_id} key rule")
    if run.client is None:
        return Verification("unknown", "network", f"nothing was sent: {run.client_error}")
    if time.monotonic() >= run.deadline_at:
        return Verification("unknown", "deadline", f"not sent: the {run.options.deadline:g}s deadline had passed")
    from byok_ci.drift.engine import error_summary, meaning_of

    exchange = send(run.client, build_request(probe, base_url, secret), limits=run.options.limits,
                    deadline_at=run.deadline_at, scrubber=run.scrubber)
    meaning, note = meaning_of(probe, exchange)
    for i, entry_log in enumerate(exchange.log):
        run.audit.record(command="scan --verify", provider=provider_id, rule_id=rule_id, probe="real",
                         fingerprint=fp, **entry_log, outcome=meaning if i == len(exchange.log) - 1 else "retry")
    host = urlsplit(base_url).hostname or base_url
    status = exchange.status
    note = run.scrubber.scrub(note, limit=160)
    if meaning == "valid":
        return Verification("live", detail=f"{host} accepted it, HTTP {status}" + (f"; {note}" if note else ""))
    if meaning == "invalid":
        summary = error_summary(exchange.text, run.scrubber)
        shown = f"{host} refused it, HTTP {status}" + (f": {summary}" if summary else "")
        return Verification("revoked", detail=run.scrubber.scrub(shown, limit=200))
    if meaning == "rate-limited":
        return Verification("unknown", "rate-limited", f"{host}: {run.scrubber.scrub(exchange.error, limit=160)}")
    if meaning == "error":
        error = run.scrubber.scrub(exchange.error, limit=160)
        reason = "deadline" if "deadline" in error else "network"
        return Verification("unknown", reason, f"{host}: {error}")
    why = note or (f"answer {status} tells nothing about the key" if status is not None else "no answer")
    return Verification("unknown", "inconclusive", f"{host}: {why}")

"""`byok-ci check`: every job a repository configures, in one run with one set of reports.

Jobs: ``scan`` (the CI event's commits, or the working tree), ``artifacts`` (build output),
``manifest`` (the key manifest's checks) and ``drift`` (live key probes for an
environment). Each job's results become :class:`~byok_ci.model.Check` records in a suite of
its own (``scan``, ``artifacts``, ``manifest/<env>``, ``drift/<env>``), so one JUnit file,
one SARIF file and one JSON file describe the whole run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from byok_ci.config import Settings
from byok_ci.github_event import PlanError, ScanPlan, ensure_range, plan_from_event
from byok_ci.model import Check, Finding, Report, ScanError

JOBS = ("scan", "artifacts", "manifest", "drift")
FAIL_ON = ("leaks", "policy", "drift", "inconclusive")
DEFAULT_FAIL_ON = ("leaks", "policy", "drift")
MANIFEST_NAME = "byok.yaml"


@dataclass(frozen=True)
class CheckOptions:
    """What to run; empty fields fall back to the config's `check:` section, then defaults."""

    run: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = ()
    manifest: str | None = None
    drift_env: str | None = None
    git_range: str | None = None
    scheduled: str | None = None
    fail_on: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    allow_shallow: bool = False
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass
class CheckResult:
    report: Report
    fail_on: tuple[str, ...]
    notices: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        failed = [c for c in self.report.checks if c.outcome == "failed"]
        return {
            "findings": len(self.report.findings),
            "leaks": sum(1 for c in failed if c.suite in ("scan", "artifacts")),
            "policy-failures": sum(1 for c in failed if c.suite.startswith("manifest/")),
            "drift-failures": sum(1 for c in failed if c.suite.startswith("drift/")),
            "inconclusive": sum(1 for c in self.report.checks if c.outcome == "inconclusive"),
        }

    def exit_code(self) -> int:
        """The core precedence (1, then 2, then 4), counting only what ``fail_on`` names."""
        counts = self.counts()
        if any(counts[name] for name in ("leaks", "policy-failures", "drift-failures")
               if name.split("-")[0] in self.fail_on):
            return 1
        if "inconclusive" in self.fail_on and counts["inconclusive"]:
            return 1
        if any(e.blocking for e in self.report.errors):
            return 2
        return 0

    def result(self) -> str:
        return {0: "pass", 1: "fail", 2: "incomplete"}.get(self.exit_code(), "fail")


class CheckUsageError(ValueError):
    """The check configuration names an unknown job or option value."""


def _listed(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.replace(",", " ").split() if v)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CheckUsageError(f"check: '{name}' must be a string or a list of strings")


def resolve_options(options: CheckOptions, settings: Settings) -> CheckOptions:
    """Command line first, then the config's `check:` section, then defaults."""
    section = dict(settings.check or {})
    known = {"run", "paths", "artifacts", "manifest", "drift_env", "scheduled", "fail_on", "allow_hosts"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise CheckUsageError(f"check: unknown field '{unknown[0]}' (known: {', '.join(sorted(known))})")
    run = options.run or _listed(section.get("run"), "run")
    manifest = options.manifest or (str(section["manifest"]) if section.get("manifest") else None)
    drift_env = options.drift_env or (str(section["drift_env"]) if section.get("drift_env") else None)
    artifacts = options.artifacts or _listed(section.get("artifacts"), "artifacts")
    if not run:
        run = ("scan",) + (("artifacts",) if artifacts else ()) + (
            ("manifest",) if Path(manifest or MANIFEST_NAME).is_file() else ()) + (("drift",) if drift_env else ())
    for job in run:
        if job not in JOBS:
            raise CheckUsageError(f"unknown job {job!r} (jobs: {', '.join(JOBS)})")
    fail_on = options.fail_on or _listed(section.get("fail_on"), "fail_on") or DEFAULT_FAIL_ON
    for item in fail_on:
        if item not in FAIL_ON:
            raise CheckUsageError(f"unknown fail-on value {item!r} (values: {', '.join(FAIL_ON)})")
    scheduled = options.scheduled or str(section.get("scheduled") or "history")
    if scheduled not in ("history", "tree"):
        raise CheckUsageError("scheduled must be 'history' or 'tree'")
    return replace(
        options,
        run=tuple(dict.fromkeys(run)),
        paths=options.paths or _listed(section.get("paths"), "paths") or (".",),
        artifacts=artifacts,
        manifest=manifest,
        drift_env=drift_env,
        scheduled=scheduled,
        fail_on=tuple(fail_on),
        allow_hosts=options.allow_hosts or _listed(section.get("allow_hosts"), "allow_hosts"),
    )


def findings_as_checks(report: Report, suite: str, what: str) -> list[Check]:
    """A failing check per finding, and one more saying what was clean, or (an error in
    JUnit, never "passed") that the scan could not read everything it had to."""
    checks = [
        Check(suite=suite, name=f"{f.rule_id} in {f.path}:{f.line}", outcome="failed" if f.severity == "error" else "warning",
              path=f.path, line=f.line, finding=f, detail=f.message)
        for f in report.sorted_findings()
    ]
    blocking = [e for e in report.errors if e.blocking]
    if blocking:
        shown = "; ".join(e.one_line() for e in blocking[:3])
        more = f"; and {len(blocking) - 3} more" if len(blocking) > 3 else ""
        checks.insert(0, Check(suite=suite, name=f"{suite} incomplete", outcome="incomplete",
                               seconds=report.stats.seconds, detail=f"could not scan {shown}{more}"))
    elif not any(c.outcome == "failed" for c in checks):
        checks.insert(0, Check(suite=suite, name=f"no leaks found in {what}", outcome="passed",
                               seconds=report.stats.seconds))
    return checks


def _scan_job(options: CheckOptions, settings: Settings, notices: list[str]) -> Report:
    from byok_ci.scan import scan_paths

    plan: ScanPlan | None
    if options.git_range:
        base, sep, head = options.git_range.partition("..")
        if not sep:
            raise CheckUsageError("--range takes BASE..HEAD")
        plan = ScanPlan("range", base, head)
    else:
        plan = plan_from_event(options.environ, scheduled=options.scheduled or "history")
    if plan is None or plan.mode == "tree":
        if plan is not None and plan.notice:
            notices.append(plan.notice)
        return scan_paths(options.paths, settings=settings)
    if plan.mode == "nothing":
        notices.append(plan.notice)
        report = Report(command="scan")
        report.checks.append(Check(suite="scan", name=f"nothing to scan: {plan.notice}", outcome="passed"))
        return report
    from byok_ci.scan_git import GitTarget, scan_git

    try:
        plan = ensure_range(Path.cwd(), plan)
    except PlanError as exc:
        report = Report(command="scan")
        report.errors.append(ScanError("git", str(exc)))
        return report
    if plan.notice:
        notices.append(plan.notice)
    if plan.mode == "history":
        target = GitTarget("history")
    elif plan.mode == "commits":
        target = GitTarget("pre-push", push_from="0" * 40, push_to=plan.head, known=plan.known)
    else:
        target = GitTarget("range", revision=f"{plan.base}..{plan.head}")
    return scan_git(target, settings=settings, allow_shallow=options.allow_shallow, on_note=notices.append)


def _manifest_job(options: CheckOptions, settings: Settings) -> Report:
    from byok_ci.manifest import check_manifest

    return check_manifest(options.manifest or MANIFEST_NAME, settings=settings)


def _drift_job(options: CheckOptions, settings: Settings) -> Report:
    from byok_ci.drift import DriftOptions, load_targets, run_drift
    from byok_ci.drift.endpoints import policy_from

    if not options.drift_env:
        raise CheckUsageError("the drift job needs an environment (--drift-env or check: drift_env)")
    manifest = Path(options.manifest or MANIFEST_NAME)
    targets, errors = load_targets(manifest, options.drift_env)
    policy = policy_from((), options.allow_hosts, False, options.environ, [t.key_name for t in targets])
    report = run_drift(targets, DriftOptions(policy=policy, environ=options.environ))
    report.errors[:0] = errors
    return report


def run_check(options: CheckOptions, settings: Settings) -> CheckResult:
    """Run the jobs ``options`` (after :func:`resolve_options`) name; never raises for bad input."""
    from byok_ci.scan import scan_paths

    notices: list[str] = []
    combined = Report(command="check")
    for job in options.run:
        if job == "scan":
            part = _scan_job(options, settings, notices)
            checks = part.checks or findings_as_checks(part, "scan", _scanned(part))
        elif job == "artifacts":
            part = scan_paths(options.artifacts, settings=settings)
            checks = findings_as_checks(part, "artifacts", _scanned(part))
        elif job == "manifest":
            part = _manifest_job(options, settings)
            checks = part.checks
        else:
            part = _drift_job(options, settings)
            checks = part.checks
        combined.findings.extend(part.findings)
        combined.errors.extend(part.errors)
        combined.warnings.extend(part.warnings)
        combined.checks.extend(checks)
        combined.rules.update(part.rules)
        combined.stats.files += part.stats.files
        combined.stats.bytes += part.stats.bytes
        combined.stats.seconds += part.stats.seconds
        if part.stats.commits is not None:
            combined.stats.commits = (combined.stats.commits or 0) + part.stats.commits
        combined.rules_count = max(combined.rules_count, part.rules_count)
        combined.rules_digest = combined.rules_digest or part.rules_digest
    combined.findings.sort(key=Finding.sort_key)
    return CheckResult(combined, options.fail_on, notices)


def _scanned(report: Report) -> str:
    commits = report.stats.commits
    return f"{commits} commits" if commits is not None else f"{report.stats.files} files"


def drift_matrix(report: Report) -> str:
    """Markdown: environment × key, each probe's outcome (for the job summary)."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for check in report.checks:
        if not check.suite.startswith("drift/"):
            continue
        env, key, probe = (check.name.split(" / ", 2) + ["", ""])[:3]
        rows.setdefault((env, key), {})[probe] = check.outcome
    if not rows:
        return ""
    probes = sorted({p for cells in rows.values() for p in cells})
    lines = ["| environment | key | " + " | ".join(probes) + " |", "|---|---|" + "---|" * len(probes)]
    for (env, key), cells in sorted(rows.items()):
        lines.append(f"| {env} | {key} | " + " | ".join(cells.get(p, "") for p in probes) + " |")
    return "\n".join(lines) + "\n"



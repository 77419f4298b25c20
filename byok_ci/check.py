"""`byok-ci check`: every job a repository configures, in one run with one set of reports.

Jobs: ``scan`` (the CI event's commits, or the working tree), ``artifacts`` (build output),
``manifest`` (the key manifest's checks) and ``drift`` (live key probes for an
environment). Each job's results become :class:`~byok_ci.model.Check` records in a suite of
its own (``scan``, ``artifacts``, ``manifest/<env>``, ``drift/<env>``), so one JUnit file,
one SARIF file and one JSON file describe the whole run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from byok_ci.config import Settings
from byok_ci.errors import CheckUsageError, PlanError
from byok_ci.exitcodes import DEFAULT_FAIL_ON, FAIL_ON, RESULTS, exit_code, suite_category
from byok_ci.github_event import ScanPlan, ensure_range, plan_from_event
from byok_ci.model import Check, Finding, Report, ScanError, Stats
from byok_ci.paths import report_root, shown_path

MANIFEST_NAME = "byok.yaml"
_SECTION = "#/properties/check"  # the config schema's `check:` section: its fields, jobs and values


def jobs() -> tuple[str, ...]:
    """The jobs `byok-ci check` runs (the config schema's ``check.run`` values)."""
    from byok_ci.schemas import enum

    return enum("config", f"{_SECTION}/properties/run/anyOf/1/items")


def workflow_only() -> dict[str, str]:
    """Fields of `check:` that decide where a key is sent, and what to say about them.

    A pull request can edit the config, so these come from the command line or the
    workflow's environment only (Security round 2, item 1); the schema marks them deprecated,
    so an editor says so as they are typed.
    """
    from byok_ci.schemas import cached_schema, resolve

    fields = resolve(cached_schema("config"), _SECTION)["properties"]
    return {name: spec["deprecationMessage"] for name, spec in fields.items() if "deprecationMessage" in spec}


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
    allow_hosts: tuple[str, ...] = ()  # from the command line and environment only, never the config
    proxy: str | None = None  # likewise
    allow_shallow: bool = False
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # As `--strict` of `manifest check` and `drift`: warnings and inconclusive checks fail.
    strict: bool = False
    # The drift job's own options (None: the drift defaults).
    timeout: float | None = None
    deadline: float | None = None
    audit_log: str | None = None
    allow_insecure_loopback: bool = False


@dataclass(frozen=True)
class CheckResult:
    """The run's report, what fails it (``fail_on``), and notices for the job's log."""

    report: Report
    fail_on: tuple[str, ...]
    notices: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        failed = [suite_category(c.suite) for c in self.report.checks if c.outcome == "failed"]
        return {
            "findings": len(self.report.findings),
            "leaks": failed.count("leaks"),
            # `manifest` (inline-secret, schema) as well as `manifest/<env>`.
            "policy-failures": failed.count("policy"),
            "drift-failures": failed.count("drift"),
            "inconclusive": sum(1 for c in self.report.checks if c.outcome == "inconclusive"),
        }

    def exit_code(self) -> int:
        """The run's exit code: :func:`byok_ci.exitcodes.exit_code`, counting what ``fail_on`` names."""
        return exit_code(self.report, fail_on=self.fail_on)

    def result(self) -> str:
        return RESULTS[self.exit_code()]


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
    _validate_section(settings)
    section = dict(settings.check or {})
    run = options.run or _listed(section.get("run"), "run")
    manifest = options.manifest or (str(section["manifest"]) if section.get("manifest") else None)
    drift_env = options.drift_env or (str(section["drift_env"]) if section.get("drift_env") else None)
    artifacts = options.artifacts or _listed(section.get("artifacts"), "artifacts")
    if not run:
        run = ("scan",) + (("artifacts",) if artifacts else ()) + (
            ("manifest",) if Path(manifest or MANIFEST_NAME).is_file() else ()) + (("drift",) if drift_env else ())
    for job in run:
        if job not in jobs():
            raise CheckUsageError(f"unknown job {job!r} (jobs: {', '.join(jobs())})")
    fail_on = options.fail_on or _listed(section.get("fail_on"), "fail_on") or DEFAULT_FAIL_ON
    for item in fail_on:
        if item not in FAIL_ON:
            raise CheckUsageError(f"unknown fail-on value {item!r} (values: {', '.join(FAIL_ON)})")
    scheduled = options.scheduled or str(section.get("scheduled") or "history")
    from byok_ci.schemas import enum

    if scheduled not in enum("config", f"{_SECTION}/properties/scheduled"):
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
    )


def _validate_section(settings: Settings) -> None:
    """Raise CheckUsageError, naming the config's file and line, for what breaks the schema in `check:`."""
    from byok_ci.schemas.validate import describe, position, validate

    section = settings.check or {}
    problems = validate(section, "config", _SECTION)
    if problems:
        first = min(problems, key=lambda v: position(section, v)[0] or 0)
        line = position(section, first)[0]
        where = settings.config_path.as_posix() if settings.config_path is not None else ".byok-ci.yaml"
        raise CheckUsageError(f"{where}{f':{line}' if line else ''}: check: {describe(first)}")


def workflow_only_errors(settings: Settings, root: Path) -> list[ScanError]:
    """One error per field of the config's `check:` section that only the workflow may set."""
    section = settings.check or {}
    shown = shown_path(settings.config_path, root) if settings.config_path is not None else ".byok-ci.yaml"
    errors = []
    for name, why in workflow_only().items():
        if name in section:
            line_of = getattr(section, "line_of", None)
            errors.append(ScanError(shown, f"check: '{name}' {why}", line_of(name) if line_of else None))
    return errors


def findings_as_checks(report: Report, suite: str, what: str) -> list[Check]:
    """A failing check per finding, and one more saying what was clean, or (an error in
    JUnit, never "passed") that the scan could not read everything it had to: that one
    check stands for every such error."""
    checks = [
        Check(suite=suite, name=f"{f.rule_id} in {f.path}:{f.line}", outcome="failed" if f.severity == "error" else "warning",
              path=f.path, line=f.line, finding=f, detail=f.message)
        for f in report.sorted_findings()
    ]
    blocking = tuple(e for e in report.errors if e.blocking)
    if blocking:
        # A scan that could not run is an error testcase, never "passed" (exit 2 says incomplete).
        shown = "; ".join(e.one_line() for e in blocking[:3])
        more = f"; and {len(blocking) - 3} more" if len(blocking) > 3 else ""
        checks.insert(0, Check(suite=suite, name=f"{suite} incomplete", outcome="error",
                               seconds=report.stats.seconds, detail=f"could not scan {shown}{more}", errors=blocking))
    elif not any(c.outcome == "failed" for c in checks):
        # The name stays the same from run to run (a checklist compares by name); the count is detail.
        checks.insert(0, Check(suite=suite, name="no leaks found", outcome="passed",
                               seconds=report.stats.seconds, detail=f"no leaks found in {what}"))
    return checks


def _scan_job(options: CheckOptions, settings: Settings, notices: list[str], root: Path) -> Report:
    from byok_ci.scan import scan_paths

    plan: ScanPlan | None
    if options.git_range:
        base, sep, head = options.git_range.partition("..")
        if not sep:
            raise CheckUsageError("--range takes BASE..HEAD")
        plan = ScanPlan("range", base, head)
    else:
        try:
            plan = plan_from_event(options.environ, scheduled=options.scheduled or "history")
            if plan is None:  # GitLab CI's predefined variables, when not under GitHub Actions
                from byok_ci.gitlab_ci import plan_from_gitlab

                plan = plan_from_gitlab(options.environ, scheduled=options.scheduled or "history")
        except PlanError as exc:
            return Report(command="scan", errors=[ScanError("git", str(exc))])
    if plan is None or plan.mode == "tree":
        if plan is not None and plan.notice:
            notices.append(plan.notice)
        return scan_paths(options.paths, settings=settings, root=root)
    if plan.mode == "nothing":
        notices.append(plan.notice)
        return Report(command="scan", checks=[Check(suite="scan", name="nothing to scan", outcome="passed",
                                                    detail=plan.notice)])
    from byok_ci.scan_git import GitTarget, scan_git

    try:
        plan = ensure_range(Path.cwd(), plan)
    except PlanError as exc:
        return Report(command="scan", errors=[ScanError("git", str(exc))])
    if plan.notice:
        notices.append(plan.notice)
    # A tag's push or pipeline brings the tag itself: its name and message are scanned with
    # its commits, as a push hook scans a pushed tag (a range alone is commits).
    tag = ((plan.ref, plan.ref),) if plan.ref.startswith("refs/tags/") else ()
    if plan.mode == "history":
        target = GitTarget("history")
    elif plan.mode == "commits":
        target = GitTarget("pre-push", push_from="0" * 40, push_to=plan.head, known=plan.known, refs=tag)
    else:
        target = GitTarget("range", revision=f"{plan.base}..{plan.head}", refs=tag)
    return scan_git(target, settings=settings, allow_shallow=options.allow_shallow, on_note=notices.append)


def _manifest_job(options: CheckOptions, settings: Settings, root: Path) -> Report:
    from byok_ci.manifest import check_manifest

    return check_manifest(options.manifest or MANIFEST_NAME, settings=settings, strict=options.strict, root=root)


def _drift_job(options: CheckOptions, settings: Settings, root: Path) -> Report:
    from byok_ci.drift import DriftOptions, load_targets, run_drift
    from byok_ci.drift.endpoints import policy_from
    from byok_ci.drift.http import Limits

    if not options.drift_env:
        raise CheckUsageError("the drift job needs an environment (--drift-env or check: drift_env)")
    manifest = Path(options.manifest or MANIFEST_NAME)
    from byok_ci.errors import UsageError

    try:
        targets, errors = load_targets(manifest, options.drift_env, shown=shown_path(manifest, root))
    except UsageError as exc:
        raise CheckUsageError(str(exc)) from None
    policy = policy_from((), options.allow_hosts, options.allow_insecure_loopback, options.environ,
                         [t.key_name for t in targets])
    drift_options = DriftOptions(
        policy=policy, environ=options.environ, strict=options.strict, proxy=options.proxy,
        limits=Limits(read_timeout=options.timeout) if options.timeout is not None else Limits(),
        deadline=options.deadline if options.deadline is not None else DriftOptions.deadline,
    )
    audit = None
    if options.audit_log:
        try:
            audit = open(options.audit_log, "a", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            # Keys are sent only with the record that was asked for.
            reason = (exc.strerror or type(exc).__name__).lower()
            return Report(command="drift", errors=[*errors, ScanError(options.audit_log, (
                f"cannot open the audit log: {reason}; no key was probed"))])
    try:
        return run_drift(targets, drift_options, audit_stream=audit, errors=errors)
    finally:
        if audit is not None:
            audit.close()


def run_check(options: CheckOptions, settings: Settings) -> CheckResult:
    """Run the jobs ``options`` (after :func:`resolve_options`) name; never raises for bad input."""
    from byok_ci.scan import scan_paths

    notices: list[str] = []
    # One report root for every job, so the scan, the artifacts and the manifest name
    # their files the same way in the one set of reports.
    root = report_root(options.paths or ["."])
    parts: list[tuple[Report, list[Check]]] = []
    for job in options.run:
        if job == "scan":
            part = _scan_job(options, settings, notices, root)
            checks = list(part.checks) or findings_as_checks(part, "scan", _scanned(part))
        elif job == "artifacts":
            part = scan_paths(options.artifacts, settings=settings, root=root)
            checks = findings_as_checks(part, "artifacts", _scanned(part))
        elif job == "manifest":
            part = _manifest_job(options, settings, root)
            checks = _strict(part.checks, options.strict)
        else:
            part = _drift_job(options, settings, root)
            checks = _strict(part.checks, options.strict)
        parts.append((part, checks))
    stats = Stats()
    for part, _ in parts:
        stats = stats + part.stats
    report = Report(
        command="check",
        findings=sorted((f for part, _ in parts for f in part.findings), key=Finding.sort_key),
        errors=[*workflow_only_errors(settings, root), *(e for part, _ in parts for e in part.errors)],
        stats=stats,
        warnings=[w for part, _ in parts for w in part.warnings],
        rules_count=max((part.rules_count for part, _ in parts), default=0),
        rules_digest=next((part.rules_digest for part, _ in parts if part.rules_digest), ""),
        rules={rid: info for part, _ in parts for rid, info in part.rules.items()},
        checks=[c for _, checks in parts for c in checks],
        root=str(root),
    )
    return CheckResult(report, options.fail_on, tuple(notices))


def _strict(checks: Sequence[Check], strict: bool) -> list[Check]:
    """With ``strict``, an inconclusive check fails (its finding, if any, is already an error)."""
    if not strict:
        return list(checks)
    return [replace(c, outcome="failed") if c.outcome == "inconclusive" else c for c in checks]


def _scanned(report: Report) -> str:
    commits = report.stats.commits
    return f"{commits} commits" if commits is not None else f"{report.stats.files} files"

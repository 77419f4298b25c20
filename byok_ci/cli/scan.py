"""`byok-ci scan`: files and directories, or (with a git mode) what git holds."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from byok_ci._startup import resume_collection
from byok_ci._version import __version__
from byok_ci.cli.git import git_options, git_target, scan_git_report
from byok_ci.cli.options import (
    artifact_options,
    config_option,
    exclude_option,
    finish,
    no_color_option,
    quiet_option,
    report_options,
    say,
    say_errors,
    say_warnings,
    verify_choices,
    verify_options,
    with_artifact_options,
    with_setting_errors,
    write_reports,
)

if TYPE_CHECKING:
    from byok_ci.config import Settings
    from byok_ci.model import Report
    from byok_ci.shard import Shard
    from byok_ci.sources.git.plan_file import SavedPlan
    from byok_ci.sources.git.revisions import GitTarget
    from byok_ci.vault import KeyVault


def _shard(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Shard | None:
    if value is None:
        return None
    from byok_ci.shard import parse_shard

    try:
        return parse_shard(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@report_options
@config_option()
@exclude_option
@click.option("--max-file-size", metavar="SIZE", help="Skip files larger than SIZE (e.g. 10MB) with an error.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path),
              help="Extra rule file or directory (repeatable).")
@click.option("--disable-rule", multiple=True, metavar="ID", help="Turn off a rule (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Worker processes for large scans (default: one per CPU; 1 = no workers).")
@click.option("--baseline", "baselines", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings this baseline (byok-ci or detect-secrets) does not know (repeatable).")
@quiet_option()
@click.option("--verbose", "-v", is_flag=True, help="Also print settings and what was skipped.")
@no_color_option
@artifact_options
@git_options
@click.option("--shard", callback=_shard, metavar="K/N",
              help="Scan only shard K of N (files, or paths of a --history), for a CI matrix; "
                   "merge the JSON reports with byok-ci report merge.")
@click.option("--shard-plan", "shard_plan", type=click.Path(dir_okay=False, path_type=str), metavar="FILE",
              help="With --history --shard: the plan `byok-ci shard-plan` made once, so this shard does not "
                   "list the whole history itself.")
@click.option("--inline-allow/--no-inline-allow", default=True, show_default=True,
              help="Honour 'byok-ci: allow' markers in what is scanned (--no-inline-allow: a gate that "
                   "must not trust the content it judges; allow by fingerprint instead).")
@click.option("--scan-binary", is_flag=True,
              help="Git scans: read the printable text of binary files instead of skipping them.")
@verify_options
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    json_path: str | None,
    junit_path: str | None,
    sarif_path: str | None,
    config_file: Path | None,
    exclude: tuple[str, ...],
    max_file_size: str | None,
    rule_files: tuple[Path, ...],
    disable_rule: tuple[str, ...],
    jobs: int | None,
    baselines: tuple[Path, ...],
    quiet: bool,
    verbose: bool,
    no_color: bool,
    staged: bool,
    git_range: str | None,
    since: str | None,
    history: bool,
    pre_push: bool,
    allow_shallow: bool,
    all_objects: bool,
    state: Path | None,
    full: bool,
    shard: Shard | None,
    shard_plan: str | None,
    inline_allow: bool,
    scan_binary: bool,
) -> None:
    """Scan files and directories (default: .) for leaked AI-provider keys. Use - for stdin.

    With --staged, --range, --since, --history or --pre-push, scan what git holds instead;
    PATHS then limit the scan as git pathspecs do.
    """
    from byok_ci.config import parse_size, resolve_settings
    from byok_ci.exitcodes import DEFAULT_FAIL_ON, exit_code

    settings, setting_errors = resolve_settings(config_file=config_file)
    size = None
    if max_file_size is not None:
        try:
            size = parse_size(max_file_size)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--max-file-size") from None
    settings = settings.extended(
        exclude=exclude, rule_files=rule_files, disable_rules=disable_rule, max_file_size=size, jobs=jobs,
        baselines=baselines,
    )
    _check_disable_rule(disable_rule, settings)
    settings = with_artifact_options(settings)
    if not inline_allow or scan_binary:
        settings = dataclasses.replace(settings, inline_allow=inline_allow, scan_binary=scan_binary)
    if verbose:
        config = settings.config_path.as_posix() if settings.config_path else "none"
        say(f"byok-ci {__version__}: config {config}; max file size {settings.max_file_size:,} bytes")
    target = git_target(staged, git_range, since, history, pre_push, all_objects, state, full)
    if target is not None and target.mode == "pre-push":
        from byok_ci.sources.git.revisions import with_hook_arguments

        target, paths = with_hook_arguments(target, paths)  # git's hook arguments name the remote
    if shard is not None and target is not None and target.mode != "history":
        raise click.UsageError("--shard applies to a scan of files or to --history")
    plan = _read_shard_plan(shard_plan, shard, target) if shard_plan is not None else None

    def run(keys: KeyVault | None) -> Report:
        if target is not None:
            return scan_git_report(target, paths, settings, allow_shallow, state, full, shard=shard, keys=keys,
                                   plan=plan)
        return scan_files_report(paths or (".",), settings, show_progress=not quiet, shard=shard, keys=keys)

    verify = verify_choices()
    if verify.get("fail_on") == "live" and not verify.get("verify"):
        raise click.UsageError("--fail-on live needs --verify")
    report = verified_scan_report(run, verify) if verify.get("verify") else run(None)
    report = with_setting_errors(report, setting_errors)
    say_errors(report)
    say_warnings(report)
    if verbose:
        s = report.stats
        say(
            f"byok-ci: {report.rules_count} rules; skipped {s.skipped_binary} binary, "
            f"{s.skipped_excluded} excluded, {s.skipped_other} symlinks/special files"
        )
    report = write_reports(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                           quiet=quiet, no_color=no_color)
    finish(exit_code(report, fail_on=("live",) if verify.get("fail_on") == "live" else DEFAULT_FAIL_ON))


def verified_scan_report(run: Callable[[KeyVault], Report], verify: dict[str, Any]) -> Report:
    """``run`` with its keys verified, as ``scan --verify`` was told (docs/verify.md)."""
    from byok_ci.drift.endpoints import policy_from
    from byok_ci.drift.http import Limits
    from byok_ci.verify import VerifyOptions, verified_scan

    try:
        # No BYOK_CI_BASE_URL_* or BYOK_CI_ALLOW_HOSTS: only the command line names a stand-in.
        policy = policy_from(verify.get("base_urls", ()), (), bool(verify.get("allow_insecure_loopback")), {}, ())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    options = VerifyOptions(policy=policy, limits=Limits(read_timeout=verify.get("timeout", 15.0)),
                            deadline=verify.get("deadline", 60.0), jobs=verify.get("verify_jobs", 4))
    audit_log = verify.get("audit_log")
    audit = open(audit_log, "a", encoding="utf-8") if audit_log else None  # noqa: SIM115 - closed below
    try:
        return verified_scan(run, options, audit_stream=audit)
    finally:
        if audit is not None:
            audit.close()


def _read_shard_plan(path: str, shard: Shard | None, target: GitTarget | None) -> SavedPlan:
    if shard is None or target is None or target.mode != "history" or target.all_objects:
        raise click.UsageError("--shard-plan applies to --history with --shard (not --all-objects)")
    from byok_ci.sources.git.plan_file import ShardPlanUnusable, read_plan

    try:
        plan = read_plan(path)
    except ShardPlanUnusable as exc:
        raise click.BadParameter(str(exc), param_hint="--shard-plan") from None
    if plan.count != shard.count:
        raise click.BadParameter(f"{path}: a plan for {plan.count} shards, not {shard.count}", param_hint="--shard-plan")
    return plan


def _check_disable_rule(rule_ids: tuple[str, ...], settings: Settings) -> None:
    """An id that names no rule is a usage error, not a rule that quietly stays on."""
    if not rule_ids:
        return  # the registry of rule ids is not needed on a hook's path
    from byok_ci.rules.ids import detection_problems

    for _, why in detection_problems(rule_ids, settings.rule_files)[:1]:
        raise click.BadParameter(why, param_hint="--disable-rule")


def scan_files_report(paths: tuple[str, ...], settings: Settings, show_progress: bool,
                      shard: Shard | None = None, keys: KeyVault | None = None) -> Report:
    """scan_paths with a progress bar (in megabytes) on a terminal for large scans."""
    from byok_ci.scan import scan_paths

    resume_collection()  # what the scan runs is imported
    if not (show_progress and sys.stderr.isatty()):
        return scan_paths(paths, settings=settings, shard=shard, keys=keys)
    from byok_ci.report.progress import byte_progress

    with byte_progress() as progress:
        return scan_paths(paths, settings=settings, progress=progress, shard=shard, keys=keys)

"""`byok-ci check`: every configured job (scan, artifacts, manifest, drift), one set of reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from byok_ci.cli.options import (
    allow_hosts_option,
    allow_loopback_option,
    audit_log_option,
    config_option,
    finish,
    format_option,
    no_color_option,
    proxy_option,
    quiet_option,
    report_files,
    say,
    say_errors,
    say_warnings,
    strict_option,
    with_setting_errors,
    words,
    write_reports,
)


@click.command()
@click.option("--run", "run_jobs", envvar="BYOK_CI_CHECK_RUN", metavar="JOBS",
              help="Jobs to run, comma-separated: scan, artifacts, manifest, drift (default: the config's check: section).")
@click.option("--paths", envvar="BYOK_CI_CHECK_PATHS", metavar="PATHS", help="Paths for a working-tree scan (space-separated).")
@click.option("--artifacts", envvar="BYOK_CI_CHECK_ARTIFACTS", metavar="PATHS", help="Build artifact paths (space-separated).")
@click.option("--manifest", envvar="BYOK_CI_CHECK_MANIFEST", metavar="FILE", help="Key manifest (default byok.yaml).")
@click.option("--drift-env", envvar="BYOK_CI_CHECK_DRIFT_ENV", metavar="ENV", help="Environment whose keys drift probes.")
@allow_hosts_option
@proxy_option
@click.option("--range", "git_range", metavar="BASE..HEAD", help="Scan these commits (other CI systems; GitHub's event is read by itself).")
@click.option("--scheduled", envvar="BYOK_CI_CHECK_SCHEDULED", type=click.Choice(("history", "tree")), default=None,
              help="What schedule/workflow_dispatch events scan (default history).")
@click.option("--allow-shallow", is_flag=True, help="Accept a shallow clone's truncated history.")
@click.option("--inline-allow/--no-inline-allow", envvar="BYOK_CI_CHECK_INLINE_ALLOW", default=True, show_default=True,
              help="Scan job: honour 'byok-ci: allow' markers in what is scanned (--no-inline-allow: a pull "
                   "request cannot wave its own key through; allow by fingerprint in the workflow instead).")
@click.option("--scan-binary/--skip-binary", envvar="BYOK_CI_CHECK_SCAN_BINARY", default=False, show_default=True,
              help="Scan job on commits: read the printable text of binary files instead of skipping them.")
@strict_option("Manifest warnings and inconclusive checks fail, as --strict of manifest check and drift.",
               envvar="BYOK_CI_CHECK_STRICT")
@click.option("--timeout", envvar="BYOK_CI_CHECK_TIMEOUT", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="Drift: read timeout per request (default 15).")
@click.option("--deadline", envvar="BYOK_CI_CHECK_DEADLINE", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Drift: total time for the probes (default 120).")
@audit_log_option("BYOK_CI_CHECK_AUDIT_LOG")
@allow_loopback_option
@click.option("--fail-on", envvar="BYOK_CI_CHECK_FAIL_ON", metavar="WHAT",
              help="What fails the run: leaks, policy, drift, inconclusive (default leaks,policy,drift).")
@click.option("--baseline", "baselines", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline of accepted findings (repeatable; also BYOK_CI_CHECK_BASELINE).")
@config_option()
@report_files(envvar_prefix="BYOK_CI_CHECK_")
@format_option("Standard output format.")
@click.option("--annotate/--no-annotate", default=None,
              help="GitHub annotations on stdout (default: on under GitHub Actions).")
@quiet_option()
@no_color_option
def check(run_jobs: str | None, paths: str | None, artifacts: str | None, manifest: str | None, drift_env: str | None,
          allow_hosts: tuple[str, ...], proxy: str | None, git_range: str | None, scheduled: str | None,
          allow_shallow: bool, inline_allow: bool, scan_binary: bool, strict: bool, timeout: float | None, deadline: float | None, audit_log: str | None,
          allow_insecure_loopback: bool, fail_on: str | None, baselines: tuple[Path, ...], config_file: Path | None,
          json_path: str | None, junit_path: str | None, sarif_path: str | None, fmt: str, annotate: bool | None,
          quiet: bool, no_color: bool) -> None:
    """Run every configured job (scan, artifacts, manifest, drift) with one set of reports.

    Under GitHub Actions it reads the event payload (under GitLab CI, the predefined
    variables) to pick the commits to scan; under GitHub Actions it also writes
    the job summary ($GITHUB_STEP_SUMMARY), outputs ($GITHUB_OUTPUT) and annotations.
    """
    from dataclasses import replace

    from byok_ci.check import CheckOptions, CheckUsageError, resolve_options, run_check
    from byok_ci.config import resolve_settings
    from byok_ci.drift.http import check_proxy
    from byok_ci.github_event import write_outputs
    from byok_ci.report.github import workflow_command
    from byok_ci.report.github import write as write_annotations
    from byok_ci.report.output import append_summary

    settings, setting_errors = resolve_settings(config_file=config_file)
    extra_baselines = tuple(Path(p) for p in words(os.environ.get("BYOK_CI_CHECK_BASELINE")))
    settings = settings.extended(baselines=baselines + extra_baselines)
    if not inline_allow or scan_binary:  # from the command line or the workflow, never the config a change can edit
        settings = replace(settings, inline_allow=inline_allow, scan_binary=scan_binary)
    hosts = allow_hosts + words(os.environ.get("BYOK_CI_ALLOW_HOSTS"))
    try:
        proxy = check_proxy(proxy) if proxy else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        options = resolve_options(CheckOptions(
            run=words(run_jobs), paths=words(paths), artifacts=words(artifacts), manifest=manifest or None,
            drift_env=drift_env or None, git_range=git_range, scheduled=scheduled, fail_on=words(fail_on),
            allow_hosts=hosts, proxy=proxy, allow_shallow=allow_shallow, strict=strict, timeout=timeout,
            deadline=deadline, audit_log=audit_log or None, allow_insecure_loopback=allow_insecure_loopback,
        ), settings)
        result = run_check(options, settings)
    except CheckUsageError as exc:
        raise click.UsageError(str(exc)) from None
    report = with_setting_errors(result.report, setting_errors)
    for notice in result.notices:
        say(f"byok-ci: notice: {notice}")
    say_errors(report)
    say_warnings(report)
    report = write_reports(report, fmt, None, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                           quiet=quiet, no_color=no_color)
    if annotate if annotate is not None else os.environ.get("GITHUB_ACTIONS") == "true":
        write_annotations(report, sys.stdout)
        for notice in result.notices:
            click.echo(workflow_command("notice", notice, title="byok-ci"))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        append_summary(summary, report, result.notices)
    result = replace(result, report=report)
    write_outputs(os.environ.get("GITHUB_OUTPUT"), {
        "result": result.result(), **result.counts(),
        "junit": junit_path or "", "sarif": sarif_path or "", "json": json_path or "",
    })
    finish(result.exit_code())

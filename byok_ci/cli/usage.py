"""`byok-ci usage`: one environment's keys against the providers' admin APIs."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from byok_ci.cli.options import (
    allow_hosts_option,
    allow_loopback_option,
    audit_logs_read_option,
    config_option,
    finish,
    no_color_option,
    quiet_option,
    report_options,
    say,
    say_errors,
    strict_option,
    with_setting_errors,
    write_reports,
)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("must be a date, YYYY-MM-DD", ctx=ctx, param=param) from None


@click.command()
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default="byok.yaml", show_default=True,
              help="The key manifest.")
@click.option("--env", "env", required=True, metavar="ENV", help="Environment whose keys are judged.")
@click.option("--key", "keys", multiple=True, metavar="NAME", help="Judge only this key (repeatable).")
@click.option("--today", callback=_date, metavar="YYYY-MM-DD", help="Judge as of this date (default: today, UTC).")
@click.option("--base-url", "base_urls", multiple=True, metavar="NAME=URL",
              help="Base URL for admin key NAME, trusted (also BYOK_CI_BASE_URL_<NAME>).")
@allow_hosts_option
@allow_loopback_option
@strict_option()
@audit_logs_read_option
@click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True, metavar="SECONDS",
              help="Read timeout per request, seconds.")
@click.option("--deadline", type=click.FloatRange(min=1), default=120.0, show_default=True, metavar="SECONDS",
              help="Total time for the run, seconds.")
@click.option("--jobs", "-j", type=click.IntRange(1, 32), default=4, show_default=True, help="Providers read at once.")
@config_option()
@report_options
@click.option("--markdown", "markdown_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the Markdown usage report to FILE (and an SVG chart beside it).")
@quiet_option("Print failed and inconclusive checks only.")
@no_color_option
def usage(manifest: Path, env: str, keys: tuple[str, ...], today: dt.date | None, base_urls: tuple[str, ...],
          allow_hosts: tuple[str, ...], allow_insecure_loopback: bool, strict: bool, audit_logs: tuple[str, ...],
          timeout: float, deadline: float, jobs: int, config_file: Path | None, fmt: str, output: str | None,
          json_path: str | None, junit_path: str | None, sarif_path: str | None, markdown_path: str | None,
          quiet: bool, no_color: bool) -> None:
    """Check ENV's keys against what each provider's admin API says: inventory, budget,
    anomalies and authentication failures.

    Exit codes: 1 a check failed, 4 some inconclusive and none failed, 2 usage or an admin
    key could not be used; --strict counts inconclusive as failed.
    """
    from byok_ci.config import resolve_settings
    from byok_ci.drift.endpoints import policy_from
    from byok_ci.drift.http import Limits
    from byok_ci.errors import UsageError
    from byok_ci.exitcodes import exit_code
    from byok_ci.paths import report_root, shown_path
    from byok_ci.usage import UsageOptions, run_usage
    from byok_ci.usage.markdown import write_markdown

    root = report_root([manifest])
    shown = shown_path(manifest, root)
    settings, setting_errors = resolve_settings(config_file=config_file)
    try:
        # BYOK_CI_BASE_URL_<NAME> is read by the run, which knows the admin keys' names.
        policy = policy_from(base_urls, allow_hosts, allow_insecure_loopback, os.environ, ())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    options = UsageOptions(env=env, keys=keys, today=today, policy=policy, limits=Limits(read_timeout=timeout),
                           deadline=deadline, jobs=jobs, strict=strict, audit_logs=audit_logs)
    try:
        result = run_usage(manifest, options, settings=settings, shown=shown, root=str(root))
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    report = with_setting_errors(result.report, setting_errors)
    say_errors(report)
    report = write_reports(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                           quiet=quiet, no_color=no_color)
    summary = os.environ.get("GITHUB_STEP_SUMMARY") if os.environ.get("GITHUB_ACTIONS") == "true" else None
    for path, chart in ((markdown_path, True), (summary, False)):
        if path:
            try:
                write_markdown(result, report, path, charts=chart, append=not chart)
            except OSError as exc:
                from byok_ci.model import ScanError

                error = ScanError(path, f"cannot write the Markdown report: {(exc.strerror or str(exc)).lower()}")
                say(f"byok-ci: error: {error.one_line()}")
                report = report.with_errors(after=[error])
    finish(exit_code(report, fail_on=("usage", "inconclusive") if strict else ("usage",)))

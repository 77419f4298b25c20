"""`byok-ci report merge`: the JSON reports of a sharded scan's shards as one report."""

from __future__ import annotations

import click

from byok_ci.cli.options import finish, no_color_option, quiet_option, report_options, say_errors, write_reports


@click.group()
def report() -> None:
    """Work with byok-ci's JSON reports."""


@report.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@report_options
@quiet_option()
@no_color_option
def merge(
    reports: tuple[str, ...],
    fmt: str,
    output: str | None,
    json_path: str | None,
    junit_path: str | None,
    sarif_path: str | None,
    quiet: bool,
    no_color: bool,
) -> None:
    """Merge the JSON reports of `scan --shard K/N` (every shard of one scan) into one report.

    A missing or duplicated shard, shards of different trees or rules, or a finding two
    shards both report make the merged run incomplete (exit 2), never clean.
    """
    from byok_ci.exitcodes import exit_code
    from byok_ci.merge import merge_reports
    from byok_ci.rules import load_rules

    merged = merge_reports(reports, rules=(rule.info() for rule in load_rules().rules))
    say_errors(merged)
    merged = write_reports(merged, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                           quiet=quiet, no_color=no_color)
    finish(exit_code(merged))

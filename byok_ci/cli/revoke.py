"""`byok-ci revoke-plan`: the order and the steps to revoke the keys a scan found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import click

from byok_ci.cli.options import finish, format_option, say


@click.command("revoke-plan")
@click.argument("report_path", metavar="REPORT.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Key manifest whose keys to rotate are listed (default: byok.yaml here, if there is one).")
@format_option("Format of the plan.", choices=("markdown", "json"), default="markdown")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the plan to FILE instead of stdout.")
def revoke_plan(report_path: Path, manifest: Path | None, fmt: str, output: str | None) -> None:
    """Group the leaked keys of a scan's JSON report (`byok-ci scan --json FILE`, with
    --verify to put live keys first) by provider and owner: what to revoke, where, in which
    order, and which manifest entries to rotate.

    Exit codes: 0 the plan was written (whatever it holds), 2 the report or the output
    could not be read or written.
    """
    from byok_ci.errors import ReportUnreadable
    from byok_ci.exitcodes import decide
    from byok_ci.revoke import load_report, plan_markdown, revoke_plan as make_plan

    if manifest is None and Path("byok.yaml").is_file():
        manifest = Path("byok.yaml")
    try:
        plan = make_plan(load_report(report_path), manifest=manifest)
    except ReportUnreadable as exc:
        say(f"byok-ci: error: {exc}")
        finish(decide(incomplete=True))
    text = plan_markdown(plan) if fmt == "markdown" else json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if output:
        try:
            from byok_ci.report.output import write_file

            def write(handle: TextIO) -> None:
                handle.write(text)

            write_file(output, write)  # redacted, as every report file
        except OSError as exc:
            say(f"byok-ci: error: {output}: cannot write the plan: {(exc.strerror or str(exc)).lower()}")
            finish(decide(incomplete=True))
    else:
        click.echo(text, nl=False)
    finish(decide())

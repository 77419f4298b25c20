"""The `byok-ci` command line: parse options, call the library, pick reporters, exit.

Heavy modules are imported inside commands so `byok-ci scan` starts fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from byok_ci._version import __version__
from byok_ci.exitcodes import INCOMPLETE, INTERNAL_ERROR

if TYPE_CHECKING:
    from byok_ci.config import Settings
    from byok_ci.model import Report, ScanError
    from byok_ci.scan_git import GitTarget

FORMATS = ("text", "json", "junit")


def _use_color(stream: TextIO, no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _say_error(error: ScanError) -> None:
    click.echo(f"byok-ci: error: {error.one_line()}", err=True)


def _write_outputs(report: Report, fmt: str, output: str | None, extra: dict[str, str | None], **text_opts: object) -> None:
    """Files first, standard output last, so a closed pipe never costs a report file."""
    from byok_ci.model import ScanError
    from byok_ci.report import write_report

    targets = [(fmt, output)] + [(name, path) for name, path in extra.items() if path]
    for name, path in targets:
        if path is None:
            continue
        try:
            with open(path, "w", encoding="utf-8") as handle:
                write_report(report, name, handle, quiet=text_opts.get("quiet", False))
        except OSError as exc:
            error = ScanError(path, f"cannot write {name} report: {(exc.strerror or str(exc)).lower()}")
            report.errors.append(error)
            _say_error(error)
    if output is None:
        opts = dict(text_opts)
        opts["color"] = _use_color(sys.stdout, bool(opts.pop("no_color", False))) if fmt == "text" else False
        try:
            write_report(report, fmt, sys.stdout, **opts)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (e.g. `| head`); the exit code still tells the result.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())


class _Main(click.Group):
    """Maps anything unexpected to exit code 3 with a one-line message (no traceback, no values)."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("byok-ci: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into exit code 3
            if os.environ.get("BYOK_CI_DEBUG"):
                raise
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
            click.echo(
                f"byok-ci: internal error ({type(exc).__name__}{where}); "
                "set BYOK_CI_DEBUG=1 for a traceback and please report it",
                err=True,
            )
            ctx.exit(INTERNAL_ERROR)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="byok-ci")
def main() -> None:
    """Keep bring-your-own AI API keys out of code and artifacts.

    Exit codes: 0 clear, 1 leaks found or a check failed, 2 usage error or incomplete run,
    3 internal error, 4 inconclusive checks.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Format for standard output (or --output).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the --format report to FILE instead of stdout.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write a JSON report to FILE.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), help="Also write a JUnit XML report to FILE.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: .byok-ci.yaml at the git root or here).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--max-file-size", metavar="SIZE", help="Skip files larger than SIZE (e.g. 10MB) with an error.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path),
              help="Extra rule file or directory (repeatable).")
@click.option("--disable-rule", multiple=True, metavar="ID", help="Turn off a rule (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings and errors only.")
@click.option("--verbose", "-v", is_flag=True, help="Also print settings and what was skipped.")
@click.option("--no-color", is_flag=True, help="Never colour text output (NO_COLOR is honoured too).")
@click.option("--staged", is_flag=True, help="Scan the lines the index adds (what the next commit holds).")
@click.option("--range", "git_range", metavar="BASE..HEAD", help="Scan the lines each commit in the range adds.")
@click.option("--since", metavar="REF", help="Scan the commits since REF (REF..HEAD).")
@click.option("--history", is_flag=True, help="Scan every commit reachable from any ref.")
@click.option("--pre-push", is_flag=True, help="Scan the commits being pushed (pre-commit's PRE_COMMIT_FROM_REF/TO_REF).")
@click.option("--allow-shallow", is_flag=True, help="Accept a shallow clone's truncated history (exit 0 if clean).")
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    json_path: str | None,
    junit_path: str | None,
    config_file: Path | None,
    exclude: tuple[str, ...],
    max_file_size: str | None,
    rule_files: tuple[Path, ...],
    disable_rule: tuple[str, ...],
    quiet: bool,
    verbose: bool,
    no_color: bool,
    staged: bool,
    git_range: str | None,
    since: str | None,
    history: bool,
    pre_push: bool,
    allow_shallow: bool,
) -> None:
    """Scan files and directories (default: .) for leaked AI-provider keys. Use - for stdin.

    With --staged, --range, --since, --history or --pre-push, scan what git holds instead;
    PATHS then limit the scan as git pathspecs do.
    """
    from byok_ci.config import parse_size, resolve_settings
    from byok_ci.exitcodes import exit_code
    from byok_ci.scan import scan_paths

    settings, setting_errors = resolve_settings(config_file=config_file)
    size = None
    if max_file_size is not None:
        try:
            size = parse_size(max_file_size)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--max-file-size") from None
    settings = settings.extended(
        exclude=exclude, rule_files=rule_files, disable_rules=disable_rule, max_file_size=size
    )
    if verbose:
        config = settings.config_path.as_posix() if settings.config_path else "none"
        click.echo(f"byok-ci {__version__}: config {config}; max file size {settings.max_file_size:,} bytes", err=True)
    git_target = _git_target(staged, git_range, since, history, pre_push)
    if git_target is not None:
        report = _scan_git(git_target, paths, settings, allow_shallow)
    else:
        report = scan_paths(paths or (".",), settings=settings)
    report.errors[:0] = setting_errors
    for error in report.errors:
        _say_error(error)
    if verbose:
        s = report.stats
        click.echo(
            f"byok-ci: {report.rules_count} rules; skipped {s.skipped_binary} binary, "
            f"{s.skipped_excluded} excluded, {s.skipped_other} symlinks/special files",
            err=True,
        )
    _write_outputs(report, fmt, output, {"json": json_path, "junit": junit_path}, quiet=quiet, no_color=no_color)
    sys.exit(exit_code(report))


def _git_target(
    staged: bool, git_range: str | None, since: str | None, history: bool, pre_push: bool
) -> GitTarget | None:
    chosen = [name for name, on in (("--staged", staged), ("--range", git_range is not None),
                                    ("--since", since is not None), ("--history", history),
                                    ("--pre-push", pre_push)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"choose one of {', '.join(chosen)}")
    if not chosen:
        return None
    from byok_ci.scan_git import GitTarget

    if git_range is not None:
        return GitTarget("range", revision=git_range)
    if since is not None:
        return GitTarget("since", revision=since)
    if pre_push:
        return GitTarget("pre-push", push_from=os.environ.get("PRE_COMMIT_FROM_REF"),
                         push_to=os.environ.get("PRE_COMMIT_TO_REF"))
    return GitTarget("history" if history else "staged")


def _scan_git(target: GitTarget, paths: tuple[str, ...], settings: Settings, allow_shallow: bool) -> Report:
    from byok_ci.scan_git import scan_git

    bar: Any = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="byok-ci: commits", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    interactive = target.mode == "history" and sys.stderr.isatty()
    try:
        return scan_git(
            target, paths, settings=settings, allow_shallow=allow_shallow,
            on_note=lambda message: click.echo(f"byok-ci: note: {message}", err=True),
            progress=progress if interactive else None,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@main.group()
def rules() -> None:
    """List, show and test detection rules."""


def _loaded(rule_files: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    from byok_ci.rules import load_rules

    ruleset = load_rules(extra=rule_files)
    for error in ruleset.errors:
        _say_error(error)
    return ruleset


@rules.command("list")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path), help="Extra rule file or directory.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules_list(rule_files: tuple[Path, ...], fmt: str) -> None:
    """List the rules in force."""
    import json

    ruleset = _loaded(rule_files)
    if fmt == "json":
        rows = [{"id": r.id, "provider": r.provider, "severity": r.severity, "description": r.description}
                for r in ruleset.rules]
        click.echo(json.dumps(rows, indent=2))
    else:
        width = max((len(r.id) for r in ruleset.rules), default=10)
        for r in ruleset.rules:
            click.echo(f"{r.id:<{width}}  {r.severity:<7}  {r.description}")
    sys.exit(INCOMPLETE if ruleset.errors else 0)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path), help="Extra rule file or directory.")
def rules_show(rule_id: str, rule_files: tuple[Path, ...]) -> None:
    """Show a rule: its key format, context, and where to revoke such keys."""
    from byok_ci.keygen import describe_format

    ruleset = _loaded(rule_files)
    rule = ruleset.get(rule_id)
    if rule is None:
        raise click.UsageError(f"no rule with id {rule_id!r}; see `byok-ci rules list`")
    provider = ruleset.providers.get(rule.provider)
    lines = [
        f"id:          {rule.id}",
        f"provider:    {provider.name if provider else rule.provider} ({rule.provider})",
        f"description: {rule.description}",
        f"severity:    {rule.severity}",
        f"format:      {describe_format(rule.format)}",
        f"keywords:    {', '.join(rule.keywords)}",
        f"pattern:     {rule.pattern.pattern}",
    ]
    if rule.context is not None:
        lines.append(
            f"context:     {rule.context.pattern.pattern} within {rule.context.before} chars before, "
            f"{rule.context.after} after"
        )
    if rule.entropy is not None or rule.require:
        floor = f"entropy >= {rule.entropy}" if rule.entropy is not None else ""
        classes = f"needs {', '.join(sorted(rule.require))}" if rule.require else ""
        lines.append(f"strength:    {'; '.join(x for x in (floor, classes) if x)}")
    lines.append(f"revoke at:   {rule.key_management or 'see the provider console'}")
    lines.append(f"defined in:  {rule.source}")
    click.echo("\n".join(lines))


@rules.command("test")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=None, help="Seed for generated example keys.")
def rules_test(files: tuple[Path, ...], seed: int | None) -> None:
    """Run the examples of rule FILES (default: the shipped rules); report which fail."""
    from byok_ci.rules import default_rules_dir, load_rules, rule_files_in
    from byok_ci.ruletest import DEFAULT_SEED, run_examples

    # The tested files come first, so their rules win over shipped rules of the same id;
    # the shipped rules stay loaded so overlaps resolve as they would in a scan.
    tested = [f.resolve() for path in files for f in (rule_files_in(path) if path.is_dir() else [path])]
    ruleset = load_rules([*tested, default_rules_dir()])
    only = {r.id for r in ruleset.rules if Path(r.source).resolve() in tested} if files else None
    own_errors = [e for e in ruleset.errors if not files or Path(e.path).resolve() in tested]
    for error in own_errors:
        _say_error(error)
    results = run_examples(ruleset, only, seed if seed is not None else DEFAULT_SEED)
    failed = [r for r in results if not r.passed]
    for result in failed:
        click.echo(f"FAIL {result.describe()}\n     template: {result.template}")
    rules_run = len({r.rule_id for r in results})
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({rules_run} rules)")
    sys.exit(1 if failed else INCOMPLETE if own_errors else 0)

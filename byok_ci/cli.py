"""The `byok-ci` command line: parse options, call the library, pick reporters, exit.

Heavy modules are imported inside commands so `byok-ci scan` starts fast.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TextIO

import click

from byok_ci._version import __version__
from byok_ci.exitcodes import INCOMPLETE, INTERNAL_ERROR
from byok_ci.outbound import escape_terminal, redact_text

if TYPE_CHECKING:
    from byok_ci.config import Settings
    from byok_ci.model import Report, ScanError
    from byok_ci.scan_git import GitTarget

from byok_ci.report import FORMATS


def _use_color(stream: TextIO, no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _say(message: str) -> None:
    """One line on standard error; what it quotes (file names, values) cannot break the line.
    (Keys in it are redacted on the way out, as in everything byok-ci prints.)"""
    click.echo(escape_terminal(message), err=True)


def _say_error(error: ScanError) -> None:
    _say(f"byok-ci: error: {error.one_line()}")


def _prepend_errors(report: Report, errors: list[ScanError]) -> Report:
    """Settings problems first, their files named relative to the report root like every path."""
    from dataclasses import replace

    from byok_ci.paths import relative_to_root

    return report.with_errors([replace(e, path=relative_to_root(e.path, report.root)) if report.root else e
                               for e in errors])


def _say_warnings(report: Report) -> None:
    for warning in report.warnings:
        _say(f"byok-ci: warning: {warning.one_line()}")


def _write_outputs(report: Report, fmt: str, output: str | None, extra: dict[str, str | None],
                   writer: Callable[..., None] | None = None, **text_opts: object) -> Report:
    """Files first, standard output last, so a closed pipe never costs a report file."""
    from byok_ci.model import ScanError
    from byok_ci.outbound import keep_identifiers
    from byok_ci.report import write_report

    write = writer or write_report
    keep_identifiers(f.commit for f in report.findings)
    failures: list[ScanError] = []

    targets = [(fmt, output)] + [(name, path) for name, path in extra.items() if path]
    for name, path in targets:
        if path is None:
            continue
        try:
            _write_atomically(path, functools.partial(_write_to, write, report, name, bool(text_opts.get("quiet"))))
        except OSError as exc:
            error = ScanError(path, f"cannot write {name} report: {(exc.strerror or str(exc)).lower()}")
            failures.append(error)
            _say_error(error)
    if output is None:
        opts = dict(text_opts)
        opts["color"] = _use_color(sys.stdout, bool(opts.pop("no_color", False))) if fmt == "text" else False
        try:
            write(report, fmt, sys.stdout, **opts)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (e.g. `| head`); the exit code still tells the result.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError as exc:
            # Standard output redirected to a full disk: say so; the exit code counts it.
            error = ScanError("<stdout>", f"cannot write {fmt} report: {(exc.strerror or str(exc)).lower()}")
            failures.append(error)
            _say_error(error)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    return report.with_errors(after=failures)


def _write_to(write: Callable[..., None], report: Report, name: str, quiet: bool, handle: TextIO) -> None:
    write(report, name, handle, quiet=quiet)


def _write_atomically(path: str, write: Callable[[TextIO], None]) -> None:
    """Write to a temporary file beside ``path`` and rename it into place, so an interrupted
    run never leaves a partial report that looks complete."""
    from byok_ci.outbound import RedactingWriter

    directory = os.path.dirname(os.path.abspath(path))
    fd, partial = tempfile.mkstemp(prefix=".byok-ci-", suffix=".partial", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            redacted = RedactingWriter(handle)
            write(redacted)  # type: ignore[arg-type]
            redacted.flush()
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def _report_options(formats: tuple[str, ...]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--format, --output and the extra report files every reporting command takes."""
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed((
            click.option("--format", "fmt", type=click.Choice(formats), default="text", show_default=True,
                         help="Format for standard output (or --output)."),
            click.option("--output", "-o", type=click.Path(dir_okay=False),
                         help="Write the --format report to FILE instead of stdout."),
            click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Also write a JSON report to FILE."),
            click.option("--junit", "junit_path", type=click.Path(dir_okay=False),
                         help="Also write a JUnit XML report to FILE."),
            click.option("--sarif", "sarif_path", type=click.Path(dir_okay=False),
                         help="Also write a SARIF 2.1.0 report to FILE."),
        )):
            command = option(command)
        return command
    return decorate


class _Main(click.Group):
    """Maps anything unexpected to exit code 3 with a one-line message (no traceback, no values).

    Everything the command prints passes through one redaction step (standard output and
    error are wrapped for the whole run, click's own usage errors included), and usage
    errors quoting an argument show its control characters escaped.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from byok_ci.outbound import redacted_std_streams

        with redacted_std_streams():
            return super().main(*args, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            exc.message = escape_terminal(exc.message)  # type: ignore[misc]  # quotes an argument
            raise

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        # SIGTERM (CI cancelling a job) unwinds like Ctrl-C, so partial reports are removed.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            exc.message = escape_terminal(exc.message)  # type: ignore[misc]  # quotes an argument
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            _say("byok-ci: interrupted; no report was completed")
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into exit code 3
            if os.environ.get("BYOK_CI_DEBUG"):
                raise
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
            _say(
                f"byok-ci: internal error ({type(exc).__name__}{where}); "
                "set BYOK_CI_DEBUG=1 for a traceback and please report it"
            )
            ctx.exit(INTERNAL_ERROR)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="byok-ci")
def main() -> None:
    """Keep bring-your-own AI API keys out of code and artifacts.

    Exit codes: 0 clear, 1 leaks found or a check failed, 2 usage error or incomplete run,
    3 internal error, 4 inconclusive checks.
    """


def _store_artifact_option(ctx: click.Context, param: click.Parameter, value: object) -> None:
    if value is None or value is False or param.name is None:
        return
    name = "archives" if param.name == "no_archives" else param.name
    kind = "bool" if name in ("archives", "allow_partial_archives") else (
        "size" if name in ("max_archive_member_size", "max_archive_bytes") else "count")
    from byok_ci.config import artifact_value

    try:
        stored = (not value) if name == "archives" else artifact_value(kind, value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    ctx.meta.setdefault("byok_ci.artifacts", {})[name] = stored


def _artifact_options(command):  # type: ignore[no-untyped-def]
    """Options for archives, container images and encoded secrets (README "Build artifacts")."""
    opts = [
        click.option("--no-archives", is_flag=True, help="Do not open archives (zip, wheels, tarballs, images)."),
        click.option("--max-archive-depth", type=int, metavar="N", help="Open archives nested N deep (default 3)."),
        click.option("--max-archive-member-size", metavar="SIZE", help="Largest archive member read as text (default 50MB)."),
        click.option("--max-archive-bytes", metavar="SIZE", help="Uncompressed bytes read per archive (default 1GB)."),
        click.option("--max-archive-ratio", type=int, metavar="N", help="Highest compression ratio, against zip bombs (default 200)."),
        click.option("--max-archive-members", type=int, metavar="N", help="Members per archive (default 100000)."),
        click.option("--allow-partial-archives", is_flag=True,
                     help="Archives cut short by a limit are still reported but do not set exit code 2."),
        click.option("--max-decode-depth", type=int, metavar="N",
                     help="Decode base64/URL-encoded text N levels deep (default 2; 0 turns it off)."),
    ]
    for option in reversed(opts):
        command = option(command)
    for param in command.__click_params__[-len(opts):]:
        param.expose_value = False
        param.callback = _store_artifact_option
    return command


def _with_artifact_options(settings):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(settings, **click.get_current_context().meta.get("byok_ci.artifacts", {}))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@_report_options(FORMATS)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: .byok-ci.yaml at the git root or here).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--max-file-size", metavar="SIZE", help="Skip files larger than SIZE (e.g. 10MB) with an error.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path),
              help="Extra rule file or directory (repeatable).")
@click.option("--disable-rule", multiple=True, metavar="ID", help="Turn off a rule (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="Worker processes for large scans (default: one per CPU; 1 = no workers).")
@click.option("--baseline", "baselines", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings this baseline (byok-ci or detect-secrets) does not know (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings and errors only.")
@click.option("--verbose", "-v", is_flag=True, help="Also print settings and what was skipped.")
@click.option("--no-color", is_flag=True, help="Never colour text output (NO_COLOR is honoured too).")
@_artifact_options
@click.option("--staged", is_flag=True, help="Scan the lines the index adds (what the next commit holds).")
@click.option("--range", "git_range", metavar="BASE..HEAD", help="Scan the lines each commit in the range adds.")
@click.option("--since", metavar="REF", help="Scan the commits since REF (REF..HEAD).")
@click.option("--history", is_flag=True, help="Scan every commit reachable from any ref.")
@click.option("--pre-push", is_flag=True,
              help="Scan the commits being pushed (as pre-commit's pre-push hook, or as git's own: refs on stdin).")
@click.option("--allow-shallow", is_flag=True, help="Accept a shallow clone's truncated history (exit 0 if clean).")
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
) -> None:
    """Scan files and directories (default: .) for leaked AI-provider keys. Use - for stdin.

    With --staged, --range, --since, --history or --pre-push, scan what git holds instead;
    PATHS then limit the scan as git pathspecs do.
    """
    from byok_ci.config import parse_size, resolve_settings
    from byok_ci.exitcodes import exit_code

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
    settings = _with_artifact_options(settings)
    if verbose:
        config = settings.config_path.as_posix() if settings.config_path else "none"
        _say(f"byok-ci {__version__}: config {config}; max file size {settings.max_file_size:,} bytes")
    git_target = _git_target(staged, git_range, since, history, pre_push)
    if git_target is not None:
        report = _scan_git(git_target, paths, settings, allow_shallow)
    else:
        report = _scan_files(paths or (".",), settings, show_progress=not quiet)
    report = _prepend_errors(report, setting_errors)
    for error in report.errors:
        _say_error(error)
    _say_warnings(report)
    if verbose:
        s = report.stats
        _say(
            f"byok-ci: {report.rules_count} rules; skipped {s.skipped_binary} binary, "
            f"{s.skipped_excluded} excluded, {s.skipped_other} symlinks/special files"
        )
    report = _write_outputs(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                            quiet=quiet, no_color=no_color)
    sys.exit(exit_code(report))


def _check_disable_rule(rule_ids: tuple[str, ...], settings: Settings) -> None:
    """An id that names no rule is a usage error, not a rule that quietly stays on."""
    from byok_ci.rules.ids import detection_problems

    for _, why in detection_problems(rule_ids, settings.rule_files)[:1]:
        raise click.BadParameter(why, param_hint="--disable-rule")


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
        from byok_ci.scan_git import pre_push_target

        return pre_push_target(os.environ, sys.stdin)
    return GitTarget("history" if history else "staged")


PROGRESS_MIN_BYTES = 64 * 1024 * 1024  # smaller scans take a second or two: no bar


def _scan_files(paths: tuple[str, ...], settings: Settings, show_progress: bool) -> Report:
    """scan_paths with a progress bar (in megabytes) on a terminal for large scans."""
    from byok_ci.scan import scan_paths

    bar: Any = None
    shown = [0]

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_MIN_BYTES:
            return
        if bar is None:
            bar = click.progressbar(length=total >> 20, label="byok-ci: MB", file=sys.stderr)
            bar.__enter__()
        bar.update((done >> 20) - shown[0])
        shown[0] = done >> 20

    try:
        return scan_paths(paths, settings=settings, progress=progress if show_progress and sys.stderr.isatty() else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


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
            on_note=lambda message: _say(f"byok-ci: note: {message}"),
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


def _rule_named(ruleset, rule_id: str):  # type: ignore[no-untyped-def]
    """The rule ``rule_id`` names (a renamed id still works), or a usage error saying what was meant."""
    from byok_ci.rules.ids import load_registry, quoted

    known = load_registry().with_detection(r.id for r in ruleset.rules)
    rule = ruleset.get(known.canonical(rule_id))
    if rule is None:
        raise click.UsageError(known.unknown_detection(rule_id) or f"rule {quoted(rule_id)} did not load (see the errors above)")
    return rule


@rules.command("list")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path), help="Extra rule file or directory.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules_list(rule_files: tuple[Path, ...], fmt: str) -> None:
    """List the rules in force."""
    import json

    from byok_ci.outbound import defuse_json

    ruleset = _loaded(rule_files)
    if fmt == "json":
        rows = [{"id": r.id, "provider": r.provider, "severity": r.severity, "description": r.description}
                for r in ruleset.rules]
        click.echo(defuse_json(json.dumps(rows, indent=2)))
    else:
        width = max((len(r.id) for r in ruleset.rules), default=10)
        for r in ruleset.rules:
            click.echo(f"{r.id:<{width}}  {r.severity:<7}  {escape_terminal(r.description)}")
    sys.exit(INCOMPLETE if ruleset.errors else 0)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(path_type=Path), help="Extra rule file or directory.")
def rules_show(rule_id: str, rule_files: tuple[Path, ...]) -> None:
    """Show a rule: its key format, context, and where to revoke such keys."""
    from byok_ci.rules.keygen import describe_format

    ruleset = _loaded(rule_files)
    rule = _rule_named(ruleset, rule_id)
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
    click.echo("\n".join(escape_terminal(line) for line in lines))


@rules.command("docs")
@click.option("--write", "write_path", is_flag=False, flag_value="docs/rules.md", default=None,
              help="Refresh the generated section of FILE (default docs/rules.md) instead of printing it.")
def rules_docs(write_path: str | None) -> None:
    """Print (or refresh in docs/rules.md) the per-rule reference that SARIF help links point to."""
    from byok_ci.rules import docs as rulesdoc
    from byok_ci.rules import load_rules

    from byok_ci.drift.probes import load_probes

    ruleset, probes = load_rules(), load_probes()[0]
    if write_path is None:
        click.echo(rulesdoc.render(ruleset, probes), nl=False)
        return
    changed = rulesdoc.write(Path(write_path), ruleset, probes)
    click.echo(escape_terminal(f"{write_path}: {'updated' if changed else 'already up to date'}"))


@rules.command("test")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--seed", type=int, default=None, help="Seed for generated example keys.")
def rules_test(files: tuple[Path, ...], seed: int | None) -> None:
    """Run the examples of rule FILES (default: the shipped rules); report which fail."""
    from byok_ci.rules import default_rules_dir, load_rules, rule_files_in
    from byok_ci.rules.examples import DEFAULT_SEED, run_examples

    # The tested files come first, so their rules win over shipped rules of the same id;
    # the shipped rules stay loaded so overlaps resolve as they would in a scan.
    tested = [f.resolve() for path in files for f in (rule_files_in(path) if path.is_dir() else [path])]
    ruleset = load_rules([*tested, default_rules_dir()])
    only = {r.id for r in ruleset.rules if Path(r.source).resolve() in tested} if files else None
    own_errors = [e for e in ruleset.errors if not files or Path(e.path).resolve() in tested]
    for error in own_errors:
        _say_error(error)
    from byok_ci.detect.engine import Detector

    results = run_examples(ruleset, Detector(ruleset).detect, only, seed if seed is not None else DEFAULT_SEED)
    failed = [r for r in results if not r.passed]
    for result in failed:
        click.echo(f"FAIL {escape_terminal(result.describe())}\n     template: {escape_terminal(result.template)}")
    rules_run = len({r.rule_id for r in results})
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({rules_run} rules)")
    sys.exit(1 if failed else INCOMPLETE if own_errors else 0)


@main.group()
def baseline() -> None:
    """Accept the findings a tree already has, so scans report only new ones."""


def _baseline_settings(config_file: Path | None, exclude: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from byok_ci.config import resolve_settings

    settings, errors = resolve_settings(config_file=config_file)
    for error in errors:
        _say_error(error)
    return settings.extended(exclude=exclude), errors


def _baseline_exit(outcome, setting_errors: list) -> None:  # type: ignore[no-untyped-def]
    for error in outcome.report.errors:
        _say_error(error)
    _say_warnings(outcome.report)
    sys.exit(INCOMPLETE if outcome.report.errors or setting_errors or not outcome.written else 0)


_config_option = click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                              help="Config file (default: .byok-ci.yaml at the git root or here).")
_exclude_option = click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")


@baseline.command("create")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline file to write (default: .byok-ci-baseline.json, or the config's baseline).")
@click.option("--bind-paths", is_flag=True, help="Cover each secret only at the paths it is found at now.")
@click.option("--reason", default="", help="Reason recorded with every entry.")
@_config_option
@_exclude_option
def baseline_create(
    paths: tuple[str, ...], output: Path | None, bind_paths: bool, reason: str, config_file: Path | None,
    exclude: tuple[str, ...],
) -> None:
    """Scan PATHS (default: .) and write a baseline of every finding."""
    from byok_ci.suppress.baseline import BASELINE_NAME
    from byok_ci.baseline import create_baseline

    settings, setting_errors = _baseline_settings(config_file, exclude)
    target = output or (settings.baselines[0] if settings.baselines else Path(BASELINE_NAME))
    outcome = create_baseline(paths or (".",), target, settings=settings, bind_paths=bind_paths, reason=reason)
    if outcome.written and outcome.baseline is not None:
        count = len(outcome.baseline.entries)
        click.echo(escape_terminal(f"{target.as_posix()}: {count} {'entry' if count == 1 else 'entries'}"))
    _baseline_exit(outcome, setting_errors)


@baseline.command("update")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--baseline", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline file (default: the config's baseline, or .byok-ci-baseline.json).")
@click.option("--prune", is_flag=True, help="Remove entries whose secret no longer appears.")
@_config_option
@_exclude_option
def baseline_update(
    paths: tuple[str, ...], path: Path | None, prune: bool, config_file: Path | None, exclude: tuple[str, ...]
) -> None:
    """Rescan PATHS (default: .), add new findings to the baseline and report stale entries."""
    from byok_ci.suppress.baseline import BASELINE_NAME
    from byok_ci.baseline import update_baseline

    settings, setting_errors = _baseline_settings(config_file, exclude)
    target = path or (settings.baselines[0] if settings.baselines else Path(BASELINE_NAME))
    outcome = update_baseline(paths or (".",), target, settings=settings, prune=prune)
    result = outcome.update
    if result is not None:
        for entry in result.added:
            click.echo(escape_terminal(f"added  {entry.fingerprint}  {entry.rule_id}  {entry.redacted}"))
        verb = "removed" if result.pruned else "stale "
        for entry in result.stale:
            click.echo(escape_terminal(f"{verb} {entry.fingerprint}  {entry.rule_id}  {entry.redacted}  (no longer found)"))
        stale = f"{len(result.stale)} stale {'removed' if result.pruned else 'kept; --prune removes them'}"
        count = len(result.baseline.entries)
        click.echo(escape_terminal(
            f"{target.as_posix()}: {count} {'entry' if count == 1 else 'entries'} ({len(result.added)} added, {stale})"))
    _baseline_exit(outcome, setting_errors)


@rules.command("fixture")
@click.argument("rule_id")
@click.option("--seed", type=int, default=None, help="Seed, for the same fake key every time.")
def rules_fixture(rule_id: str, seed: int | None) -> None:
    """Print a realistic fake key for RULE_ID that byok-ci never reports (a test fixture)."""
    import random

    from byok_ci.rules.fixtures import fixture_key

    rule = _rule_named(_loaded(()), rule_id)
    try:
        click.echo(fixture_key(rule, random.Random(seed)))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.group()
def manifest() -> None:
    """Check, start and document environment key manifests (byok.yaml)."""


_MANIFEST_HELP = "Manifest file (default: byok.yaml here, else at the git root)."


def _manifest_path(given: str | None) -> Path:
    from byok_ci.config import git_root
    from byok_ci.manifest import DEFAULT_MANIFEST

    if given is not None:
        return Path(given)
    here = Path(DEFAULT_MANIFEST)
    root = git_root(Path.cwd())
    if not here.is_file() and root is not None and (root / DEFAULT_MANIFEST).is_file():
        return root / DEFAULT_MANIFEST
    return here


def _shown(path: Path) -> str:
    """How reports name ``path``: relative to the report root (the git work tree's root)."""
    from byok_ci.paths import report_root, shown_path

    return shown_path(path, report_root([path]))


@manifest.command("check")
@click.option("--manifest", "manifest_file", type=click.Path(dir_okay=False), help=_MANIFEST_HELP)
@click.option("--today", metavar="DATE", help="Judge rotation and expiry as of DATE (YYYY-MM-DD), for reproducible runs.")
@click.option("--strict", is_flag=True, help="Warnings (and inconclusive checks) fail the run.")
@_report_options(FORMATS)
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (default: .byok-ci.yaml at the git root or here).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings and errors only.")
@click.option("--no-color", is_flag=True, help="Never colour text output.")
def manifest_check(
    manifest_file: str | None,
    today: str | None,
    strict: bool,
    fmt: str,
    output: str | None,
    json_path: str | None,
    junit_path: str | None,
    sarif_path: str | None,
    config_file: Path | None,
    quiet: bool,
    no_color: bool,
) -> None:
    """Check every key of the manifest: naming, isolation, rotation, scopes, owners, workflows."""
    from byok_ci.config import resolve_settings
    from byok_ci.exitcodes import FAIL_ON, exit_code
    from byok_ci.manifest import check_manifest, parse_iso_date

    as_of = None
    if today is not None:
        try:
            as_of = parse_iso_date(today)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--today") from None
    path = _manifest_path(manifest_file)
    if manifest_file is None and not path.is_file():
        raise click.UsageError(f"no {path.as_posix()} here; write one with `byok-ci manifest init` or pass --manifest FILE")
    settings, setting_errors = resolve_settings(config_file=config_file)
    report = check_manifest(path, today=as_of, settings=settings, strict=strict, shown=_shown(path))
    report = _prepend_errors(report, setting_errors)
    for error in report.errors:
        _say_error(error)
    report = _write_outputs(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                            quiet=quiet, no_color=no_color)
    sys.exit(exit_code(report, fail_on=FAIL_ON) if strict else exit_code(report))


@manifest.command("init")
@click.option("--manifest", "manifest_file", default="byok.yaml", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the starter manifest; - for standard output.")
@click.option("--project", help="Project name (default: the repository directory's name).")
@click.option("--force", is_flag=True, help="Overwrite an existing manifest.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file whose policy (environments) to use.")
def manifest_init(manifest_file: str, project: str | None, force: bool, config_file: Path | None) -> None:
    """Write a starter manifest from the key names the repository uses (never a value)."""
    import re

    from byok_ci.config import git_root, resolve_settings
    from byok_ci.manifest import starter_manifest
    from byok_ci.manifest.run import base_policy
    from byok_ci.paths import shown_path
    from byok_ci.rules import load_rules

    settings, errors = resolve_settings(config_file=config_file)
    policy = base_policy(settings, errors)
    for error in errors:
        _say_error(error)
    root = git_root(Path.cwd()) or Path.cwd()
    name = re.sub(r"[^a-z0-9]+", "-", (project or root.name).lower()).strip("-") or "project"
    target = None if manifest_file == "-" else Path(manifest_file)
    if target is not None and target.exists() and not force:
        raise click.UsageError(f"{target.as_posix()} exists; pass --force to overwrite it")
    skip = [shown_path(target, root)] if target is not None else []
    text = starter_manifest(root, name, load_rules().providers, policy, skip=skip)
    if target is None:
        click.echo(text, nl=False)
    else:
        target.write_text(redact_text(text), encoding="utf-8")
        _say(f"byok-ci: wrote {target.as_posix()}; fill in the TODOs, then run `byok-ci manifest check`")
    sys.exit(INCOMPLETE if errors else 0)


@manifest.command("docs")
@click.option("--manifest", "manifest_file", type=click.Path(dir_okay=False), help=_MANIFEST_HELP)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the Markdown to FILE instead of stdout.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Config file (its policy sets the rotation period).")
def manifest_docs(manifest_file: str | None, output: str | None, config_file: Path | None) -> None:
    """Render the manifest as a Markdown table: where each key lives, owner, rotation due, models."""
    from byok_ci.config import resolve_settings
    from byok_ci.errors import ManifestError
    from byok_ci.manifest.docs import docs_for

    path = _manifest_path(manifest_file)
    settings, errors = resolve_settings(config_file=config_file)
    for error in errors:
        _say_error(error)
    try:
        text = docs_for(path, settings, shown=_shown(path))
    except ManifestError as exc:
        _say(f"byok-ci: error: {exc}")
        sys.exit(INCOMPLETE)
    if output:
        Path(output).write_text(redact_text(text), encoding="utf-8")
    else:
        click.echo(text, nl=False)
    sys.exit(INCOMPLETE if errors else 0)


@main.command()
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default="byok.yaml", show_default=True,
              help="The key manifest.")
@click.option("--env", "env", required=True, metavar="ENV", help="Environment whose keys are probed.")
@click.option("--key", "keys", multiple=True, metavar="NAME", help="Probe only this key (repeatable).")
@click.option("--base-url", "base_urls", multiple=True, metavar="NAME=URL",
              help="Base URL for key NAME, trusted (also BYOK_CI_BASE_URL_<NAME>).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST[:PORT]",
              help="Host a manifest base_url may point to (repeatable; also BYOK_CI_ALLOW_HOSTS).")
@click.option("--allow-insecure-loopback", is_flag=True, help="Allow plain http to loopback (127.0.0.1, localhost, ::1).")
@click.option("--proxy", envvar="BYOK_CI_PROXY", metavar="URL",
              help="HTTPS proxy for probes (also BYOK_CI_PROXY; HTTP_PROXY and friends are ignored).")
@click.option("--paid-probe", "paid_probes", multiple=True, metavar="PROVIDER=NAME",
              help="Opt into a named probe that costs money, for a provider without a free one.")
@click.option("--strict", is_flag=True, help="Count inconclusive checks as failed.")
@click.option("--audit-log", type=click.Path(dir_okay=False), help="Append one JSON line per request to FILE.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True, metavar="SECONDS",
              help="Read timeout per request, seconds.")
@click.option("--deadline", type=click.FloatRange(min=1), default=120.0, show_default=True, metavar="SECONDS",
              help="Total time for the run, seconds.")
@click.option("--jobs", "-j", type=click.IntRange(1, 32), default=4, show_default=True, help="Keys probed at once.")
@_report_options(FORMATS)
@click.option("--quiet", "-q", is_flag=True, help="Print failed and inconclusive checks only.")
@click.option("--no-color", is_flag=True, help="Never colour text output.")
def drift(manifest: Path, env: str, keys: tuple[str, ...], base_urls: tuple[str, ...], allow_hosts: tuple[str, ...],
          allow_insecure_loopback: bool, proxy: str | None, paid_probes: tuple[str, ...], strict: bool,
          audit_log: str | None,
          timeout: float, deadline: float, jobs: int, fmt: str, output: str | None, json_path: str | None,
          junit_path: str | None, sarif_path: str | None, quiet: bool, no_color: bool) -> None:
    """Prove each key of ENV works, and that an invalid key and no key are refused.

    Exit codes: 1 a check failed, 4 some inconclusive and none failed, 2 usage or a key
    could not be probed; --strict counts inconclusive as failed.
    """
    from byok_ci.drift import DriftOptions, load_targets, run_drift
    from byok_ci.drift.endpoints import policy_from
    from byok_ci.drift.http import Limits, check_proxy
    from byok_ci.exitcodes import exit_code

    from byok_ci.errors import UsageError
    from byok_ci.paths import report_root, shown_path

    root = report_root([manifest])
    try:
        targets, errors = load_targets(manifest, env, keys, shown=shown_path(manifest, root))
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        proxy = check_proxy(proxy) if proxy else None
        policy = policy_from(base_urls, allow_hosts, allow_insecure_loopback, os.environ, [t.key_name for t in targets])
        paid = dict(item.split("=", 1) for item in paid_probes if "=" in item)
        if len(paid) != len(paid_probes):
            raise ValueError("--paid-probe takes PROVIDER=NAME")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not targets and not errors:
        errors.append(_drift_no_keys(shown_path(manifest, root), env))
    options = DriftOptions(policy=policy, limits=Limits(read_timeout=timeout), deadline=deadline, jobs=jobs,
                           strict=strict, paid_probes=paid, proxy=proxy)
    audit = open(audit_log, "a", encoding="utf-8") if audit_log else None  # noqa: SIM115 - closed below
    try:
        report = run_drift(targets, options, audit_stream=audit, errors=errors, root=str(root))
    finally:
        if audit is not None:
            audit.close()
    for error in report.errors:
        _say_error(error)
    report = _write_outputs(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                            quiet=quiet, no_color=no_color)
    sys.exit(exit_code(report))


def _drift_no_keys(shown: str, env: str) -> ScanError:
    from byok_ci.model import ScanError

    return ScanError(shown, f"no keys for environment {env!r}: nothing was probed")


def _env_list(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").replace(",", " ").split() if v)


@main.command()
@click.option("--run", "run_jobs", envvar="BYOK_CI_CHECK_RUN", metavar="JOBS",
              help="Jobs to run, comma-separated: scan, artifacts, manifest, drift (default: the config's check: section).")
@click.option("--paths", envvar="BYOK_CI_CHECK_PATHS", metavar="PATHS", help="Paths for a working-tree scan (space-separated).")
@click.option("--artifacts", envvar="BYOK_CI_CHECK_ARTIFACTS", metavar="PATHS", help="Build artifact paths (space-separated).")
@click.option("--manifest", envvar="BYOK_CI_CHECK_MANIFEST", metavar="FILE", help="Key manifest (default byok.yaml).")
@click.option("--drift-env", envvar="BYOK_CI_CHECK_DRIFT_ENV", metavar="ENV", help="Environment whose keys drift probes.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST[:PORT]",
              help="Host a manifest base URL may use for drift probes (also BYOK_CI_ALLOW_HOSTS).")
@click.option("--proxy", envvar="BYOK_CI_PROXY", metavar="URL",
              help="HTTPS proxy for probes (also BYOK_CI_PROXY; HTTP_PROXY and friends are ignored).")
@click.option("--range", "git_range", metavar="BASE..HEAD", help="Scan these commits (other CI systems; GitHub's event is read by itself).")
@click.option("--scheduled", envvar="BYOK_CI_CHECK_SCHEDULED", type=click.Choice(("history", "tree")), default=None,
              help="What schedule/workflow_dispatch events scan (default history).")
@click.option("--allow-shallow", is_flag=True, help="Accept a shallow clone's truncated history.")
@click.option("--strict", is_flag=True, envvar="BYOK_CI_CHECK_STRICT",
              help="Manifest warnings and inconclusive checks fail, as --strict of manifest check and drift.")
@click.option("--timeout", envvar="BYOK_CI_CHECK_TIMEOUT", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="Drift: read timeout per request (default 15).")
@click.option("--deadline", envvar="BYOK_CI_CHECK_DEADLINE", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Drift: total time for the probes (default 120).")
@click.option("--audit-log", envvar="BYOK_CI_CHECK_AUDIT_LOG", type=click.Path(dir_okay=False),
              help="Drift: append one JSON line per request to FILE.")
@click.option("--allow-insecure-loopback", is_flag=True, help="Drift: allow plain http to loopback (127.0.0.1, localhost, ::1).")
@click.option("--fail-on", envvar="BYOK_CI_CHECK_FAIL_ON", metavar="WHAT",
              help="What fails the run: leaks, policy, drift, inconclusive (default leaks,policy,drift).")
@click.option("--baseline", "baselines", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline of accepted findings (repeatable; also BYOK_CI_CHECK_BASELINE).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Config file.")
@click.option("--junit", "junit_path", envvar="BYOK_CI_CHECK_JUNIT", type=click.Path(dir_okay=False), help="JUnit report file.")
@click.option("--sarif", "sarif_path", envvar="BYOK_CI_CHECK_SARIF", type=click.Path(dir_okay=False), help="SARIF report file.")
@click.option("--json", "json_path", envvar="BYOK_CI_CHECK_JSON", type=click.Path(dir_okay=False), help="JSON report file.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Standard output format.")
@click.option("--annotate/--no-annotate", default=None,
              help="GitHub annotations on stdout (default: on under GitHub Actions).")
@click.option("--quiet", "-q", is_flag=True, help="Print findings and errors only.")
@click.option("--no-color", is_flag=True, help="Never colour text output.")
def check(run_jobs: str | None, paths: str | None, artifacts: str | None, manifest: str | None, drift_env: str | None,
          allow_hosts: tuple[str, ...], proxy: str | None, git_range: str | None, scheduled: str | None,
          allow_shallow: bool, strict: bool, timeout: float | None, deadline: float | None, audit_log: str | None,
          allow_insecure_loopback: bool,
          fail_on: str | None, baselines: tuple[Path, ...], config_file: Path | None, junit_path: str | None,
          sarif_path: str | None, json_path: str | None, fmt: str, annotate: bool | None, quiet: bool,
          no_color: bool) -> None:
    """Run every configured job (scan, artifacts, manifest, drift) with one set of reports.

    Under GitHub Actions it reads the event payload to pick the commits to scan, writes
    the job summary ($GITHUB_STEP_SUMMARY), outputs ($GITHUB_OUTPUT) and annotations.
    """
    from byok_ci.check import CheckOptions, CheckUsageError, resolve_options, run_check
    from byok_ci.config import resolve_settings
    from byok_ci.drift.http import check_proxy
    from byok_ci.github_event import write_outputs
    from byok_ci.outbound import RedactingWriter, keep_identifiers
    from dataclasses import replace

    from byok_ci.report.github import workflow_command, write_summary
    from byok_ci.report.github import write as write_annotations

    settings, setting_errors = resolve_settings(config_file=config_file)
    extra_baselines = tuple(Path(p) for p in _env_list(os.environ.get("BYOK_CI_CHECK_BASELINE")))
    settings = settings.extended(baselines=baselines + extra_baselines)
    hosts = allow_hosts + _env_list(os.environ.get("BYOK_CI_ALLOW_HOSTS"))
    try:
        proxy = check_proxy(proxy) if proxy else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        options = resolve_options(CheckOptions(
            run=_env_list(run_jobs), paths=_env_list(paths), artifacts=_env_list(artifacts), manifest=manifest or None,
            drift_env=drift_env or None, git_range=git_range, scheduled=scheduled, fail_on=_env_list(fail_on),
            allow_hosts=hosts, proxy=proxy, allow_shallow=allow_shallow, strict=strict, timeout=timeout,
            deadline=deadline, audit_log=audit_log or None, allow_insecure_loopback=allow_insecure_loopback,
        ), settings)
        result = run_check(options, settings)
    except CheckUsageError as exc:
        raise click.UsageError(str(exc)) from None
    report = _prepend_errors(result.report, setting_errors)
    for notice in result.notices:
        _say(f"byok-ci: notice: {notice}")
    for error in report.errors:
        _say_error(error)
    _say_warnings(report)
    report = _write_outputs(report, fmt, None, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                            quiet=quiet, no_color=no_color)
    under_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    if annotate if annotate is not None else under_actions:
        write_annotations(report, sys.stdout)
        for notice in result.notices:
            click.echo(workflow_command("notice", notice, title="byok-ci"))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        keep_identifiers(f.commit for f in report.findings)
        with open(summary, "a", encoding="utf-8") as raw:
            handle = RedactingWriter(raw)
            write_summary(report, handle, title="byok-ci", notices=result.notices)  # type: ignore[arg-type]
            handle.flush()
    result = replace(result, report=report)
    code = result.exit_code()
    write_outputs(os.environ.get("GITHUB_OUTPUT"), {
        "result": result.result(), **result.counts(),
        "junit": junit_path or "", "sarif": sarif_path or "", "json": json_path or "",
    })
    sys.exit(code)

"""What every command shares: its options, each declared once here, and how it speaks.

A command module takes the options it needs from here (``@config_option``,
``@report_options``, ...), calls the library, writes reports through
:mod:`byok_ci.report.output`, and ends with :func:`finish` and the code
:mod:`byok_ci.exitcodes` decided.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from byok_ci.outbound import escape_terminal
from byok_ci.report import FORMATS

if TYPE_CHECKING:
    from byok_ci.config import Settings
    from byok_ci.model import Report, ScanError

F = TypeVar("F", bound=Callable[..., Any])


def _stack(*options: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator applying ``options`` in the order they are listed (as in --help)."""
    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


CONFIG_HELP = "Config file (default: .byok-ci.yaml at the git root or here)."


def config_option(help: str = CONFIG_HELP) -> Callable[[F], F]:  # noqa: A002 - click's name
    return click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help=help)




def quiet_option(help: str = "Print findings and errors only.") -> Callable[[F], F]:  # noqa: A002
    return click.option("--quiet", "-q", is_flag=True, help=help)


no_color_option = click.option("--no-color", is_flag=True,
                               help="Never colour text output (NO_COLOR is honoured too).")


def strict_option(help: str = "Count inconclusive checks as failed.", envvar: str | None = None) -> Callable[[F], F]:  # noqa: A002
    return click.option("--strict", is_flag=True, envvar=envvar, help=help)


exclude_option = click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")


def audit_log_option(envvar: str | None = None, help: str = "Drift: append one JSON line per request to FILE.",  # noqa: A002
                     **attrs: Any) -> Callable[[F], F]:
    return click.option("--audit-log", envvar=envvar, type=click.Path(dir_okay=False), help=help, **attrs)


# `byok-ci usage` reads earlier drift runs' audit logs (CI artifacts): the same option name, as input.
audit_logs_read_option = click.option("--audit-log", "audit_logs", multiple=True, type=click.Path(dir_okay=False),
                                      metavar="FILE", help="A drift audit log to count authentication failures in "
                                      "(repeatable).")
allow_hosts_option = click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST[:PORT]",
                                  help="Host a manifest base URL may point to (repeatable; also BYOK_CI_ALLOW_HOSTS).")
# Shared by drift, check (its drift run) and usage: the help names no one command.
allow_loopback_option = click.option("--allow-insecure-loopback", is_flag=True,
                                     help="Allow plain http to a loopback base URL (127.0.0.1, localhost, ::1), "
                                     "such as a local emulator of a provider's API.")
proxy_option = click.option("--proxy", envvar="BYOK_CI_PROXY", metavar="URL",
                            help="HTTPS proxy for probes (also BYOK_CI_PROXY; HTTP_PROXY and friends are ignored).")
MANIFEST_HELP = "Manifest file (default: byok.yaml here, else at the git root)."


def format_option(help: str = "Format for standard output (or --output).",  # noqa: A002
                  choices: tuple[str, ...] = FORMATS, default: str = "text") -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help=help)


def report_files(envvar_prefix: str | None = None) -> Callable[[F], F]:
    """--json, --junit and --sarif: more report files (``envvar_prefix``: also from the environment)."""
    def env(name: str) -> str | None:
        return f"{envvar_prefix}{name}" if envvar_prefix else None

    return _stack(
        click.option("--json", "json_path", envvar=env("JSON"), type=click.Path(dir_okay=False),
                     help="Also write a JSON report to FILE."),
        click.option("--junit", "junit_path", envvar=env("JUNIT"), type=click.Path(dir_okay=False),
                     help="Also write a JUnit XML report to FILE."),
        click.option("--sarif", "sarif_path", envvar=env("SARIF"), type=click.Path(dir_okay=False),
                     help="Also write a SARIF 2.1.0 report to FILE."),
        # Not passed to the command: kept in ctx.meta and written by write_reports.
        click.option("--gitlab", envvar=env("GITLAB"), type=click.Path(dir_okay=False), expose_value=False,
                     callback=_store_report_file, help="Also write a GitLab secret-detection report to FILE."),
    )


def _store_report_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value and param.name:
        ctx.meta.setdefault("byok_ci.report_files", {})[param.name] = value


report_options = _stack(
    format_option(),
    click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the --format report to FILE instead of stdout."),
    report_files(),
)


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


def _artifact(*decls: str, **attrs: Any) -> Callable[[F], F]:
    # Not passed to the command: gathered in ctx.meta, applied by with_artifact_options.
    return click.option(*decls, expose_value=False, callback=_store_artifact_option, **attrs)


# Archives, container images and encoded secrets (docs/artifacts.md#limits).
artifact_options = _stack(
    _artifact("--no-archives", is_flag=True, help="Do not open archives (zip, wheels, tarballs, images)."),
    _artifact("--max-archive-depth", type=int, metavar="N", help="Open archives nested N deep (default 3)."),
    _artifact("--max-archive-member-size", metavar="SIZE", help="Largest archive member read as text (default 50MB)."),
    _artifact("--max-archive-bytes", metavar="SIZE", help="Uncompressed bytes read per archive (default 1GB)."),
    _artifact("--max-archive-ratio", type=int, metavar="N", help="Highest compression ratio, against zip bombs (default 200)."),
    _artifact("--max-archive-members", type=int, metavar="N", help="Members per archive (default 100000)."),
    _artifact("--allow-partial-archives", is_flag=True,
              help="Archives cut short by a limit are still reported but do not set exit code 2."),
    _artifact("--max-decode-depth", type=int, metavar="N",
              help="Decode base64/URL-encoded text N levels deep (default 2; 0 turns it off)."),
)


def _store_verify_option(ctx: click.Context, param: click.Parameter, value: object) -> None:
    if param.name:
        ctx.meta.setdefault("byok_ci.verify", {})[param.name] = value


def _verify(*decls: str, **attrs: Any) -> Callable[[F], F]:
    # Not passed to the command: gathered in ctx.meta, read by verify_choices().
    return click.option(*decls, expose_value=False, callback=_store_verify_option, **attrs)


# `scan --verify` (docs/verify.md): opt-in, never in the shipped pre-commit hooks.
verify_options = _stack(
    _verify("--verify", is_flag=True, help="Ask each found key's provider whether it is live (sends the key to "
            "the provider's official host; docs/verify.md)."),
    _verify("--fail-on", type=click.Choice(("leaks", "live")), default="leaks", show_default=True,
            help="leaks: every finding fails; live (needs --verify): only keys the provider accepted fail, "
            "unknown ones make the run inconclusive (4), revoked ones pass."),
    audit_log_option(help="With --verify: append one JSON line per request to FILE.", expose_value=False,
                     callback=_store_verify_option),
    _verify("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True, metavar="SECONDS",
            help="With --verify: read timeout per request."),
    _verify("--deadline", type=click.FloatRange(min=1), default=60.0, show_default=True, metavar="SECONDS",
            help="With --verify: total time for verification."),
    _verify("--verify-jobs", type=click.IntRange(1, 32), default=4, show_default=True,
            help="With --verify: keys verified at once."),
    # Test seam, as drift's: a loopback stand-in for a provider, named by the workflow only.
    _verify("--base-url", "base_urls", multiple=True, metavar="PROVIDER=URL", hidden=True),
    _verify("--allow-insecure-loopback", is_flag=True, hidden=True),
)


def verify_choices() -> dict[str, Any]:
    """What the ``verify_options`` were given (defaults included)."""
    return dict(click.get_current_context().meta.get("byok_ci.verify", {}))


def with_artifact_options(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, **click.get_current_context().meta.get("byok_ci.artifacts", {}))


# ---------------------------------------------------------------- speaking

def say(message: str) -> None:
    """One line on standard error; what it quotes (file names, values) cannot break the line.
    (Keys in it are redacted on the way out, as in everything byok-ci prints.)"""
    click.echo(escape_terminal(message), err=True)


def say_error(error: ScanError) -> None:
    say(f"byok-ci: error: {error.one_line()}")


def say_errors(report: Report) -> None:
    for error in report.errors:
        say_error(error)


def say_warnings(report: Report) -> None:
    for warning in report.warnings:
        say(f"byok-ci: warning: {warning.one_line()}")


def use_color(stream: TextIO, no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def with_setting_errors(report: Report, errors: Iterable[ScanError]) -> Report:
    """Settings problems first, their files named relative to the report root like every path."""
    from dataclasses import replace

    from byok_ci.paths import relative_to_root

    return report.with_errors([replace(e, path=relative_to_root(e.path, report.root)) if report.root else e
                               for e in errors])


def write_reports(report: Report, fmt: str, output: str | None, extra: Mapping[str, str | None], *,
                  quiet: bool, no_color: bool) -> Report:
    """The reports a command was asked for; the report returned also lists what could not be written."""
    from byok_ci.report.output import write_outputs

    context = click.get_current_context(silent=True)
    extra = {**extra, **(context.meta.get("byok_ci.report_files", {}) if context else {})}
    return write_outputs(report, fmt, output, extra, on_error=say_error, quiet=quiet,
                         color=use_color(sys.stdout, no_color))


def words(value: str | None) -> tuple[str, ...]:
    """A list given as one string, comma- or space-separated: the Action passes paths
    space-separated. (Settings from the environment are comma-separated only, as a glob
    may hold a space: config.py.)"""
    return tuple(v for v in (value or "").replace(",", " ").split() if v)


def finish(code: int) -> NoReturn:
    """End the command with ``code``, decided by :mod:`byok_ci.exitcodes`."""
    sys.exit(code)

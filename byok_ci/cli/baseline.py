"""`byok-ci baseline`: accept the findings a tree already has (create, update)."""

from __future__ import annotations

from pathlib import Path

import click

from byok_ci.cli.options import config_option, exclude_option, finish, say_error, say_errors, say_warnings
from byok_ci.exitcodes import decide
from byok_ci.outbound import escape_terminal


@click.group()
def baseline() -> None:
    """Accept the findings a tree already has, so scans report only new ones."""


def _settings(config_file: Path | None, exclude: tuple[str, ...]):  # type: ignore[no-untyped-def]
    from byok_ci.config import resolve_settings

    settings, errors = resolve_settings(config_file=config_file)
    for error in errors:
        say_error(error)
    return settings.extended(exclude=exclude), errors


def _finish(outcome, setting_errors: list) -> None:  # type: ignore[no-untyped-def]
    say_errors(outcome.report)
    say_warnings(outcome.report)
    finish(decide(incomplete=bool(outcome.report.errors or setting_errors or not outcome.written)))


def _default(settings) -> Path:  # type: ignore[no-untyped-def]
    from byok_ci.suppress.baseline import BASELINE_NAME

    return settings.baselines[0] if settings.baselines else Path(BASELINE_NAME)


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


@baseline.command("create")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline file to write (default: .byok-ci-baseline.json, or the config's baseline).")
@click.option("--bind-paths", is_flag=True, help="Cover each secret only at the paths it is found at now.")
@click.option("--reason", default="", help="Reason recorded with every entry.")
@config_option()
@exclude_option
def baseline_create(
    paths: tuple[str, ...], output: Path | None, bind_paths: bool, reason: str, config_file: Path | None,
    exclude: tuple[str, ...],
) -> None:
    """Scan PATHS (default: .) and write a baseline of every finding."""
    from byok_ci.baseline import create_baseline

    settings, setting_errors = _settings(config_file, exclude)
    target = output or _default(settings)
    outcome = create_baseline(paths or (".",), target, settings=settings, bind_paths=bind_paths, reason=reason)
    if outcome.written and outcome.baseline is not None:
        click.echo(escape_terminal(f"{target.as_posix()}: {_entries(len(outcome.baseline.entries))}"))
    _finish(outcome, setting_errors)


@baseline.command("update")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--baseline", "path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline file (default: the config's baseline, or .byok-ci-baseline.json).")
@click.option("--prune", is_flag=True, help="Remove entries whose secret no longer appears.")
@config_option()
@exclude_option
def baseline_update(
    paths: tuple[str, ...], path: Path | None, prune: bool, config_file: Path | None, exclude: tuple[str, ...]
) -> None:
    """Rescan PATHS (default: .), add new findings to the baseline and report stale entries."""
    from byok_ci.baseline import update_baseline

    settings, setting_errors = _settings(config_file, exclude)
    target = path or _default(settings)
    outcome = update_baseline(paths or (".",), target, settings=settings, prune=prune)
    result = outcome.update
    if result is not None:
        for entry in result.added:
            click.echo(escape_terminal(f"added  {entry.fingerprint}  {entry.rule_id}  {entry.redacted}"))
        verb = "removed" if result.pruned else "stale "
        for entry in result.stale:
            click.echo(escape_terminal(f"{verb} {entry.fingerprint}  {entry.rule_id}  {entry.redacted}  (no longer found)"))
        stale = f"{len(result.stale)} stale {'removed' if result.pruned else 'kept; --prune removes them'}"
        click.echo(escape_terminal(
            f"{target.as_posix()}: {_entries(len(result.baseline.entries))} ({len(result.added)} added, {stale})"))
    _finish(outcome, setting_errors)

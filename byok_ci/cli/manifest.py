"""`byok-ci manifest`: check, start and document the key manifest (byok.yaml)."""

from __future__ import annotations

from pathlib import Path

import click

from byok_ci.cli.options import (
    MANIFEST_HELP,
    config_option,
    finish,
    no_color_option,
    quiet_option,
    report_options,
    say,
    say_error,
    say_errors,
    strict_option,
    with_setting_errors,
    write_reports,
)
from byok_ci.exitcodes import decide
from byok_ci.outbound import redact_text

_manifest_option = click.option("--manifest", "manifest_file", type=click.Path(dir_okay=False), help=MANIFEST_HELP)


@click.group()
def manifest() -> None:
    """Check, start and document environment key manifests (byok.yaml)."""


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
@_manifest_option
@click.option("--today", metavar="DATE", help="Judge rotation and expiry as of DATE (YYYY-MM-DD), for reproducible runs.")
@strict_option("Warnings (and inconclusive checks) fail the run.")
@report_options
@config_option()
@quiet_option()
@no_color_option
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
    report = with_setting_errors(report, setting_errors)
    say_errors(report)
    report = write_reports(report, fmt, output, {"json": json_path, "junit": junit_path, "sarif": sarif_path},
                           quiet=quiet, no_color=no_color)
    # --strict: an inconclusive check fails the run (its finding is already an error).
    finish(exit_code(report, fail_on=FAIL_ON) if strict else exit_code(report))


@manifest.command("init")
@click.option("--manifest", "manifest_file", default="byok.yaml", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the starter manifest; - for standard output.")
@click.option("--project", help="Project name (default: the repository directory's name).")
@click.option("--force", is_flag=True, help="Overwrite an existing manifest.")
@config_option("Config file whose policy (environments) to use.")
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
        say_error(error)
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
        say(f"byok-ci: wrote {target.as_posix()}; fill in the TODOs, then run `byok-ci manifest check`")
    finish(decide(incomplete=bool(errors)))


@manifest.command("docs")
@_manifest_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the Markdown to FILE instead of stdout.")
@config_option("Config file (its policy sets the rotation period).")
def manifest_docs(manifest_file: str | None, output: str | None, config_file: Path | None) -> None:
    """Render the manifest as a Markdown table: where each key lives, owner, rotation due, models."""
    from byok_ci.config import resolve_settings
    from byok_ci.errors import ManifestError
    from byok_ci.manifest.docs import docs_for

    path = _manifest_path(manifest_file)
    settings, errors = resolve_settings(config_file=config_file)
    for error in errors:
        say_error(error)
    try:
        text = docs_for(path, settings, shown=_shown(path))
    except ManifestError as exc:
        say(f"byok-ci: error: {exc}")
        finish(decide(incomplete=True))
    if output:
        Path(output).write_text(redact_text(text), encoding="utf-8")
    else:
        click.echo(text, nl=False)
    finish(decide(incomplete=bool(errors)))

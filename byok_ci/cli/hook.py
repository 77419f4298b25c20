"""`byok-ci hook pre-receive`: the server-side gate git runs before it accepts a push."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import click

from byok_ci.cli.options import config_option, finish, say


@click.group()
def hook() -> None:
    """Git hooks that run on a server (a bare repository)."""


@hook.command("pre-receive")
@config_option("Config file (default: BYOK_CI_CONFIG; a bare repository has no checkout to hold one).")
@click.option("--timeout", envvar="BYOK_CI_PRE_RECEIVE_TIMEOUT", type=click.FloatRange(min=0, min_open=True),
              default=60.0, show_default=True, metavar="SECONDS", help="Time budget for the scan of one push.")
@click.option("--on-timeout", envvar="BYOK_CI_PRE_RECEIVE_ON_TIMEOUT", type=click.Choice(("accept", "reject")),
              default="reject", show_default=True,
              help="What happens to a push whose scan ran out of time (accept makes the gate advisory).")
@click.option("--inline-allow/--no-inline-allow", envvar="BYOK_CI_PRE_RECEIVE_INLINE_ALLOW", default=False,
              show_default=True, help="Honour 'byok-ci: allow' markers in pushed files (off: a pusher cannot "
                                       "wave their own key through; allow false positives by fingerprint).")
@click.option("--scan-binary/--skip-binary", envvar="BYOK_CI_PRE_RECEIVE_SCAN_BINARY", default=True, show_default=True,
              help="Read the printable text of binary files (skipping them would let one NUL byte carry a key in).")
def pre_receive(config_file: Path | None, timeout: float, on_timeout: str, inline_allow: bool,
                scan_binary: bool) -> None:
    """Reject a push that adds a leaked key: reads git's `<old> <new> <ref>` lines on stdin.

    Install as hooks/pre-receive of the bare repository (see docs/git.md). Exit 0 accepts
    the push; anything else rejects it, and git shows these messages to the pusher.
    """
    from byok_ci.config import resolve_settings
    from byok_ci.errors import InputError
    from byok_ci.exitcodes import INCOMPLETE
    from byok_ci.pre_receive import check_push, read_updates

    try:
        updates = read_updates(sys.stdin.read())
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    # Settings from --config, BYOK_CI_CONFIG or the environment: a broken one rejects the
    # push (the gate must not run with settings nobody chose).
    settings, errors = resolve_settings(config_file=config_file)
    for error in errors:
        say(f"byok-ci: error: {error.one_line()} (push rejected)")
    if errors:
        finish(INCOMPLETE)
    verdict = check_push(updates, dataclasses.replace(settings, inline_allow=inline_allow, scan_binary=scan_binary), timeout=timeout,
                         on_timeout=on_timeout)
    # GitLab shows a server hook's output to the pusher only on lines with this prefix
    # (its "Git server hooks" guide, "Custom error messages"); GL_ID is set for its hooks.
    prefix = "GL-HOOK-ERR: " if os.environ.get("GL_ID") else ""
    for line in verdict.lines:
        say(prefix + line)
    finish(verdict.code)

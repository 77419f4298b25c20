"""The `byok-ci` command line: one thin module per command group over :mod:`.options`.

A command parses options, calls the library, picks reporters and exits with the code
:mod:`byok_ci.exitcodes` decides. Heavy modules are imported inside commands so
`byok-ci scan` starts fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import signal as _signal
else:  # signal's C half, what the signal module wraps in enums: making them costs a hook ~1 ms
    import _signal

from byok_ci._startup import exit_now, pause_collection

pause_collection()  # `python -m byok_ci scan`: before click and the commands (byok_ci._startup)

import click  # noqa: E402

from byok_ci._version import __version__  # noqa: E402
from byok_ci.cli.options import say  # noqa: E402
from byok_ci.exitcodes import CLOSED_PIPE, INTERNAL_ERROR, INTERRUPTED  # noqa: E402
from byok_ci.outbound import escape_terminal  # noqa: E402


class _Main(click.Group):
    """Maps anything unexpected to exit code 3 with a one-line message (no traceback, no values),
    and a command cut short by a closed standard output (`rules list | head`) to 141 with none.
    A command that decided its result before the reader went away (a scan whose report was
    written) keeps its exit code: `scan | head -1` still fails on a leak and passes when clean.

    Everything the command prints passes through one redaction step (standard output and
    error are wrapped for the whole run, click's own usage errors included), and usage
    errors quoting an argument show its control characters escaped.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from byok_ci.outbound import redacted_std_streams

        try:
            with redacted_std_streams():
                return super().main(*args, **kwargs)
        except SystemExit as done:
            exit_now(done.code)  # `byok-ci scan` ends here, its output written (byok_ci._startup)
            raise

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            exc.message = escape_terminal(exc.message)  # type: ignore[misc]  # quotes an argument
            raise

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        # SIGTERM (CI cancelling a job) unwinds like Ctrl-C, so partial reports are removed.
        _signal.signal(_signal.SIGTERM, _signal.default_int_handler)
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            exc.message = escape_terminal(exc.message)  # type: ignore[misc]  # quotes an argument
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            from byok_ci.outbound import close_stdout_quietly

            close_stdout_quietly()
            ctx.exit(CLOSED_PIPE)
        except KeyboardInterrupt:
            say("byok-ci: interrupted; no report was completed")
            ctx.exit(INTERRUPTED)
        except Exception as exc:  # noqa: BLE001 - the one place that turns crashes into exit code 3
            if os.environ.get("BYOK_CI_DEBUG"):
                _say_traceback(exc)
            else:
                tb = exc.__traceback__
                while tb is not None and tb.tb_next is not None:
                    tb = tb.tb_next
                where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
                say(
                    f"byok-ci: internal error ({type(exc).__name__}{where}); "
                    "set BYOK_CI_DEBUG=1 for a traceback and please report it"
                )
            ctx.exit(INTERNAL_ERROR)



def _say_traceback(exc: BaseException) -> None:
    """BYOK_CI_DEBUG's traceback: where each exception of the chain was raised, and its
    type, never its message (a message may quote scanned text, a key; raised on past the
    redacted streams it reached CI logs whole)."""
    import sys
    import traceback

    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and all(seen is not other for other in chain):
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for link in reversed(chain):
        sys.stderr.write("Traceback (most recent call last):\n" + "".join(traceback.format_tb(link.__traceback__)))
        sys.stderr.write(f"{type(link).__module__}.{type(link).__qualname__} (message not shown: it may quote a key)\n")


# Each command's module is imported only when that command runs (or --help lists them), so
# a pre-commit hook's `byok-ci scan --staged` does not pay for drift's or check's options.
COMMANDS = {
    "scan": "byok_ci.cli.scan",
    "rules": "byok_ci.cli.rules",
    "baseline": "byok_ci.cli.baseline",
    "manifest": "byok_ci.cli.manifest",
    "drift": "byok_ci.cli.drift",
    "check": "byok_ci.cli.check",
    "usage": "byok_ci.cli.usage",
    "hook": "byok_ci.cli.hook",
    "revoke-plan": "byok_ci.cli.revoke",
    "report": "byok_ci.cli.report",
    "schema": "byok_ci.cli.schema",
    "shard-plan": "byok_ci.cli.shard",
}


class _Commands(_Main):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        import importlib

        command: click.Command = getattr(importlib.import_module(COMMANDS[cmd_name]),
                                          cmd_name.replace("-", "_"))
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="byok-ci")
def main() -> None:
    """Keep bring-your-own AI API keys out of code and artifacts.

    Exit codes: 0 clear, 1 leaks found or a check failed, 2 usage error or incomplete run,
    3 internal error, 4 inconclusive checks.
    """


__all__ = ["main"]

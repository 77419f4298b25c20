"""`byok-ci shard-plan N`: a history's shard plan made once, for `scan --history --shard K/N
--shard-plan FILE` (:mod:`byok_ci.sources.git.plan_file`)."""

from __future__ import annotations

import json

import click

from byok_ci.cli.options import finish, say


@click.command("shard-plan")
@click.argument("count", type=click.IntRange(1, 4096), metavar="N")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=str),
              help="Write the plan to FILE (JSON).")
def shard_plan(count: int, paths: tuple[str, ...], output: str) -> None:
    """Plan N shards of this repository's history once, so each `scan --history --shard K/N
    --shard-plan FILE` reads the plan instead of listing the whole history itself (haystack:
    4 CPU-s a shard). PATHS: the same git pathspecs the shards' scans give.

    The plan holds for this HEAD and these refs, this directory and PATHS, and `--history`
    without `--all-objects`: a shard whose scan differs reports it and scans nothing (exit 2).
    See docs/scale.md.
    """
    from byok_ci.errors import GitError
    from byok_ci.exitcodes import INCOMPLETE, OK
    from byok_ci.sources.git.plan_file import make_plan

    try:
        plan = make_plan(count, None, paths)
    except GitError as exc:
        say(f"byok-ci: cannot plan the shards: {exc}")
        finish(INCOMPLETE)
    from byok_ci.report.output import write_file

    try:  # whole or not at all, never through a link a checkout committed (as reports are written)
        write_file(output, lambda stream: json.dump(plan, stream, separators=(",", ":")))
    except OSError as exc:
        say(f"byok-ci: {output}: cannot write the shard plan: {exc.strerror or exc}")
        finish(INCOMPLETE)
    say(f"byok-ci: {output}: a plan of {count} shard(s), {len(plan['units'])} unit(s), id {plan['plan']}")
    finish(OK)

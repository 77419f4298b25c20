"""The git modes of `byok-ci scan`: --staged, --range, --since, --history, --pre-push."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from byok_ci._startup import resume_collection
from byok_ci.cli.options import say

if TYPE_CHECKING:
    from byok_ci.config import Settings
    from byok_ci.model import Report
    from byok_ci.scan_git import GitTarget
    from byok_ci.shard import Shard
    from byok_ci.sources.git.plan_file import SavedPlan
    from byok_ci.vault import KeyVault

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option("--staged", is_flag=True, help="Scan the lines the index adds (what the next commit holds)."),
    click.option("--range", "git_range", metavar="BASE..HEAD", help="Scan the lines each commit in the range adds."),
    click.option("--since", metavar="REF", help="Scan the commits since REF (REF..HEAD)."),
    click.option("--history", is_flag=True, help="Scan every commit reachable from any ref."),
    click.option("--pre-push", is_flag=True,
                 help="Scan the commits being pushed (as pre-commit's pre-push hook, or as git's own: refs on stdin)."),
    click.option("--allow-shallow", is_flag=True, help="Accept a shallow clone's truncated history (exit 0 if clean)."),
    click.option("--all-objects", is_flag=True,
                 help="With --history: every commit in the repository, also those only pull-request refs, "
                      "reflogs or nothing reach (marked)."),
    click.option("--state", "state", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                 help="With --history: scan only commits FILE does not record as scanned, then record them."),
    click.option("--full", is_flag=True, help="With --state: scan the whole history and rewrite FILE."),
)


def git_options(command: F) -> F:
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def git_target(
    staged: bool, git_range: str | None, since: str | None, history: bool, pre_push: bool,
    all_objects: bool = False, state: Path | None = None, full: bool = False,
) -> GitTarget | None:
    """What git holds that the options ask to scan; None for a scan of files."""
    for name, on, needs, given in (("--all-objects", all_objects, "--history", history),
                                   ("--state", state is not None, "--history", history),
                                   ("--full", full, "--state", state is not None)):
        if on and not given:
            raise click.UsageError(f"{name} applies only with {needs}")
    chosen = [name for name, on in (("--staged", staged), ("--range", git_range is not None),
                                    ("--since", since is not None), ("--history", history),
                                    ("--pre-push", pre_push)) if on]
    if len(chosen) > 1:
        raise click.UsageError(f"choose one of {', '.join(chosen)}")
    if not chosen:
        return None
    from byok_ci.sources.git.revisions import GitTarget  # not scan_git: a history starts git before detection loads

    if git_range is not None:
        return GitTarget("range", revision=git_range)
    if since is not None:
        return GitTarget("since", revision=since)
    if pre_push:
        from byok_ci.scan_git import pre_push_target

        return pre_push_target(os.environ, sys.stdin)
    return GitTarget("history", all_objects=all_objects) if history else GitTarget("staged")


def scan_git_report(target: GitTarget, paths: tuple[str, ...], settings: Settings, allow_shallow: bool,
                    state: Path | None = None, full: bool = False, shard: Shard | None = None,
                    keys: KeyVault | None = None, plan: SavedPlan | None = None) -> Report:
    """scan_git, with a progress bar in commits for a history scan on a terminal."""
    started = None
    if target.mode == "history" and state is None and shard is None:
        # git first: its diffs then run while detection loads (issue 16 §3).
        from byok_ci.sources.git.commits import start_history

        started = start_history(paths, settings.max_file_size, settings.jobs, target.all_objects)
    from byok_ci.report.progress import commit_progress, on_terminal
    from byok_ci.scan_git import scan_git

    if started is None:
        # A whole history's scan makes next to no cyclic garbage (44 objects on openai-python
        # and on a generated history alike) while a collection walks every object it keeps:
        # collection stays paused until its process ends (bench/README.md, "Round 6 — hist-small").
        resume_collection()  # what the scan runs is imported (byok_ci._startup)
    with commit_progress() as progress:
        return scan_git(
            target, paths, settings=settings, allow_shallow=allow_shallow,
            on_note=lambda message: say(f"byok-ci: note: {message}"),
            progress=progress if target.mode == "history" and on_terminal() else None,
            state=state, full=full, shard=shard, plan=plan, keys=keys, started=started,
        )

"""How many runs a history's commits are cut into, and the order git processes take them.

Each `-j` git process streams one consecutive run of the parents-first commits at a time and
takes the next run when its own ends (pipeline.detection.detect_concurrently). With as many
runs as processes (as before), a process whose run git finds cheap ends early and its core
idles: on haystack the newest 6 % of the commits are 84 % of git's work, and the older half's
git ended after a tenth of the scan. With more runs than processes, taken newest first (newer
commits tend to change larger files, so the runs left for the end are cheap), the processes
end together without predicting what git's work costs. Each run's git costs ~0.02 CPU-s to
start (and loses what it had unpacked for the commits before), which a small repository's
whole history does not repay: runs are as many as MiB of objects / :data:`BYTES_PER_RUN`
(git's CPU follows the pack's size: ~0.11-0.14 CPU-s a MiB on haystack and openai-python),
within bounds (bench/README.md, "Round 5 — hist-sched"). Findings do not depend on the runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from byok_ci.sources.git.process import run

# A run for each this many bytes of the repository's objects, of at least this many commits,
# and at most this many runs a process.
BYTES_PER_RUN = 8 << 20
COMMITS_PER_RUN = 100
RUNS_PER_PROCESS = 16
# Fewer runs than this a process are not worth their git start-ups: openai-python (25 MiB,
# 3 runs for 2 processes) scanned 0.15 s slower in 2.5 s than with 2 on a quiet machine,
# where byok-ci's own process, not git, sets the pace.
MIN_RUNS_PER_PROCESS = 2


class _Indexed(Protocol):
    @property
    def index(self) -> int: ...


Run = TypeVar("Run", bound=_Indexed)


def run_count(processes: int, commits: int, cwd: str | None) -> int:
    """Runs to cut ``commits`` into for ``processes`` git processes (one for one process)."""
    if processes <= 1:
        return processes
    wanted = min(processes * RUNS_PER_PROCESS, commits // COMMITS_PER_RUN, object_bytes(cwd) // BYTES_PER_RUN)
    if wanted < processes * MIN_RUNS_PER_PROCESS:
        wanted = processes
    return min(commits, wanted)


def object_bytes(cwd: str | None) -> int:
    """The size of the repository's objects (packed and loose, as stored); 0 if not known."""
    done = run(["count-objects", "-v"], cwd=cwd)
    fields = dict(line.split(b": ", 1) for line in done.stdout.splitlines() if b": " in line)
    try:
        return (int(fields.get(b"size-pack", b"0")) + int(fields.get(b"size", b"0"))) * 1024
    except ValueError:
        return 0


def taken(runs: Sequence[Run]) -> list[Run]:
    """``runs`` (indexed parents-first) in the order git processes take them: newest first."""
    return sorted(runs, key=lambda run: -run.index)

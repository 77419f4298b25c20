"""How many runs a history's commits are cut into, and the order git processes take them.

Each `-j` git process streams one consecutive run of the parents-first commits at a time and
takes the next run when its own ends (pipeline.detection.detect_concurrently). With as many
runs as processes (as before), a process whose run git finds cheap ends early and its core
idles: on haystack the newest 6 % of the commits are 84 % of git's work, and the older half's
git ended after a tenth of the scan. With more runs than processes, taken newest first (newer
commits tend to change larger files, so the runs left for the end are cheap), the processes
end together without predicting what git's work costs (bench/README.md, "Round 5 — hist-sched").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

# Runs of about this many commits (each run's git costs ~0.02 CPU-s to start, and loses what
# it had unpacked for the commits before), at most this many runs a process.
COMMITS_PER_RUN = 250
RUNS_PER_PROCESS = 16


class _Indexed(Protocol):
    @property
    def index(self) -> int: ...


Run = TypeVar("Run", bound=_Indexed)


def run_count(processes: int, commits: int) -> int:
    """Runs to cut ``commits`` into for ``processes`` git processes (one for one process)."""
    if processes <= 1:
        return processes
    return min(commits, max(processes, min(processes * RUNS_PER_PROCESS, commits // COMMITS_PER_RUN)))


def taken(runs: Sequence[Run]) -> list[Run]:
    """``runs`` (indexed parents-first) in the order git processes take them: newest first."""
    return sorted(runs, key=lambda run: -run.index)

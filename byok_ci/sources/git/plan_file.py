"""A history's shard plan made once (`byok-ci shard-plan N`) and handed to every shard
(`scan --history --shard K/N --shard-plan FILE`), so that no shard lists the history itself.

Without it every shard lists the history (`git log --raw -c`, every blob's size) to compute
the same plan: a cost that does not shrink with N (haystack: 2.3 CPU-s of git and 1.7 of
byok-ci a shard, against 41 CPU-s of git for the whole scan), so at 8 shards each shard's git
work is about 1.5 times its 1/N (bench/README.md, "Round 10 — shard10"). The file holds what a
shard takes from the listing: the plan (:class:`~byok_ci.shard.Plan`), and for each shard the
commits that change its paths with their predicted cost (git is given only those). It is
made for one history: a shard whose HEAD or refs differ from those it was made for reports
that and scans nothing (exit 2), as its plan could leave a path to no shard.

A plan file is trusted as the rules and the configuration are: one edited by hand could keep
a path out of every shard. Its own id is checked, which catches a damaged or hand-edited
plan, not a forged one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from byok_ci.errors import GitError
from byok_ci.shard import Plan, Shard, tree_plan, unit_owner
from byok_ci.sources.git import cost
from byok_ci.sources.git.sharding import Listing, history_id, history_listing, lossless

FORMAT = "byok-ci-shard-plan/1"


class PlanFileError(ValueError):
    """A plan file that cannot be used: the message names the file (and line)."""


@dataclass(frozen=True)
class SavedPlan:
    """A plan file as read: the history it was made for, and what each shard takes."""

    source: str  # the file, for messages
    count: int
    scanned: str  # history_id() of the history it was made for
    all_objects: bool
    pathspecs: tuple[str, ...]
    plan: Plan
    costs: dict[int, dict[bytes, int]] | None  # by shard; None: the history could not be listed

    def check(self, shard: Shard, scanned: str, all_objects: bool, pathspecs: Sequence[str]) -> None:
        """GitError (the scan then reports it, incomplete) when this scan is not the one the
        plan was made for."""
        if shard.count != self.count:
            raise GitError(f"{self.source}: a plan for {self.count} shards, not {shard.count}")
        if scanned != self.scanned:
            raise GitError(f"{self.source}: made for another history (HEAD or refs differ: {self.scanned}, "
                           f"here {scanned}); make it again in this clone")
        if all_objects != self.all_objects or tuple(pathspecs) != self.pathspecs:
            raise GitError(f"{self.source}: made for a scan of other paths or objects (all objects: "
                           f"{self.all_objects}, paths: {' '.join(self.pathspecs) or 'all'})")


def make_plan(count: int, cwd: str | None = None, all_objects: bool = False,
              pathspecs: Sequence[str] = ()) -> dict[str, Any]:
    """The plan file's content for ``count`` shards of the history in ``cwd`` (JSON-ready)."""
    scanned = history_id(cwd)
    try:
        listing = history_listing(cwd, all_objects, pathspecs)
    except GitError:
        listing = Listing([], {})  # as a shard does: every path placed by its name alone
    weights = listing.weights()
    names = {path: lossless(path) for path in weights}
    plan = tree_plan({names[path]: weight for path, weight in weights.items()}, count)
    owner = unit_owner(plan.units, count, plan.ranges)
    owners = {path: owner(name) for path, name in names.items()}
    costs: dict[int, dict[str, int]] | None = None
    if listing.changes:
        costs = {number: {} for number in range(1, count + 1)}
        for commit, path, oids in listing.changes:
            mine = costs[owners[path]]
            sha = commit.decode("ascii")
            mine[sha] = mine.get(sha, 0) + cost.change_cost(oids, listing.sizes)
    return {
        "format": FORMAT, "count": count, "scanned": scanned, "all_objects": all_objects,
        "pathspecs": list(pathspecs), "plan": plan.digest(),
        "units": plan.units,
        "ranges": {directory: [[lowest.hex(), number] for lowest, number in cut] for directory, cut in plan.ranges.items()},
        "commits": None if costs is None else {str(number): shas for number, shas in costs.items()},
    }


def read_plan(path: str) -> SavedPlan:
    """A plan file, checked for what it must hold (PlanFileError naming the file otherwise)."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the shard plan: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path}: not a shard plan (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}: not a shard plan (invalid JSON: {exc.msg})") from None
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a shard plan ({FORMAT!r} expected in \"format\")")
        count = data["count"]
        if not isinstance(count, int) or isinstance(count, bool):
            raise ValueError("its count is not a number")
        units = {str(unit): _shard_number(number, count) for unit, number in data["units"].items()}
        ranges = {str(directory): [(bytes.fromhex(lowest), _shard_number(number, count)) for lowest, number in cut]
                  for directory, cut in data["ranges"].items()}
        commits = data["commits"]
        costs = None if commits is None else {
            _shard_number(int(number), count): {str(sha).encode("ascii"): int(value) for sha, value in shas.items()}
            for number, shas in commits.items()}
        plan = Plan(units, ranges)
        saved = SavedPlan(path, count, str(data["scanned"]), bool(data["all_objects"]),
                          tuple(str(spec) for spec in data["pathspecs"]), plan, costs)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        reason = f"{exc.args[0]!r} missing" if isinstance(exc, KeyError) else str(exc)
        raise PlanFileError(f"{path}: not a usable shard plan: {reason}") from None
    if plan.digest() != data.get("plan"):
        raise PlanFileError(f"{path}: the plan does not match its id (damaged or edited): make it again")
    return saved


def _shard_number(value: object, count: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= count:
        raise ValueError(f"{value!r} is not a shard of {count}")
    return value

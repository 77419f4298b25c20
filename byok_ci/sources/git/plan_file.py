"""A history's shard plan made once (`byok-ci shard-plan N`) and handed to every shard
(`scan --history --shard K/N --shard-plan FILE`), so that no shard lists the history itself.

Without it every shard lists the history (`git log --raw -c`, every blob's size) to compute
the same plan: a cost that does not shrink with N (haystack: about 2 CPU-s of git and 2 of
byok-ci a shard, against 44 CPU-s of git for the whole scan), so at 8 shards each shard's git
work was 1.65 times its 1/N (bench/README.md, "Round 10 — shard10"). The file holds what a
shard takes from the listing: the plan (:class:`~byok_ci.shard.Plan`), for each shard the
commits that change its paths with their predicted cost (git is given only those: a commit a
plan leaves out is only counted), and the owner of each path whose name reports cannot give
back as its bytes (a name holding ``\\x41`` itself).

A plan holds for one history, as one directory and pathspecs see it: HEAD and every ref, the
directory within the work tree, the pathspecs, a full clone (plans are not made in a
shallow one), and plain ``--history`` (``--all-objects`` also reads commits no ref names,
which no id here covers). A shard whose scan differs reports that and scans nothing (exit
2). A plan file is trusted as the configuration is: its content is checked against its own
id, which catches a damaged or hand-edited plan, not a forged one.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from byok_ci.errors import GitError, ShardPlanUnusable
from byok_ci.shard import MAX_SHARDS, Plan, Shard, tree_plan, unit_owner
from byok_ci.sources.git import cost
from byok_ci.sources.git.patch import display, raw_path
from byok_ci.sources.git.process import first_error_line, run
from byok_ci.sources.git.sharding import history_id, history_listing, lossless

FORMAT = "byok-ci-shard-plan/1"
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class SavedPlan:
    """A plan file as read: the history it was made for, and what each shard takes."""

    source: str  # the file, for messages
    count: int
    scanned: str  # history_id() of the history it was made for
    prefix: str  # the directory within the work tree it was made in (`git rev-parse --show-prefix`)
    pathspecs: tuple[str, ...]
    plan: Plan
    costs: dict[int, dict[bytes, int]]  # by shard: the commits that change its paths
    shown: dict[str, int]  # the owners of paths whose shown name is not their bytes

    def check(self, shard: Shard, scanned: str, all_objects: bool, pathspecs: Sequence[str],
              cwd: str | None) -> None:
        """GitError (the scan then reports it, incomplete) when this scan is not the one the
        plan was made for."""
        if shard.count != self.count:
            raise GitError(f"{self.source}: a plan for {self.count} shards, not {shard.count}")
        if all_objects:
            raise GitError(f"{self.source}: a plan applies to --history without --all-objects")
        if scanned != self.scanned:
            raise GitError(f"{self.source}: made for another history (HEAD or refs differ); make it again "
                           "in this clone")
        if tuple(pathspecs) != self.pathspecs or work_tree_prefix(cwd) != self.prefix:
            raise GitError(f"{self.source}: made for other paths (pathspecs "
                           f"{' '.join(self.pathspecs) or 'none'} in {self.prefix or 'the top directory'})")


def work_tree_prefix(cwd: str | None) -> str:
    """The directory within the work tree that pathspecs are read from (`--show-prefix`)."""
    done = run(["rev-parse", "--show-prefix"], cwd=cwd)
    if done.returncode != 0:
        raise GitError(first_error_line(done.stderr))
    return done.stdout.decode("utf-8", "surrogateescape").strip("\n")


def make_plan(count: int, cwd: str | None = None, pathspecs: Sequence[str] = ()) -> dict[str, Any]:
    """The plan file's content for ``count`` shards of the history in ``cwd`` (JSON-ready).
    GitError where git cannot list the history or the clone is shallow (a plan made there
    would leave out the commits it lacks)."""
    if not 1 <= count <= MAX_SHARDS:
        raise ValueError(f"{count} shards: N must be 1 to {MAX_SHARDS}")
    shallow = run(["rev-parse", "--is-shallow-repository"], cwd=cwd)
    if shallow.returncode != 0:
        raise GitError(first_error_line(shallow.stderr))
    if shallow.stdout.strip() == b"true":
        raise GitError("a shallow clone: plan in a full clone (git fetch --unshallow; in CI: fetch-depth: 0)")
    scanned, prefix = history_id(cwd), work_tree_prefix(cwd)
    listing = history_listing(cwd, False, pathspecs)  # GitError: the shards had better list it themselves
    weights = listing.weights()
    names = {path: lossless(path) for path in weights}
    plan = tree_plan({names[path]: weight for path, weight in weights.items()}, count)
    owner = unit_owner(plan.units, count, plan.ranges)
    owners = {path: owner(name) for path, name in names.items()}
    costs: dict[int, dict[str, int]] = {number: {} for number in range(1, count + 1)}
    for commit, path, oids in listing.changes:
        mine = costs[owners[path]]
        sha = commit.decode("ascii")
        mine[sha] = mine.get(sha, 0) + cost.change_cost(oids, listing.sizes)
    # A name whose \xNN a report shows is its own text, not an escape, maps back to other bytes.
    shown = {display(path): number for path, number in owners.items() if raw_path(display(path)) != path}
    # Names are written as hex: a key in a path's name (or a pathspec) is never written whole.
    content = {
        "format": FORMAT, "count": count, "scanned": scanned, "prefix": _hex(prefix),
        "pathspecs": [_hex(spec) for spec in pathspecs], "plan": plan.digest(),
        "units": {_hex(unit): number for unit, number in plan.units.items()},
        "ranges": {_hex(directory): [[lowest.hex(), number] for lowest, number in cut]
                   for directory, cut in plan.ranges.items()},
        "commits": {str(number): shas for number, shas in costs.items()},
        "shown": {_hex(name): number for name, number in shown.items()},
    }
    return {**content, "id": _content_id(content)}


def read_plan(path: str) -> SavedPlan:
    """A plan file, checked for what it must hold (ShardPlanUnusable naming the file otherwise)."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except OSError as exc:
        raise ShardPlanUnusable(f"{path}: cannot read the shard plan: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ShardPlanUnusable(f"{path}: not a shard plan (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ShardPlanUnusable(f"{path}:{exc.lineno}: not a shard plan (invalid JSON: {exc.msg})") from None
    except (ValueError, RecursionError):  # a number of thousands of digits, nesting too deep
        raise ShardPlanUnusable(f"{path}: not a shard plan (JSON it cannot hold)") from None
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a shard plan ({FORMAT!r} expected in \"format\")")
        content = {key: value for key, value in data.items() if key != "id"}
        if data.get("id") != _content_id(content):
            raise ShardPlanUnusable(f"{path}: the plan does not match its id (damaged or edited): make it again")
        count = data["count"]
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_SHARDS:
            raise ValueError(f"{count!r} is not a number of shards")
        units = {_name(unit): _shard_number(number, count) for unit, number in data["units"].items()}
        ranges = {_name(directory): _cut(cut, count) for directory, cut in data["ranges"].items()}
        costs = {_shard_number(int(number), count): {_sha(sha): _cost(value) for sha, value in shas.items()}
                 for number, shas in data["commits"].items()}
        if sorted(costs) != list(range(1, count + 1)):
            raise ValueError("not every shard's commits")
        shown = {_name(name): _shard_number(number, count) for name, number in data["shown"].items()}
        plan = Plan(units, ranges)
        if plan.digest() != data["plan"]:
            raise ValueError("its plan does not match the plan's id")
        return SavedPlan(path, count, _text(data["scanned"]), _name(data["prefix"]),
                         tuple(_name(spec) for spec in data["pathspecs"]), plan, costs, shown)
    except ShardPlanUnusable:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        reason = f"{exc.args[0]!r} missing" if isinstance(exc, KeyError) else str(exc)
        raise ShardPlanUnusable(f"{path}: not a usable shard plan: {reason}") from None


def _content_id(content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value


def _hex(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").hex()


def _name(value: object) -> str:
    """A name written by :func:`_hex` (lossless: bytes that are not UTF-8 as surrogate escapes)."""
    return bytes.fromhex(_text(value)).decode("utf-8", "surrogateescape")


def _shard_number(value: object, count: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= count:
        raise ValueError(f"{value!r} is not a shard of {count}")
    return value


def _sha(value: object) -> bytes:
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise ValueError(f"{value!r} is not a commit id")
    return value.encode("ascii")


def _cost(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a cost")
    return value


def _cut(cut: object, count: int) -> list[tuple[bytes, int]]:
    """A split directory's name ranges: lowest names strictly increasing from the empty one."""
    if not isinstance(cut, list) or not cut:
        raise ValueError("a name range list is empty")
    ranges = [(bytes.fromhex(_text(lowest)), _shard_number(number, count)) for lowest, number in cut]
    if ranges[0][0] != b"" or any(a[0] >= b[0] for a, b in zip(ranges, ranges[1:])):
        raise ValueError("name ranges out of order")
    return ranges

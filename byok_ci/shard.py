"""Shards: one scan split into N parts that N runners (a CI matrix) scan independently.

Every runner computes the same assignment from what it scans alone, with no coordination:
paths sorted by size, largest first (path order breaking ties), each put into the lightest
shard so far (the lowest-numbered among equals). Shards are balanced by bytes, not by file
count, and a path belongs to exactly one shard, so no file or blob is read by two.

A history scan shards by path too: every version of a path is scanned by the shard that owns
the path, so "each key once per path, at the commit that introduced it" is decided inside one
shard. Its units are whole directories where it can, and the files of a directory too heavy
for one shard are cut into ranges of their names (:func:`tree_plan`), so that a shard names
its part to git in a few pathspecs and git skips the other shards' subtrees and files unread.

``byok-ci report merge`` (:mod:`byok_ci.merge`) puts the shards' reports back together.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["Plan", "Shard", "assign", "parse_shard", "tree_plan", "tree_units"]

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MAX_SHARDS = 4096
# A directory heavier than this fraction of a shard's share is split into its entries. The
# packing then keeps every shard within share + 1/SPLIT_ABOVE of a share of its ideal load,
# unless one file alone outweighs that (a file is never split). One share: whole
# directories cost git less than a finer balance saves, since every shard that has paths
# in a directory walks its trees in every commit (bench/README.md, "git's cost": the
# shards' git work over the single scan's fell from 1.8x to 1.3x at 8 shards of
# openai-python, the slowest shard's stayed the same or fell).
SPLIT_ABOVE = 1
# The files directly in a split directory are cut into name ranges of at most 1/RANGE_PARTS of
# a shard's share. One share: every range is a few glob pathspecs that git matches against
# every entry of every tree it walks, so finer ranges cost more walking than their balance
# saves (bench/README.md, "Name ranges": at 8 shards the shards' git work summed 2.35x the
# single scan's on openai-python with 1, 2.48x with 4; 1.40x against 1.65x on the generated
# history).
RANGE_PARTS = 1
# A name range may end early, as light as 1 - CUT_SLACK of its cap, where that makes its
# bounds shorter: haystack's htmlcov/ (names z_<16 hex>_<module>.html) was cut at bounds of
# 20 bytes and more, 21-76 pathspecs a shard, whose tree walk cost git more than the slightly
# worse balance does (bench/README.md, "Round 5 — shard-hay").
CUT_SLACK = 0.25


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (from 1) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SHARDS or not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: K/N needs 1 <= K <= N <= {MAX_SHARDS}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def first(self) -> bool:
        """The shard that also reports what belongs to no path (walk errors, commit
        authors, ref names), so the union reports it once."""
        return self.index == 1

    def owner(self, sizes: Iterable[tuple[str, int]]) -> Callable[[str], bool]:
        """Whether a path is this shard's: ``sizes`` (path, bytes) packed by :func:`assign`;
        a path not among them goes by a hash of its name."""
        packed = assign(sizes, self.count)

        def owns(path: str) -> bool:
            shard = packed.get(path)
            return (shard if shard is not None else hashed(path, self.count)) == self.index

        return owns


def parse_shard(spec: str) -> Shard:
    """``"K/N"`` as a :class:`Shard` (ValueError with the reason when it is not one)."""
    match = _SPEC.match(spec)
    if match is None:
        raise ValueError(f"{spec!r} is not K/N (e.g. 2/4: the second of four shards)")
    return Shard(int(match.group(1)), int(match.group(2)))


def assign(sizes: Iterable[tuple[str, int]], count: int) -> dict[str, int]:
    """Each path's shard (1..count): largest first, into the lightest shard (lowest number
    among equals). The same input gives the same assignment on every machine."""
    ordered = sorted(((max(size, 0), path) for path, size in dict(sizes).items()), key=lambda item: (-item[0], item[1]))
    heap = [(0, shard) for shard in range(1, count + 1)]
    owners: dict[str, int] = {}
    for size, path in ordered:
        load, shard = heapq.heappop(heap)
        owners[path] = shard
        heapq.heappush(heap, (load + size, shard))
    return owners


def hashed(path: str, count: int) -> int:
    """A path's shard by its name alone (for paths no listing sized)."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def tree_units(weights: Mapping[str, int], count: int) -> dict[str, int]:
    """Each path's shard by whole directories where balance allows (:func:`tree_plan` with
    no name ranges: a split directory's files are units of their own)."""
    return tree_plan(weights, count, ranges=False).units


@dataclass(frozen=True)
class Plan:
    """Which shard owns which paths: ``units`` (a directory or a file, none below another)
    each owned whole, and ``ranges``: for a split directory, the files directly in it cut
    into name ranges, as ``(lowest name, shard)`` sorted by the names' bytes (the first
    lowest name empty), a range running up to the next one's lowest name. A name in a
    range's directory that no unit covers, listed or not, falls in exactly one range."""

    units: dict[str, int]
    ranges: dict[str, list[tuple[bytes, int]]]

    def digest(self) -> str:
        """An id of the assignment, which every shard of one scan must share: a history's is
        computed from what git lists and reads, and runners whose git or repository differ
        would cut it differently, leaving paths to no shard (:mod:`byok_ci.merge` checks it)."""
        digest = hashlib.sha256()
        for unit, number in sorted(self.units.items()):
            digest.update(f"{unit}\0{number}\n".encode("utf-8", "surrogateescape"))
        for directory, cut in sorted(self.ranges.items()):
            digest.update(directory.encode("utf-8", "surrogateescape") + b"\0\0")
            for lowest, number in cut:
                digest.update(lowest + f"\0{number}\n".encode())
        return digest.hexdigest()[:16]


def tree_plan(weights: Mapping[str, int], count: int, ranges: bool = True) -> Plan:
    """Each path's shard by whole directories where balance allows: ``weights`` are
    ``/``-separated paths with their weight (lossless: names that are not UTF-8 as
    surrogate escapes).

    A directory no heavier than 1/:data:`SPLIT_ABOVE` of a shard's share is one unit; a
    heavier one is split into its entries, recursively (a name that was both a file and a
    directory in history stays one unit). The files directly in a split directory are cut,
    in the order of their names' bytes, into consecutive name ranges of at most
    1/:data:`RANGE_PARTS` of a share (a heavier file is a range alone), so that a shard
    names its part of a flat directory to git in a few globs rather than walking it all
    (``ranges=False``: each file a unit). Units and ranges are packed by :func:`assign`,
    and a split directory whose units and ranges all went to one shard is made one unit
    again, so that shard names it in one pathspec. Deterministic: the same weights give the
    same plan on every machine.
    """
    totals: dict[str, int] = {}
    entries: dict[str, set[str]] = {}
    for path, weight in weights.items():
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            totals[prefix] = totals.get(prefix, 0) + max(weight, 0)
            entries.setdefault("/".join(parts[:depth - 1]), set()).add(prefix)
    limit = sum(totals.get(top, 0) for top in entries.get("", ())) / (count * SPLIT_ABOVE)
    units: dict[str, int] = {}
    files: dict[str, list[str]] = {}
    split = [""]
    while split:
        directory = split.pop()
        for entry in entries.get(directory, ()):
            if entry in entries and entry not in weights and totals[entry] > limit:
                split.append(entry)
            elif ranges and entry not in entries and count > 1:
                files.setdefault(directory, []).append(entry)
            else:
                units[entry] = totals[entry]
    # A range is packed under a key no path can have (a NUL), its number in its directory.
    cuts: dict[str, list[bytes]] = {}
    for directory, names in sorted(files.items()):
        cuts[directory] = []
        for number, (lowest, weight) in enumerate(_name_ranges(names, totals, limit / RANGE_PARTS)):
            cuts[directory].append(lowest)
            units[f"{directory}\0{number:08d}"] = weight
    owners = assign(units.items(), count)
    shards_below: dict[str, set[int]] = {}
    for unit, shard in owners.items():
        directory, nul, _ = unit.partition("\0")
        parts = (directory if nul else unit).split("/")
        for depth in range(1, len(parts) + (1 if nul and directory else 0)):
            shards_below.setdefault("/".join(parts[:depth]), set()).add(shard)
    merged: dict[str, int] = {}
    ranged: dict[str, list[tuple[bytes, int]]] = {}
    for unit, shard in sorted(owners.items()):
        directory, nul, position = unit.partition("\0")
        parts = (directory if nul else unit).split("/")
        # The shallowest split directory that is all this shard's stands for the unit.
        top = next((prefix for prefix in ("/".join(parts[:d]) for d in range(1, len(parts) + (1 if nul else 0)))
                    if prefix and shards_below[prefix] == {shard}), None)
        if top is not None:
            merged[top] = shard
        elif not nul:
            merged[unit] = shard
        else:
            lowest = cuts[directory][int(position)]
            kept = ranged.setdefault(directory, [])
            if not kept or kept[-1][1] != shard:  # consecutive ranges of one shard are one range
                kept.append((lowest, shard))
    return Plan(merged, ranged)


def _name_ranges(names: list[str], totals: Mapping[str, int], cap: float) -> Iterator[tuple[bytes, int]]:
    """``names`` (the files of one directory) cut into consecutive ranges of their bytes'
    order, each as heavy as ``cap`` allows: (its lowest name, the first empty; weight). A
    range's lowest name is the shortest prefix of its first name that sorts above the last
    name before it; a range is cut early (down to 1 - :data:`CUT_SLACK` of ``cap``) where
    that prefix is shorter, since a shard names a range to git in about three pathspecs a
    byte of its bounds (:func:`~byok_ci.sources.git.sharding.range_globs`)."""
    ordered = sorted(((name.rpartition("/")[2].encode("utf-8", "surrogateescape"), totals[name]) for name in names))
    before = list(accumulate((weight for _, weight in ordered), initial=0))

    def common(index: int) -> int:  # bytes the name at index shares with the one before it
        return len(os.path.commonprefix([ordered[index - 1][0], ordered[index][0]]))

    lowest, start, index = b"", 0, 0
    while index < len(ordered):
        if index > start and before[index + 1] - before[start] > cap:
            floor = before[start] + cap * (1 - CUT_SLACK)
            cut = min((j for j in range(index, start, -1) if j == index or before[j] >= floor),
                      key=lambda j: (common(j), -j))
            yield lowest, before[cut] - before[start]
            lowest, start = ordered[cut][0][:common(cut) + 1], cut
            continue
        index += 1
    yield lowest, before[-1] - before[start]


def unit_owner(units: Mapping[str, int], count: int,
               ranges: Mapping[str, Sequence[tuple[bytes, int]]] | None = None) -> Callable[[str], int]:
    """A path's shard: that of the unit it is or lies below, else that of the name range of
    its directory it falls in (:class:`Plan`), else (a path neither covers) a hash of its
    name. Paths are lossless (names that are not UTF-8 as surrogate escapes)."""

    def owner(path: str) -> int:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            shard = units.get("/".join(parts[:depth]))
            if shard is not None:
                return shard
        if ranges:
            directory, _, name = path.rpartition("/")
            cut = ranges.get(directory)
            if cut:
                return range_owner(cut, name.encode("utf-8", "surrogateescape"))
        return hashed(path, count)

    return owner


def range_owner(cut: Sequence[tuple[bytes, int]], name: bytes) -> int:
    """The shard of the range ``name`` falls in: the last whose lowest name is not above it."""
    return cut[bisect.bisect_right([lowest for lowest, _ in cut], name) - 1][1]

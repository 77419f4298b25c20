"""A history shard's paths (:mod:`byok_ci.shard`), and how git is kept to them.

The paths are weighed by what git reads to diff them (`git log --raw`: tree diffs only, a
small fraction of the patches' cost): every version history adds or changes, and each
version it replaced, a file added whole counting more
(:func:`~byok_ci.sources.git.cost.path_cost`). :func:`~byok_ci.shard.tree_plan` packs them
into whole directories where it can, and cuts the files directly in a directory too heavy
for one shard into name ranges. The shard gives git its units as literal pathspecs and each
of its name ranges as a few glob pathspecs that match exactly the names in the range
(:func:`range_globs`): `git log -p` then skips the other shards' subtrees in its tree walk
and never reads or diffs their versions, even in a directory it shares with them
(``--sparse --full-history``: every commit given is shown, with its every parent, so
merges' combined diffs are as in the single scan). git is given only the commits the
listing shows changing one of the shard's paths (:meth:`Listing.commit_costs`): the others
hold nothing for it but deletions, and are counted, their authors noted, from their headers
alone (:class:`~byok_ci.sources.git.commits.CommitPart`), so no shard walks every commit's
trees. How near a shard's git work comes to 1/N of the single scan's is measured in
bench/README.md.

The listing holds every path the scan can meet: the same commits, each one's changes and
each merge's combined ones (``-c``, a superset of the ``--cc`` patches the scan reads). A
path it could not list (a commit whose parent git cannot read shows its whole tree) falls in
the name range of its directory where it has one (a range's globs match it too), else goes
by a hash of its name, and the chunker drops other shards' patches unseen
(:attr:`~byok_ci.sources.git.chunker.Chunker.owns`), so every path is one shard's.

When the scan has pathspecs of its own (git would add the shard's to them, not intersect),
or the shard's pathspecs are too long for a command line, git is spared the others' diffs
by a temporary attributes file that marks their paths ``-diff`` instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from byok_ci.errors import GitError
from byok_ci.shard import Plan, Shard, tree_plan, unit_owner
from byok_ci.sources.git.patch import display, raw_path
from byok_ci.sources.git import cost
from byok_ci.sources.git.process import first_error_line, run

if TYPE_CHECKING:
    from byok_ci.sources.git.chunker import Chunker
    from byok_ci.sources.git.plan_file import SavedPlan

# Paths git's attribute patterns cannot name exactly are left to be diffed (correct, slower).
_UNSAFE = re.compile(r"[\s\"\\]|[^\x20-\x7e]")
_GLOB = re.compile(r"([*?\[\]])")
# Command lines are limited (32,767 characters on Windows); beyond this the attributes file.
MAX_PATHSPEC_CHARS = 24_000
# The pathspec of a shard that owns no path: excludes everything.
NOTHING = ":(top,exclude)*"


@dataclass
class Narrowing:
    """What a shard tells git and the chunker: whether a path is the shard's, `git -c`
    options, and the pathspecs `git log` is to diff (none: all)."""

    owns: Callable[[str], bool]
    config: list[str] = field(default_factory=list)
    pathspecs: list[str] = field(default_factory=list)
    plan: str = ""  # the assignment's id (:meth:`~byok_ci.shard.Plan.digest`): every shard's must match


@dataclass
class Listing:
    """Every change a history scan can meet: (commit, path, blob ids git reads), and the
    blobs' sizes."""

    changes: list[tuple[bytes, bytes, list[bytes]]]
    sizes: dict[bytes, int]
    # Whether (and where) to read which heavy paths are long lines (a listing git made does).
    read_lines: bool = False
    cwd: str | None = None

    def weights(self) -> dict[bytes, int]:
        """Every path, with what its shard will spend on it (:func:`~byok_ci.sources.git.cost.path_cost`):
        the bytes git reads to diff it, each version added or changed and the one it
        replaced, and more for whole files added and for versions of long lines, which a
        change rewrites whole (:func:`~byok_ci.sources.git.cost.rewritten_whole`)."""
        weights: dict[bytes, int] = {}
        sizes = self.sizes
        for _, path, oids in self.changes:
            # No fixed cost a change (which cuts commits well): it packed paths worse
            # (bench/README.md, "git's cost"); what a path shard costs git beyond its bytes is
            # mostly walking the trees down to its paths, shared with whatever else lies there.
            weights[path] = weights.get(path, 0) + cost.path_cost(oids, sizes)
        if self.read_lines and self.changes:
            for path, extra in cost.rewritten_whole(weights, self.changes, sizes, self.cwd).items():
                weights[path] += extra
        return weights

    def commit_costs(self, owns: Callable[[str], bool]) -> dict[bytes, int]:
        """Each commit's predicted git cost (:mod:`byok_ci.sources.git.cost`) for the paths
        ``owns`` takes (as :func:`~byok_ci.sources.git.patch.display` shows them), to cut a
        shard's `-j` parts with no second listing."""
        costs: dict[bytes, int] = {}
        mine: dict[bytes, bool] = {}  # (a path's owner asked once, not once a change)
        for commit, path, oids in self.changes:
            owned = mine.get(path)
            if owned is None:
                owned = mine[path] = owns(display(path))
            if owned:
                costs[commit] = costs.get(commit, 0) + cost.change_cost(oids, self.sizes)
        return costs


def history_listing(cwd: str | None, all_objects: bool, pathspecs: Sequence[str] = ()) -> Listing:
    """Every change a history scan can meet: the same commits, each one's changes and each
    merge's combined ones (`git log --raw -c`: tree diffs only)."""
    selection = ["--all"]
    stdin: bytes | None = None
    if all_objects:
        from byok_ci.sources.git.reach import every_object

        selection = ["--no-walk=unsorted", "--stdin"]
        stdin = b"".join(sha + b"\n" for sha in every_object(cwd)[0])
    done = run(["log", *selection, "--format=%H", "--raw", "-c", "-z", "--no-abbrev", "--no-renames",
                "--diff-filter=d", "--root", "--", *pathspecs], cwd=cwd, input=stdin)
    if done.returncode != 0:
        raise GitError(first_error_line(done.stderr))
    changes = list(cost.raw_changes(done.stdout))
    return Listing(changes, cost.sizes_of(changes, cwd), True, cwd)


def history_weights(cwd: str | None, all_objects: bool, pathspecs: Sequence[str] = ()) -> dict[bytes, int]:
    """Every path a history scan can meet, weighed (:meth:`Listing.weights`)."""
    return history_listing(cwd, all_objects, pathspecs).weights()


def history_id(cwd: str | None) -> str:
    """What a history scan reads, as an id every shard computes alike: HEAD and every ref."""
    refs = run(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=cwd)
    head = run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=cwd)
    if refs.returncode != 0:
        raise GitError(first_error_line(refs.stderr))
    commit = head.stdout.decode("ascii").strip() if head.returncode == 0 else "no-head"
    return f"git:{commit}+refs:{hashlib.sha256(refs.stdout).hexdigest()[:16]}"


def lossless(raw: bytes) -> str:
    # Undone exactly by subprocess (os.fsencode) on POSIX, where names need not be UTF-8.
    return raw.decode("utf-8", "surrogateescape")


@contextmanager
def shard_scope(shard: Shard, all_objects: bool, pathspecs: Sequence[str], chunker: Chunker,
                cwd: str | None, saved: SavedPlan | None = None
                ) -> Iterator[tuple[list[str], list[str], dict[bytes, int] | None, str]]:
    """For a history scan's shard: its paths set on ``chunker``, git's options and pathspecs
    that keep it to them, each commit's predicted cost on them (git is given only those, and
    they cut `-j` parts), and what it scans: the commits and refs, and the assignment every
    shard must share. From the history's listing, or from a plan made once (``saved``,
    :mod:`~byok_ci.sources.git.plan_file`), which spares the shard listing it."""
    scanned = history_id(cwd)
    if saved is not None:
        saved.check(shard, scanned, all_objects, pathspecs, cwd)
        with narrowed(shard, {}, pathspecs, cwd, saved.plan, saved.shown) as narrowing:
            chunker.owns = narrowing.owns
            yield narrowing.config, narrowing.pathspecs, saved.costs[shard.index], f"{scanned}+plan:{narrowing.plan}"
        return
    try:
        listing = history_listing(cwd, all_objects, pathspecs)
    except GitError:
        # A history git cannot list (damaged): every shard places every path by its name
        # alone, still alike, and the scan reports what it cannot read.
        listing = Listing([], {})
    with narrowed(shard, listing.weights(), pathspecs, cwd) as narrowing:
        chunker.owns = narrowing.owns
        costs = listing.commit_costs(narrowing.owns) if listing.changes else None
        del listing  # its changes and sizes, a third of a shard's memory on a large history, are done with
        yield narrowing.config, narrowing.pathspecs, costs, f"{scanned}+plan:{narrowing.plan}"


@contextmanager
def narrowed(shard: Shard, weights: Mapping[bytes, int], pathspecs: Sequence[str] = (),
             cwd: str | None = None, plan: Plan | None = None,
             owners: Mapping[str, int] | None = None) -> Iterator[Narrowing]:
    """The shard's :class:`Narrowing` for a history ``weights`` lists (empty: every path
    goes by a hash of its name and git sees them all), or for a ``plan`` made from them
    before, with the ``owners`` of the paths whose shown name does not give back their
    bytes (:mod:`~byok_ci.sources.git.plan_file`); an attributes file it makes is removed
    afterwards. With a plan, git diffs the other shards' paths where the scan has pathspecs
    of its own (no listing names them to mark them ``-diff``), and the chunker drops them."""
    names = {lossless(path): weight for path, weight in weights.items()}
    plan = plan if plan is not None else tree_plan(names, shard.count)
    owner = unit_owner(plan.units, shard.count, plan.ranges)
    # Every listed path by the name the chunker shows (its bytes as they are); a path the
    # listing missed by its bytes, as that name gives them back.
    shown = dict(owners or {})
    shown.update({display(path): owner(name) for path, name in zip(weights, names)})

    def owns(path: str) -> bool:
        number = shown.get(path)
        if number is None:
            number = owner(lossless(raw_path(path)))
        return number == shard.index

    if shard.count == 1 or not (weights or plan.units or plan.ranges):
        yield Narrowing(owns, plan=plan.digest())
        return
    mine = _pathspecs(plan, shard.index)
    spared: list[str] = []
    if pathspecs or sum(len(spec) + 3 for spec in mine) > MAX_PATHSPEC_CHARS:
        # git adds pathspecs up rather than intersecting them with the user's, and a command
        # line is limited: the attributes file alone, for every other shard's path.
        mine, spared = [], [name for name in names if owner(name) != shard.index]
    elif not mine:
        mine = [NOTHING]
    with _sparing(spared, cwd) as config:
        yield Narrowing(owns, config, mine, plan.digest())


def _pathspecs(plan: Plan, index: int) -> list[str]:
    """Shard ``index``'s pathspecs: one literal one a unit, and for each name range of a
    split directory the globs that match exactly the names in it (:func:`range_globs`), so
    that git neither walks the other shards' subtrees nor diffs their files in a directory
    it shares with them."""
    specs = [f":(top,literal){unit}" for unit, number in sorted(plan.units.items()) if number == index]
    for directory, cut in sorted(plan.ranges.items()):
        base = (directory + "/").encode("utf-8", "surrogateescape") if directory else b""
        for position, (lowest, number) in enumerate(cut):
            if number != index:
                continue
            above = cut[position + 1][0] if position + 1 < len(cut) else None
            for pattern, glob in range_globs(lowest, above):
                specs.append((":(top,glob)" if glob else ":(top,literal)")
                             + lossless((_GLOB_BYTES.sub(rb"\\\1", base) if glob else base) + pattern))
    return specs


# A name's bytes: any but NUL and "/" (which no bracket or "*" of a glob pathspec matches).
_LOW, _HIGH, _SLASH = 0x01, 0xFF, 0x2F
_GLOB_BYTES = re.compile(rb"([*?\[\]\\])")
# (prefix, (lowest, highest) byte of the next name byte or None, whether any rest follows)
_Set = tuple[bytes, "tuple[int, int] | None", bool]


def range_globs(lowest: bytes, above: bytes | None) -> list[tuple[bytes, bool]]:
    """Patterns that match exactly the names (bytes, no "/") from ``lowest`` up to, not
    including, ``above`` (None: no end) in byte order: (a glob pathspec pattern, True) or
    (a literal name, False). Every name n in the range is matched by one of them and no name
    outside it by any: a name n is at least ``lowest`` when it starts with it or, where it
    first differs from it, has the greater byte; below ``above`` when it is a proper prefix
    of it or has the smaller byte where they first differ."""
    out = []
    for prefix, span, rest in _between(lowest, above):
        if span is None and not rest:
            if prefix:
                out.append((prefix, False))
            continue
        pattern = _GLOB_BYTES.sub(rb"\\\1", prefix)
        if span is not None:
            low, high = span
            parts = [(low, min(high, _SLASH - 1)), (max(low, _SLASH + 1), high)]
            spans = [b"\\%c-\\%c" % (a, b) for a, b in parts if a <= b]
            if not spans:
                continue
            pattern += b"[" + b"".join(spans) + b"]"
        out.append((pattern + (b"*" if rest else b""), True))
    return out


def _between(lowest: bytes, above: bytes | None) -> list[_Set]:
    if above is None:
        return _at_least(lowest)
    same = 0
    while same < min(len(lowest), len(above)) and lowest[same] == above[same]:
        same += 1
    if same == len(lowest):  # lowest is a prefix of above
        return [(lowest + prefix, span, rest) for prefix, span, rest in _below(above[same:])]
    common, low, high = lowest[:same], lowest[same], above[same]
    sets = [(common + bytes([low]) + prefix, span, rest) for prefix, span, rest in _at_least(lowest[same + 1:])]
    if low + 1 <= high - 1:
        sets.append((common, (low + 1, high - 1), True))
    return sets + [(common + bytes([high]) + prefix, span, rest) for prefix, span, rest in _below(above[same + 1:])]


def _at_least(lowest: bytes) -> list[_Set]:
    sets: list[_Set] = [(lowest, None, True)]
    return sets + [(lowest[:i], (lowest[i] + 1, _HIGH), True) for i in range(len(lowest)) if lowest[i] < _HIGH]


def _below(above: bytes) -> list[_Set]:
    sets: list[_Set] = []
    for i in range(len(above)):
        sets.append((above[:i], None, False))
        if above[i] > _LOW:
            sets.append((above[:i], (_LOW, above[i] - 1), True))
    return sets


@contextmanager
def _sparing(names: Sequence[str], cwd: str | None) -> Iterator[list[str]]:
    """`git -c` options that have git diff ``names`` (lossless) as binary without reading
    them: a temporary attributes file marking them ``-diff``."""
    shown = [path for path in (display(name.encode("utf-8", "surrogateescape")) for name in names)
             if not _UNSAFE.search(path)]
    if not shown:
        yield []
        return
    handle, name = tempfile.mkstemp(prefix="byok-ci-shard-", suffix=".attributes")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            for path in sorted(shown):
                stream.write("/" + _GLOB.sub(r"\\\1", path) + " -diff\n")
            # The user's own attributes come last, so every -diff they set still holds.
            own = _user_attributes(cwd)
            if own:
                stream.write("\n" + own + "\n")
        yield ["-c", f"core.attributesFile={name}"]
    finally:
        os.unlink(name)


def _user_attributes(cwd: str | None) -> str:
    """The user's global attributes file (core.attributesFile, else git's XDG default), which
    the shard's file takes the place of."""
    done = run(["config", "--path", "core.attributesFile"], cwd=cwd)
    path = done.stdout.decode("utf-8", "replace").strip()
    if not path:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        path = os.path.join(base, "git", "attributes")
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return ""

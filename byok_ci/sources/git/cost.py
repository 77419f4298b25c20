"""What git's diffs of a history cost, predicted from the history's listing alone.

`git log -p` spends its time reading both versions of every changed file and diffing them,
and a little on every change whatever its size (finding it in the trees, setting up the
diff, writing its header). So a change is predicted to cost the bytes of the versions git
reads plus :data:`CHANGE_BYTES`. Calibrated against measured `git log -p` CPU (bench/README.md,
"git's cost"): on openai-python the newer half of the commits is 73 % of git's work, and
splitting the commits where this model puts half the cost leaves two parts within 10 % of
each other. The prediction uses only what every clone of a repository shares (blob sizes
and the changes' listing), never pack layout, so every runner predicts alike.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping, Sequence

from byok_ci.errors import GitError
from byok_ci.sources.git.process import blob_lines, blob_sizes_by_id, run

# A change's cost beyond the bytes git reads for it, in bytes (calibrated: bench/README.md).
CHANGE_BYTES = 32 * 1024
# How much more than its bytes a whole added file weighs in a path shard: git writes all of it
# and byok-ci reads all of it (haystack's docs-website/, 27,579 versions of text added: git
# and byok-ci 7.3 CPU-s alone, three times what 4 weighed it as; openai-python and the
# generated history shard alike with 4, 8, 12 or 16: bench/README.md, "Round 6 — shard-bal").
ADDED_EXTRA = 12
# A path whose lines average this many bytes or more (one long line of JSON, minified code)
# is rewritten whole by every change: git writes, and byok-ci reads, all of the new version,
# as of a file added (haystack's data.json, one 1.2 MB line changed by 438 commits, cost
# byok-ci twice git's work for it: bench/README.md, "Round 6 — shard-bal").
LONG_LINE = 4096
# How much more than its bytes such a version weighs (haystack: 4 gives data.json a shard of
# its own at 8 shards, 9.7 CPU-s of git and byok-ci, against 8.3-10.4 for the others).
LONG_LINE_EXTRA = 4
# Only paths of at least this share of a history's weight are looked at: one version each
# (the largest), its lines counted as git streams it, if under this size (haystack: 198 paths, 22 MB).
LONG_LINE_SHARE = 1 / 1024
LONG_LINE_READ = 64 << 20
# Commits whose cost is predicted to cut a history into `-j` parts (bench/parts.py).
SAMPLED_COMMITS = 2048
# Predicting costs git ~5-8 % of the diffs' CPU; it shortens the scan only where the parts'
# gits do not also compete with byok-ci itself for the cores (on 2 cores every core is busy
# either way: measured no faster there), so below this many cores parts are cut by count.
PREDICT_MIN_CPUS = 3


def raw_changes(out: bytes) -> Iterator[tuple[bytes, bytes, list[bytes]]]:
    """(commit, path, blob ids git reads) of each change in `-z --raw -c --no-abbrev` output;
    the commit is the last id line before it (empty when the output names none)."""
    commit = b""
    fields = iter(out.split(b"\0"))
    for field in fields:
        if field[:1] == b"\n":
            field = field.lstrip(b"\n")  # (`git log` puts a newline between a commit's id and its changes)
        if field[:1] == b":":
            path = next(fields, b"")
            if field[1:2] != b":":  # one parent (most changes): modes, ids, status
                oids = field[1:].split()[2:4]
            else:  # "::" a merge of two, ...: as many more modes and ids
                parents = len(field) - len(field.lstrip(b":"))
                oids = field[parents:].split()[parents + 1:2 * parents + 2]
            yield commit, path, [oid for oid in oids if oid.strip(b"0")]  # (not the null id: no version)
        elif field.strip():
            commit = field.strip()


def change_cost(oids: Sequence[bytes], sizes: Mapping[bytes, int], per_change: int = CHANGE_BYTES) -> int:
    """A change's predicted cost: the bytes of the versions git reads, plus ``per_change``."""
    return per_change + sum(sizes.get(oid, 0) for oid in oids)


def path_cost(oids: Sequence[bytes], sizes: Mapping[bytes, int]) -> int:
    """A change's weight in packing a history's paths into shards: the bytes of the versions
    git reads (``sizes`` by the ids' bytes), and :data:`ADDED_EXTRA` times more for a file
    added (``oids`` its new version alone), all of which git writes and byok-ci reads, where
    a change writes only its lines."""
    read = sum(sizes.get(oid, 0) for oid in oids)
    return read * (1 + ADDED_EXTRA) if len(oids) == 1 else read


def rewritten_whole(weights: Mapping[bytes, int], changes: Sequence[tuple[bytes, bytes, list[bytes]]],
                    sizes: Mapping[bytes, int], cwd: str | None) -> dict[bytes, int]:
    """What the heavy paths (``weights``, by :func:`path_cost`) whose versions are long lines
    (:data:`LONG_LINE`) weigh beyond it: each version a change writes, :data:`LONG_LINE_EXTRA`
    times its bytes, as a file added weighs more. Whether a path's lines are long is read
    from its largest version (ties: the greater id), so every clone decides alike; not
    long where git cannot read it."""
    floor = sum(weights.values()) * LONG_LINE_SHARE
    heavy = {path for path, weight in weights.items() if weight >= floor > 0}
    largest: dict[bytes, tuple[int, bytes]] = {}
    for _, path, oids in changes:
        if path in heavy:
            for oid in oids:
                version = (sizes.get(oid, 0), oid)
                if version > largest.get(path, (-1, b"")):
                    largest[path] = version
    paths = sorted(largest)
    try:
        counted = blob_lines([largest[path][1] for path in paths], LONG_LINE_READ, cwd)
    except GitError:
        return {}
    whole = {path for path, size_lines in zip(paths, counted)
             if size_lines is not None and size_lines[0] and size_lines[0] >= LONG_LINE * size_lines[1]}
    extra: dict[bytes, int] = {}
    for _, path, oids in changes if whole else ():
        if len(oids) > 1 and path in whole:
            extra[path] = extra.get(path, 0) + LONG_LINE_EXTRA * sizes.get(oids[-1], 0)
    return extra


def sizes_of(changes: Sequence[tuple[bytes, bytes, list[bytes]]], cwd: str | None) -> dict[bytes, int]:
    return blob_sizes_by_id(sorted({oid for _, _, oids in changes for oid in oids}), cwd)


def commit_costs(shas: Sequence[bytes], cwd: str | None, config: Sequence[str] = (),
                 pathspecs: Sequence[str] = ()) -> dict[bytes, int] | None:
    """Each of ``shas``' predicted cost (commits with no change left out); None when git
    cannot list them (the parts are then split by count)."""
    done = run([*config, "diff-tree", "--stdin", "-r", "-c", "--root", "-z", "--no-abbrev", "--no-renames",
                "--diff-filter=d", "--", *pathspecs], cwd=cwd, input=b"".join(sha + b"\n" for sha in shas))
    if done.returncode != 0:
        return None
    changes = list(raw_changes(done.stdout))
    sizes = sizes_of(changes, cwd)
    costs: dict[bytes, int] = {}
    for commit, _, oids in changes:
        costs[commit] = costs.get(commit, 0) + change_cost(oids, sizes)
    return costs


def cut(costs: Sequence[int], count: int) -> list[int]:
    """Where to cut ``costs`` (at least ``count`` of them) into ``count`` consecutive
    non-empty runs of about equal total: the index where every run but the first starts."""
    total = sum(costs)
    cuts: list[int] = []
    running = 0
    for index, cost in enumerate(costs[:-1]):
        running += cost
        left = count - 1 - len(cuts)  # cuts still to make
        # A run ends where the running total first reaches its share, or where the runs
        # after it would otherwise be left with no element.
        if left and (running * count >= total * (len(cuts) + 1) or index + 1 == len(costs) - left):
            cuts.append(index + 1)
    return cuts


def part_starts(shas: Sequence[bytes], count: int, cwd: str | None, known: dict[bytes, int] | None = None,
                config: Sequence[str] = (), pathspecs: Sequence[str] = (),
                unreadable: Collection[bytes] = ()) -> list[int]:
    """Where each of ``count`` consecutive parts of ``shas`` (listed commits) starts, but the
    first: by predicted git cost (``known`` costs, else a prediction where a core is to
    spare), else by count."""
    if count == 1:
        return []
    if known is not None:  # (a shard's, from the listing it made anyway; git skips the commits it leaves out)
        return cut([CHANGE_BYTES + known[sha] if sha in known else 0 for sha in shas], count)
    by_count = [len(shas) * i // count for i in range(1, count)]
    if (os.cpu_count() or 1) < PREDICT_MIN_CPUS:
        return by_count
    # Every commit's cost would take git a tenth of the diffs' time to predict: one commit
    # in `stride`, standing for the commits up to the next one, is enough to cut.
    stride = max(1, len(shas) // SAMPLED_COMMITS)
    costs = commit_costs([sha for sha in shas[::stride] if sha not in unreadable], cwd, config, pathspecs)
    if costs is None:
        return by_count
    return cut([CHANGE_BYTES + costs.get(shas[index - index % stride], 0) for index in range(len(shas))], count)

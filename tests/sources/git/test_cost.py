"""A history's `-j` parts are cut where git's predicted cost, not the commit count, halves
(issue 16 §3): newer commits of a real repository change larger files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources.git.commits import CommitSource
from byok_ci.sources.git.cost import CHANGE_BYTES, commit_costs, cut
from tests.conftest import key_for
from tests.gitrepo import GitRepo, growing_history


@pytest.mark.parametrize("costs, count", [
    ([1, 1, 1, 1], 2), ([1, 1, 1, 1], 4), ([0, 0, 0, 10], 3), ([10, 0, 0, 0], 3), ([1] * 10 + [10] * 10, 2),
    ([5], 1), ([3, 1, 4, 1, 5, 9, 2, 6], 3), ([0] * 7, 3),
])
def test_cuts_make_count_non_empty_runs_in_order(costs: list[int], count: int) -> None:
    cuts = cut(costs, count)
    bounds = [0, *cuts, len(costs)]
    assert len(cuts) == count - 1
    assert all(start < end for start, end in zip(bounds, bounds[1:]))


def test_each_run_ends_where_the_running_cost_reaches_its_share() -> None:
    costs = [1] * 10 + [10] * 10  # the newer half holds 10/11 of the cost
    assert cut(costs, 2) == [15]  # 10 + 5 * 10 = 60 >= 110 / 2
    assert cut([4, 4, 4, 4], 2) == [2]


def _one_growing_file(path: Path, commits: int) -> GitRepo:
    """Each commit rewrites one file, larger each time: the newest commits cost the most."""
    repo = GitRepo(path)
    for n in range(commits):
        repo.write("grows.txt", "".join(f"line {n} {i}\n" for i in range(1500 * (n + 1))))
        repo.commit(f"commit {n}")
    return repo


@pytest.fixture
def cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Costs are predicted whatever this machine's cores."""
    monkeypatch.setattr("byok_ci.sources.git.cost.PREDICT_MIN_CPUS", 0)


def test_parts_are_cut_by_predicted_cost_not_count(tmp_path: Path, cores: None) -> None:
    repo = _one_growing_file(tmp_path, 24)
    parts = CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2).parts()
    counts = [part.count for part in parts]
    assert sum(counts) == 24
    # The file's size grows linearly, so half the cost is in the newest ~30% of commits:
    # by count the parts would be 12 and 12.
    assert counts[0] >= 15, counts
    listed = [line for part in parts for line in reversed(part.shas.split())]
    costs = commit_costs(listed, str(repo.path))
    assert costs is not None
    older, newer = (sum(CHANGE_BYTES + costs.get(sha, 0) for sha in part.shas.split()) for part in parts)
    assert abs(older - newer) < max(older, newer) / 4


def test_parts_are_cut_by_count_when_git_cannot_list_the_changes(tmp_path: Path, cores: None) -> None:
    repo = _one_growing_file(tmp_path, 8)
    source = CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2, config=["-c", "core.bigFileThreshold=x"])
    assert [part.count for part in source.parts()] == [4, 4]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_findings_do_not_depend_on_where_the_parts_are_cut(tmp_path: Path, shipped_rules: RuleSet,
                                                           rng: random.Random, jobs: int, cores: None) -> None:
    repo = growing_history(tmp_path, lambda: key_for(shipped_rules, "openai.project-key", rng), 9,
                           key_names=9)
    single = scan_git(GitTarget("history"), cwd=str(repo.path), rules=shipped_rules, settings=Settings(jobs=1))
    report = scan_git(GitTarget("history"), cwd=str(repo.path), rules=shipped_rules, settings=Settings(jobs=jobs))
    assert len(single.findings) == 9
    assert [(f.fingerprint, f.path, f.commit) for f in report.findings] == \
        [(f.fingerprint, f.path, f.commit) for f in single.findings]
    assert report.stats.commits == single.stats.commits == 9


def test_on_two_cores_parts_are_cut_by_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    repo = _one_growing_file(tmp_path, 8)
    assert [part.count for part in CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2).parts()] == [4, 4]


def test_a_path_weighs_the_versions_git_reads_and_whole_added_files_more(tmp_path: Path) -> None:
    """A shard's git writes, and byok-ci reads, every line of a file added whole but only the
    changed lines of a file changed: openai-python's generated types (many files added) cost
    their shard far more than their bytes (bench/README.md)."""
    from byok_ci.sources.git.cost import ADDED_EXTRA
    from byok_ci.sources.git.sharding import history_weights

    repo = GitRepo(tmp_path)
    repo.write("added.txt", "a" * 9999 + "\n")
    repo.write("changed.txt", ("b" * 99 + "\n") * 50)
    repo.commit("add both")
    repo.write("changed.txt", ("b" * 99 + "\n") * 49 + "c" * 99 + "\n")
    repo.commit("change one")
    weights = history_weights(str(repo.path), all_objects=False)
    assert weights[b"added.txt"] == 10_000 * (1 + ADDED_EXTRA)
    assert weights[b"changed.txt"] == 5_000 * (1 + ADDED_EXTRA) + 5_000 + 5_000


def test_a_path_of_long_lines_weighs_each_version_changed_as_added(tmp_path: Path) -> None:
    """A change to a file of one long line (haystack's data.json: 1.2 MB of JSON on one line,
    rewritten by 438 commits) is read whole by byok-ci, as a file added is: its versions weigh
    as added ones, decided from the path's largest version, and a binary one does not."""
    from byok_ci.sources.git.cost import ADDED_EXTRA, LONG_LINE_EXTRA
    from byok_ci.sources.git.sharding import history_weights

    repo = GitRepo(tmp_path)
    size = 16_384  # lines of more than byok_ci.sources.git.cost.LONG_LINE bytes
    lines = ("d" * 99 + "\n") * (size // 100)
    repo.write("long.json", "[" + "a" * (size - 3) + "]\n")
    repo.write("lines.txt", lines)
    repo.write("binary.bin", "\0" + "b" * (size - 1))
    repo.commit("add")
    repo.write("long.json", "[" + "b" * (size - 3) + "]\n")
    repo.write("lines.txt", lines[:-100] + "e" * 99 + "\n")
    repo.write("binary.bin", "\0" + "c" * (size - 1))
    repo.commit("change")
    weights = history_weights(str(repo.path), all_objects=False)
    added = (size // 100 * 100) * (1 + ADDED_EXTRA)
    assert weights[b"lines.txt"] == added + 2 * (size // 100 * 100)
    assert weights[b"binary.bin"] == size * (1 + ADDED_EXTRA) + 2 * size
    assert weights[b"long.json"] == size * (1 + ADDED_EXTRA) + size + size * (1 + LONG_LINE_EXTRA)


def test_a_path_of_long_lines_gets_a_shard_apart_from_paths_git_weighs_alike(tmp_path: Path) -> None:
    """haystack's data.json and docs-website/ weighed about alike by git's bytes and were packed
    into one shard, which then took twice the others' time: a path rewritten whole by each
    change is weighed by what byok-ci reads too, and no longer shares a shard with paths git
    alone weighs like it."""
    from byok_ci.shard import tree_plan, unit_owner
    from byok_ci.sources.git.sharding import history_weights

    repo = GitRepo(tmp_path)
    size = 16_384
    for version in range(4):
        for name in ("a.txt", "b.txt"):
            repo.write(name, "".join(f"{name} {line} {version if line == 7 else 0}".ljust(99) + "\n"
                                     for line in range(size // 100)))
        repo.write("long.json", "[" + str(version) * (size // 100 * 100 - 3) + "]\n")
        repo.commit(f"version {version}")
    weights = history_weights(str(repo.path), all_objects=False)
    names = {path.decode(): weight for path, weight in weights.items()}
    plan = tree_plan(names, 2)
    owner = unit_owner(plan.units, 2, plan.ranges)
    assert owner("long.json") not in {owner("a.txt"), owner("b.txt")}


def test_a_heavy_paths_lines_are_counted_as_git_streams_it_not_held_whole(tmp_path: Path) -> None:
    """Whether a heavy path is long lines was decided from its largest version read whole, every
    heavy path's at once (up to 1,024 paths of up to 64 MiB in memory together): the lines are
    now counted a piece at a time, with the same answers."""
    import tracemalloc

    from byok_ci.sources.git import process

    repo = GitRepo(tmp_path / "repo")
    texts = {"long.json": b'{"a": "' + b"x" * 9000 + b'"}\n', "short.py": b"x = 1\n" * 3000,
             "no-newline.txt": b"y" * 5000 + b"\nz", "empty": b"", "binary.bin": b"\0\1" * 4000,
             "big.json": (b"[" + b"1," * 4000 + b"0]\n") * 1040}  # 8 MiB
    for name, data in texts.items():
        (repo.path / name).write_bytes(data)
    repo.commit("files")
    names = [f"HEAD:{name}".encode() for name in texts] + [b"HEAD:gone"]
    tracemalloc.start()
    try:
        counted = process.blob_lines(names, 64 << 20, cwd=str(repo.path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counted == [(9010, 1), (18000, 3000), (5002, 2), (0, 0), None, (len(texts["big.json"]), 1040), None]
    assert peak < 4 << 20, peak  # a MiB piece at a time (with git's pipe buffers), not the 8 MiB blob

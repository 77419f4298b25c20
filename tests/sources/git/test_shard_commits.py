"""A history shard has git diff only the commits that change one of its paths (issue 19, round 8)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.shard import Shard
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.commits import CommitSource
from byok_ci.sources.git.sharding import history_listing, narrowed
from tests.conftest import key_for
from tests.gitrepo import GitRepo
from tests.test_shard import _findings_json, _merged, _stats


def _history(path: Path, author_key: str, keys: list[str]) -> GitRepo:
    """Commits that each change one directory, a deletion, a merge that adds a path, and a
    commit whose author is a key and which changes a path of one shard only."""
    repo = GitRepo(path)
    for name in ("alpha", "beta", "gamma"):
        repo.write(f"{name}/a.py", "x = 1\n" * 200)
    repo.commit("start")
    for i, name in enumerate(("alpha", "beta", "gamma", "alpha")):
        repo.write(f"{name}/k{i}.py", f"KEY = '{keys[i]}'\n")
        repo.commit(f"key in {name}")
    repo.git("rm", "-q", "beta/k1.py")
    repo.commit("delete only")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("gamma/side.py", f"KEY = '{keys[4]}'\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("beta/main.py", "y = 2\n")
    repo.commit("main")
    repo.git("merge", "-q", "--no-commit", "side")
    repo.write("alpha/merge-only.py", f"KEY = '{keys[5]}'\n")  # a path only the merge adds
    repo.commit("merge side")
    repo.write("gamma/a.py", "x = 1\n" * 200 + f"KEY = '{keys[6]}'\n")
    repo.commit("by an odd author", f"--author={author_key} <ci@example.com>")
    return repo


@pytest.mark.parametrize("count", (2, 3, 5))
def test_shards_that_skip_other_commits_merge_to_the_single_scan(tmp_path: Path, shipped_rules: RuleSet,
                                                                 rng: random.Random, count: int) -> None:
    keys = [key_for(shipped_rules, ("openai.project-key", "groq.api-key")[i % 2], rng) for i in range(7)]
    repo = _history(tmp_path / "repo", key_for(shipped_rules, "anthropic.api-key", rng), keys)
    target = GitTarget("history")
    single = scan_git(target, cwd=str(repo.path))
    assert {"alpha/merge-only.py", "beta/k1.py", "gamma/a.py"} <= {f.path for f in single.findings}
    assert any(f.found_in == "author" for f in single.findings)
    shards = [scan_git(target, cwd=str(repo.path), shard=Shard(k, count)) for k in range(1, count + 1)]
    for shard in shards:
        assert shard.stats.commits == single.stats.commits  # every commit counted, diffed or not
    merged = _merged(shards, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    assert _stats(merged) == _stats(single)


def test_git_is_given_only_the_commits_that_change_a_shards_paths(tmp_path: Path, shipped_rules: RuleSet,
                                                                  rng: random.Random) -> None:
    keys = [key_for(shipped_rules, "openai.project-key", rng) for _ in range(7)]
    repo = _history(tmp_path / "repo", "Ada Lovelace", keys)
    cwd = str(repo.path)
    listing = history_listing(cwd, False)
    walked = int(repo.git("rev-list", "--all", "--count"))
    fed = []
    for k in (1, 2, 3):
        with narrowed(Shard(k, 3), listing.weights(), (), cwd) as narrowing:
            costs = listing.commit_costs(narrowing.owns)
            source = CommitSource(all_refs=True, chunker=Chunker(), cwd=cwd, config=narrowing.config,
                                  only=narrowing.pathspecs, costs=costs)
            parts = source.parts()
            given = {sha for part in parts for sha in part._remaining()}
            assert given == set(costs) and len(given) < walked
            assert sum(part.count for part in parts) == walked  # every commit is still the shard's to count
            fed.append(given)
    assert set().union(*fed) < {sha.encode() for sha in repo.git("rev-list", "--all").split()}  # "delete only"

"""Shards of a damaged history (issue 19): git cannot list its paths, the shards still agree."""

from __future__ import annotations

import pytest

from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.shard import Shard
from tests.sources.git.test_damaged_repos import damaged_history, keys  # noqa: F401 - fixtures
from tests.test_shard import _findings_json, _merged


@pytest.mark.parametrize("count", (2, 3))
def test_shards_of_a_damaged_history_merge_to_the_single_scan(damaged_history, tmp_path, count):  # noqa: F811
    """git cannot list a damaged history's paths: every shard places them by name alike."""
    repo = damaged_history[0]
    target = GitTarget("history")
    single = scan_git(target, cwd=str(repo.path))
    assert single.errors and single.findings
    merged = _merged([scan_git(target, cwd=str(repo.path), shard=Shard(k, count)) for k in range(1, count + 1)],
                     tmp_path)
    assert _findings_json(merged) == _findings_json(single)
    assert [e.to_dict() for e in merged.errors] == [e.to_dict() for e in single.errors]

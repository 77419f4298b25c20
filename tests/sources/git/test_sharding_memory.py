"""A history shard's memory: what it planned from is let go before it scans."""

from __future__ import annotations

import random
import types
import weakref
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from byok_ci.shard import Shard
from byok_ci.sources.git import sharding
from tests.test_shard import _history, _keys


def test_a_shard_lets_the_history_listing_go_before_it_scans(tmp_path: Path, shipped_rules: RuleSet,
                                                             rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing (every change of the history and every blob's size) is the largest thing
    a self-planning shard makes: on haystack a third of the memory of the shard that holds
    its heaviest paths, if kept while that shard scans (320 MB against 233-249)."""
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    listings: list[weakref.ref[sharding.Listing]] = []
    real = sharding.history_listing

    def listed(*args, **kwargs):  # type: ignore[no-untyped-def]
        listing = real(*args, **kwargs)
        listings.append(weakref.ref(listing))
        return listing

    monkeypatch.setattr(sharding, "history_listing", listed)
    chunker = types.SimpleNamespace()
    with sharding.shard_scope(Shard(2, 3), False, (), chunker, str(repo.path)) as (_, pathspecs, costs, scanned):  # type: ignore[arg-type]
        assert len(listings) == 1 and listings[0]() is None
        # What the scan needs was taken from it first.
        assert costs and pathspecs and "+plan:" in scanned and callable(chunker.owns)

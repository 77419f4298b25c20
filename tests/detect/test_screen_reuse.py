"""A git scan's screen (``shapes``) and detection's survey ask Hyperscan about the same bytes
when a patch adds one run of lines: one scan answers both, and the screen's scan of the loose
shapes answers its own question about them (issue 16 §3: three scans per patch)."""

from __future__ import annotations

from typing import Any

import pytest

from byok_ci.rules import RuleSet
from tests.detect.test_prefilters import corpus

hyperscan = pytest.importorskip("hyperscan")
from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter  # noqa: E402


def _counting(prefilter: HyperscanPrefilter) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    real = prefilter._scan_with

    def scan_with(database: Any, name: Any, data: bytes) -> set[int]:
        counts[name] = counts.get(name, 0) + 1
        return real(database, name, data)

    prefilter._scan_with = scan_with  # type: ignore[method-assign]
    return counts


@pytest.mark.parametrize("seed", [4, 5])
def test_a_screened_text_is_scanned_once_and_answers_as_before(shipped_rules: RuleSet, seed: int) -> None:
    rules = shipped_rules.rules
    screen = HyperscanPrefilter(rules, shipped_rules.digest)
    fresh = HyperscanPrefilter(rules, shipped_rules.digest)
    alone = HyperscanPrefilter(rules, shipped_rules.digest)  # surveys only, as before
    chunks = corpus(shipped_rules, seed, files=30)
    texts = [chunk.text for chunk in chunks] + [line for chunk in chunks for line in chunk.text.split("\n")[:40]]
    size = len(texts)  # (the texts hold generated keys: never in an assertion's message)
    counts, surveyed = _counting(screen), _counting(alone)
    for text in texts:
        data = text.encode()
        worth, shaped, worded = screen.shapes(data)
        assert worth == fresh.may_find(data)
        assert sorted(set(shaped)) == sorted(set(fresh.shapes(data)[1]))
        assert screen.survey(text, data) == alone.survey(text, data)
    # The first pass and the loose shapes once per text (the screen's scan serves the
    # survey); the second pass's expressions only where the survey asks for sharp gates.
    assert (counts[-1], counts["runs"]) == (size, size)
    second = {name: n for name, n in counts.items() if isinstance(name, int) and name >= 0}
    assert second == {name: n for name, n in surveyed.items() if name != -1}

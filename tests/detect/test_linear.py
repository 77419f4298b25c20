"""Work that grows with the input, not faster: source maps with a key on every line. Work is
counted (escapes examined), so the bounds hold on a busy machine. ``bench/hostile.py`` has
the real figures."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from byok_ci.keygen import generate_key
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.sources.artifacts import documents
from tests import hostile_inputs as hostile


def _keys(rules: RuleSet, count: int, seed: int = 11) -> list[str]:
    rule = rules.get("groq.api-key")
    assert rule is not None
    rng = random.Random(seed)
    return [generate_key(rule, rng) for _ in range(count)]


class _CountingPattern:
    """A compiled regex that counts the matches its ``finditer`` hands out."""

    def __init__(self, pattern: Any) -> None:
        self.pattern, self.matches = pattern, 0

    def finditer(self, *args: Any) -> Iterator[Any]:
        for match in self.pattern.finditer(*args):
            self.matches += 1
            yield match

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)


def _source_map_work(tmp_path: Path, rules: RuleSet, keys: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    counter = _CountingPattern(documents._ESCAPE)
    monkeypatch.setattr(documents, "_ESCAPE", counter)
    folder = tmp_path / str(len(keys))
    folder.mkdir()
    (folder / "app.js.map").write_text(hostile.source_map_with_keys(keys))
    report = scan_paths([str(folder)], rules=rules, root=folder)
    assert len(report.findings) == len(keys)
    return counter.matches


def test_source_map_findings_are_located_in_linear_work(tmp_path: Path, shipped_rules: RuleSet,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each finding was located by walking the escapes from the start of its string: 40 k
    keys took 332 s. Doubling the keys must at most double the escapes examined."""
    keys = _keys(shipped_rules, 4000)
    once = _source_map_work(tmp_path, shipped_rules, keys[:2000], monkeypatch)
    twice = _source_map_work(tmp_path, shipped_rules, keys, monkeypatch)
    assert twice <= 2.2 * once, (once, twice)


def test_source_map_positions_with_a_key_on_every_line(tmp_path: Path, shipped_rules: RuleSet) -> None:
    keys = _keys(shipped_rules, 500)
    text = hostile.source_map_with_keys(keys)
    (tmp_path / "app.js.map").write_text(text)
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert [f.source for f in report.findings] == [f"src/keys.ts:{n}" for n in range(1, 501)]
    for finding, key in zip(report.findings, keys):  # the .map is one line: columns of each key
        assert (finding.line, finding.column) == (1, text.index(key) + 1)

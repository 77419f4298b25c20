"""The whole-file reader's bookkeeping (sources.git.blobs): where the added lines start in a
file version, and which keywords a version's lineage can hold."""

from __future__ import annotations

import random

import pytest

from byok_ci.sources.git import blobs
from byok_ci.sources.git.blobs import ROOT, _line_starts, _mask, _windows, _words


def _line_start(data: bytes, line: int) -> int:
    """Where line ``line`` (from 1) starts, the plain way: split the file into lines."""
    if line <= 1:
        return 0
    parts = data.split(b"\n", line - 1)
    return len(data) - len(parts[-1]) if len(parts) == line else len(data)


def _windows_plainly(data: bytes, added: list[tuple[int, int]], reach: int) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(added):
        low = max(0, _line_start(data, first) - reach)
        low = data.rfind(b"\n", 0, low) + 1 if low else 0
        high = data.find(b"\n", _line_start(data, last + 1) + reach)
        high = len(data) if high < 0 else high + 1
        if low and data.find(b"\n", low, high) < 0:
            low = data.rfind(b"\n", 0, low - 1) + 1
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return [(data.count(b"\n", 0, low), low, high) for low, high in merged]


@pytest.mark.parametrize("block", [3, 7, 1 << 16])
def test_line_starts_and_windows_are_those_of_a_file_split_into_lines(block: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by counting newlines a block at a time, in one walk (CRs, lines past the end,
    a file without a final newline, line numbers out of order)."""
    monkeypatch.setattr(blobs, "_BLOCK", block)
    rng = random.Random(block)
    for _ in range(3000):
        data = bytes(rng.choice(b"ab\n\r") for _ in range(rng.randrange(0, 80)))
        lines = [rng.randrange(0, 30) for _ in range(rng.randrange(0, 6))]
        if rng.random() < 0.7:
            lines.sort()
        assert _line_starts(data, lines) == [_line_start(data, line) for line in lines], (data, lines)
        firsts = sorted(rng.sample(range(1, 30), rng.randrange(1, 5)))
        added = [(first, rng.randrange(first, (firsts[i + 1] if i + 1 < len(firsts) else 36)))
                 for i, first in enumerate(firsts)]
        reach = rng.randrange(0, 12)
        assert _windows(data, added, reach) == _windows_plainly(data, added, reach), (data, added, reach)


def test_a_version_holds_the_keywords_of_its_lineage_back_to_new_files() -> None:
    """Told newest first, as git writes a part's commits; bit i: rule i."""
    made = [
        ("c", ("b",), [], None),  # c: b with lines adding no keyword
        ("merged", ("c", "x"), [4], None),  # a merge of c and x, adding rule 4's keyword
        ("b", ("a",), [2], None),
        ("x", (ROOT,), [7], None),  # a new file
        ("a", (ROOT,), [1], None),
        ("orphan", ("unseen",), [], None),  # diffed against a version the scan never met
        ("big", ("a",), None, None),  # a version too large to diff: what it added is not known
        ("after-big", ("big",), [], None),
    ]
    words = _words(made)
    assert words["a"] == _mask([1])
    assert words["b"] == words["c"] == _mask([1, 2])
    assert words["merged"] == _mask([1, 2, 4, 7])
    assert "orphan" not in words and "big" not in words and "after-big" not in words  # read: not known

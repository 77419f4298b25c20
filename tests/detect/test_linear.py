"""Work that grows with the input, not faster: source maps with a key on every line and text
full of short base64 runs. Work is counted (escapes examined, characters scanned), so the
bounds hold on a busy machine; one loose wall-clock ratio backs them up. ``bench/hostile.py``
has the real figures."""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from byok_ci.detect.engine import Detector
from byok_ci.keygen import generate_key
from byok_ci.model import Chunk, Finding
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


def _work(detector: Detector, text: str) -> int:
    scanned = 0
    plain = detector._detect_plain

    def counting(chunk: Chunk) -> list[Finding]:
        nonlocal scanned
        scanned += len(chunk.text)
        return plain(chunk)

    detector._detect_plain = counting  # type: ignore[method-assign]
    try:
        detector.detect(Chunk(text=text, path="blobs.txt"))
    finally:
        del detector._detect_plain
    return scanned


def test_short_base64_runs_cost_a_few_scans_of_the_text(shipped_rules: RuleSet) -> None:
    """Each run was scanned with 2 KB of text around it, and each run in that text decoded
    and scanned again: 380 characters scanned per character of input (0.19 MB/s).
    Runs close together are now decoded into one piece: the plain scan, the pieces, and the
    nested decoding of the pieces, each at most the size of the text."""
    detector = Detector(shipped_rules)
    text = hostile.short_base64_runs(400_000)
    work = _work(detector, text)
    assert work <= 3 * len(text), work / len(text)
    double = _work(detector, hostile.short_base64_runs(800_000))
    assert double <= 2.2 * work


def test_short_base64_runs_scan_in_linear_time(shipped_rules: RuleSet) -> None:
    """A loose wall-clock check (best of three, the machine is shared): twice the text,
    at most three times the time."""
    detector = Detector(shipped_rules)
    texts = [hostile.short_base64_runs(size) for size in (1_000_000, 2_000_000)]

    def best(text: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            detector.detect(Chunk(text=text, path="blobs.txt"))
            times.append(time.perf_counter() - started)
        return min(times)

    once, twice = best(texts[0]), best(texts[1])
    assert twice <= 3 * once, (once, twice)


def test_keys_in_dense_base64_are_found_where_they_are(shipped_rules: RuleSet) -> None:
    """Runs decoded together keep their own places: each key is reported at its run."""
    keys = _keys(shipped_rules, 300)
    lines = []
    for n, key in enumerate(keys):
        lines.append(f'filler{n} = "{base64.b64encode(b"alpha bravo charlie delta").decode()}"\n')
        lines.append(f'k{n}: {base64.b64encode(("GROQ_API_KEY=" + key).encode()).decode()}\n')
    text = "".join(lines)
    found = Detector(shipped_rules).detect(Chunk(text=text, path="s.yaml"))
    assert [(f.line, f.column, f.encoding) for f in found] == [
        (2 * n + 2, len(f"k{n}: ") + 1, "base64") for n in range(300)
    ]


def test_a_base64_env_file_with_a_key_on_every_line(shipped_rules: RuleSet) -> None:
    """One run decoding to many lines: every finding is located from one index of the text."""
    keys = _keys(shipped_rules, 2000)
    env = "".join(f"GROQ_API_KEY_{n}={key}\n" for n, key in enumerate(keys))
    text = "apiVersion: v1\nkind: Secret\ndata:\n  env: " + base64.b64encode(env.encode()).decode() + "\n"
    found = Detector(shipped_rules).detect(Chunk(text=text, path="secret.yaml"))
    assert len({f.fingerprint for f in found}) == 2000
    assert {(f.line, f.column, f.encoding) for f in found} == {(4, 8, "base64")}

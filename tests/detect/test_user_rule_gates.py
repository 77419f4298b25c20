"""User rules with context, with look-arounds and inline flags: Hyperscan's two passes
(loose and sharp gates) find what the pure-Python prefilter finds."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from byok_ci.detect.engine import Detector
from byok_ci.detect.prefilter import KeywordPrefilter
from byok_ci.model import Chunk
from byok_ci.rules import load_rules

pytest.importorskip("hyperscan")

from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter  # noqa: E402

RULES = """provider: mine
name: Mine
rules:
  - id: mine.edged
    description: edged
    keywords: [minekey]
    pattern: '(?:^|[^A-Za-z0-9/+])(?P<secret>[A-Za-z0-9/+]{36})(?![A-Za-z0-9/+=])'
    boundary: false
    format: [{b64: 36}]
    context: {pattern: 'minekey', names: [minekey]}
  - id: mine.flagged
    description: flagged
    keywords: [flagco, FLAGCO]
    pattern: '(?i)[a-f0-9]{30}(?!-)'
    format: [{hex: 30}]
    context: {pattern: '(?i)flagco', names: [flagco]}
  - id: mine.split
    description: split
    keywords: [splitco]
    pattern: '[0-9a-z]{14}(?<!-)[0-9a-z]{14}(?![.])'
    format: [{lower_alnum: 28}]
    context: {pattern: 'splitco', names: [splitco]}
"""


def _run(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def test_user_rules_with_lookarounds_find_the_same_with_hyperscan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    path = tmp_path / "mine.yaml"
    path.write_text(RULES)
    ruleset = load_rules(extra=[path])
    assert not ruleset.errors, ruleset.errors
    rng = random.Random(3)
    b64 = string.ascii_letters + string.digits + "+/"
    hexes = "0123456789abcdefABCDEF"
    lower = string.ascii_lowercase + string.digits
    seps = [" ", "\n", "=", '"', "-", ".", "_", "é", "+", "/", ""]
    chunks = []
    for n in range(300):
        pieces = []
        for _ in range(rng.randint(3, 12)):
            roll = rng.random()
            if roll < 0.2:
                pieces.append(rng.choice(["minekey", "flagco", "FLAGCO", "splitco", "x = "]))
            elif roll < 0.4:
                pieces.append(_run(rng, b64, rng.choice([35, 36, 37, 40])))
            elif roll < 0.6:
                pieces.append(_run(rng, hexes, rng.choice([29, 30, 31, 32])))
            elif roll < 0.8:
                pieces.append(_run(rng, lower, rng.choice([27, 28, 29])))
            pieces.append(rng.choice(seps))
        chunks.append(Chunk(text="".join(pieces), path=f"f{n}.txt"))
    fast = Detector(ruleset, prefilter=HyperscanPrefilter(ruleset.rules, "user"))
    slow = Detector(ruleset, prefilter=KeywordPrefilter(ruleset.rules))
    found_fast = [(f.path, f.rule_id, f.line, f.column, f.fingerprint) for c in chunks for f in fast.detect(c)]
    found_slow = [(f.path, f.rule_id, f.line, f.column, f.fingerprint) for c in chunks for f in slow.detect(c)]
    assert found_fast == found_slow
    assert {f[1] for f in found_slow} >= {"mine.edged", "mine.flagged", "mine.split"}  # each rule really found

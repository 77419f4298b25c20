"""The Detector marks keys whose detect-secrets hash (SHA-1 of the value) it was given, for
the suppression stage to hold back and count."""

from __future__ import annotations

import hashlib
import random

from byok_ci.detect import Detector
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from tests.conftest import key_for


def test_only_the_key_with_a_suppressed_hash_is_marked(shipped_rules: RuleSet, rng: random.Random) -> None:
    audited, other = (key_for(shipped_rules, "groq.api-key", rng) for _ in range(2))
    text = f"A={audited}\nB={other}\n"
    detector = Detector(shipped_rules, suppressed_sha1=[hashlib.sha1(audited.encode()).hexdigest()])
    found = detector.detect(Chunk(text, ".env"))
    assert [(f.line, f.audited_false_positive) for f in found] == [(1, True), (2, False)]
    assert not any(f.audited_false_positive for f in Detector(shipped_rules).detect(Chunk(text, ".env")))


def test_a_marked_finding_is_held_back_and_counted(shipped_rules: RuleSet, rng: random.Random) -> None:
    from pathlib import Path

    from byok_ci.suppress import Suppression

    audited, other = (key_for(shipped_rules, "groq.api-key", rng) for _ in range(2))
    detector = Detector(shipped_rules, suppressed_sha1=[hashlib.sha1(audited.encode()).hexdigest()])
    kept, held = Suppression(uses_baseline=True).apply(detector.detect(Chunk(f"A={audited}\nB={other}\n", ".env")),
                                                       Path.cwd())
    assert [f.line for f in kept] == [2] and held.baselined == 1

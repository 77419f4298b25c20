"""The Detector drops keys whose detect-secrets hash (SHA-1 of the value) it was given."""

from __future__ import annotations

import hashlib
import random

from byok_ci.detect import Detector
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from tests.conftest import key_for


def test_only_the_key_with_a_suppressed_hash_is_dropped(shipped_rules: RuleSet, rng: random.Random) -> None:
    audited, other = (key_for(shipped_rules, "groq.api-key", rng) for _ in range(2))
    text = f"A={audited}\nB={other}\n"
    detector = Detector(shipped_rules, suppressed_sha1=[hashlib.sha1(audited.encode()).hexdigest()])
    assert [f.line for f in detector.detect(Chunk(text, ".env"))] == [2]
    assert len(Detector(shipped_rules).detect(Chunk(text, ".env"))) == 2

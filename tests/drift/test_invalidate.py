"""An invalidated key keeps prefix, length, alphabet and fixed markers; its body changes."""

from __future__ import annotations

import random
import re

import pytest

from byok_ci.drift.invalidate import invalidate, key_rule
from byok_ci.keygen import CHARSETS, generate_key
from byok_ci.rules import RuleSet, load_rules

RULES = load_rules().rules


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_format(rule, shipped_rules: RuleSet) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(99)
    key = generate_key(rule, rng)
    provider_rules = [r for r in shipped_rules.rules if r.provider == rule.provider]
    if rule.id in ("google.service-account", "google.adc-refresh-token"):
        # Its format is a JSON fragment around the key; neither credential has a free probe.
        assert key_rule(key, provider_rules) is None
        return
    twin = invalidate(key, provider_rules, random.Random(5))
    assert twin != key and len(twin) == len(key) and twin.startswith(rule.prefix)
    for seg in rule.format:
        if not seg.charset:
            assert seg.literal in twin
    fitting = key_rule(key, provider_rules)
    assert fitting is not None
    assert key_rule(twin, provider_rules) == fitting
    # Every random character was drawn again: at most chance agreement with the original.
    same = sum(a == b for a, b in zip(key, twin)) - sum(len(s.literal) for s in fitting.format if not s.charset)
    alphabet = min(len(CHARSETS[s.charset]) for s in fitting.format if s.charset)
    assert same <= len(key) * 3 / alphabet + 4


def test_unknown_shape_keeps_prefix_and_character_classes(shipped_rules: RuleSet) -> None:
    openai = [r for r in shipped_rules.rules if r.provider == "openai"]
    key = "sk-" + "Gateway-Master_" + "0123abcd"  # a gateway's own key: no OpenAI format
    twin = invalidate(key, openai, random.Random(1))
    assert twin != key and len(twin) == len(key)
    assert re.sub(r"[A-Z]", "U", re.sub(r"[a-z]", "l", re.sub(r"\d", "d", twin))) == \
        re.sub(r"[A-Z]", "U", re.sub(r"[a-z]", "l", re.sub(r"\d", "d", key)))

"""Realistic fake keys carry a fixture marker and are not findings; real keys beside them are."""

from __future__ import annotations

import random

import pytest

from byok_ci.detect import Detector
from byok_ci.rules.fixtures import FIXTURE_MARKERS, FIXTURE_WINDOW, is_fixture
from byok_ci.keygen import expand_example, fixture_key, generate_key
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet, load_rules
from tests.conftest import key_for

RULES = load_rules()
# UUID-shaped keys have no random run long enough for a marker (the groups are 4 to 12
# characters, a marker 12 or 16): they need a marker that spans the groups, which the
# fixture code does not have yet. Strict, so the list shrinks when it does.
NO_ROOM_FOR_A_MARKER = {"ai21.api-key", "fal.api-key", "langfuse.secret-key", "pinecone.legacy-key"}


def _fixture_cases() -> list[object]:
    no_room = pytest.mark.xfail(raises=ValueError, strict=True, reason="UUID-shaped: no room for a fixture marker")
    return [pytest.param(r.id, marks=no_room) if r.id in NO_ROOM_FOR_A_MARKER else r.id for r in RULES.rules]


@pytest.mark.parametrize("rule_id", _fixture_cases())
def test_fixture_key_is_quiet_and_real_key_in_same_place_is_found(rule_id: str) -> None:
    rule = RULES.get(rule_id)
    assert rule is not None
    rng = random.Random(7)
    fake = fixture_key(rule, rng)
    detector = Detector(RULES)
    template = rule.examples.positive[0]
    assert detector.detect(Chunk(expand_example(template.replace("{key}", fake), rule, rng), "t.py")) == []
    assert detector.detect(Chunk(expand_example(template, rule, rng), "t.py")) != []


def test_a_format_without_room_for_a_marker_is_refused() -> None:
    from dataclasses import replace

    from byok_ci.keygen import parse_format

    rule = RULES.get("cohere.api-key")
    assert rule is not None
    with pytest.raises(ValueError, match="fixture marker"):
        fixture_key(replace(rule, format=parse_format(["k-", {"digits": 30}])), random.Random(1))


def test_real_key_next_to_a_fixture_or_under_a_marker_comment_is_caught(shipped_rules: RuleSet, rng: random.Random) -> None:
    rule = shipped_rules.get("openai.project-key")
    assert rule is not None
    fake = fixture_key(rule, rng)
    real = key_for(shipped_rules, "openai.project-key", rng)
    text = (
        f"# {FIXTURE_MARKERS[0]} fixtures below\n"
        f'FAKE_KEY = "{fake}"\n'
        f'REAL_KEY = "{real}"  # {FIXTURE_MARKERS[0]}\n'
        f'BOTH = ["{fake}", "{real}"]\n'
    )
    findings = Detector(shipped_rules).detect(Chunk(text, "tests/test_client.py"))
    assert [(f.line, f.rule_id) for f in findings] == [(3, "openai.project-key"), (4, "openai.project-key")]


def test_a_marker_glued_after_a_real_key_does_not_disarm_it(shipped_rules: RuleSet, rng: random.Random) -> None:
    rule = shipped_rules.get("anthropic.oauth-token")  # variable length: the marker joins the match
    assert rule is not None
    real = generate_key(rule, rng, "min")
    findings = Detector(shipped_rules).detect(Chunk(f'token = "{real}{FIXTURE_MARKERS[0]}"\n', "a.py"))
    assert len(findings) == 1


@pytest.mark.parametrize("charset_case", [str.lower, str.upper, str])
def test_marker_matches_without_regard_to_case(charset_case) -> None:  # type: ignore[no-untyped-def]
    rule = RULES.get("cohere.api-key")
    assert rule is not None
    assert is_fixture(rule, charset_case(FIXTURE_MARKERS[0]) + "q" * 28)
    assert is_fixture(rule, "ab" + FIXTURE_MARKERS[0] + "q" * 26)
    assert not is_fixture(rule, "q" * (FIXTURE_WINDOW + 1) + FIXTURE_MARKERS[0] + "q" * 19)


def test_random_keys_are_not_fixtures() -> None:
    rng = random.Random(99)
    for rule in RULES.rules:
        for _ in range(20):
            assert not is_fixture(rule, generate_key(rule, rng))

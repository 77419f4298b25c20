from __future__ import annotations

import random

import pytest

from byok_ci.keygen import CHARSETS, describe_format, generate, parse_format


def test_generates_each_segment_in_its_charset_and_length() -> None:
    segments = parse_format(["abc-", {"hex": 8}, "MID", {"letters": [3, 5]}])
    rng = random.Random(7)
    for _ in range(50):
        key = generate(segments, rng)
        assert key.startswith("abc-") and key[12:15] == "MID"
        assert all(c in CHARSETS["hex"] for c in key[4:12])
        tail = key[15:]
        assert 3 <= len(tail) <= 5 and tail.isalpha()


def test_same_seed_same_key() -> None:
    segments = parse_format(["p_", {"alnum": 30}])
    assert generate(segments, random.Random(3)) == generate(segments, random.Random(3))


@pytest.mark.parametrize(
    "raw", [[], "x", [{"nope": 3}], [{"hex": 0}], [{"hex": [5, 2]}], [{"hex": 3, "alnum": 2}], [3]]
)
def test_rejects_malformed_formats(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_format(raw)


def test_describe_format() -> None:
    assert describe_format(parse_format(["p_", {"hex": [2, 4]}])) == '"p_" + 2–4 hex'

from __future__ import annotations

import pytest

from byok_ci.rules.redos import catastrophic_backtracking, max_width


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+", r"(a*)*b", r"(\w+\s?)*", r"(a|aa)+", r"(a|ab)*", r"(x?)*", r"(.*a){20}", r"(?:\d+,?)+$"],
)
def test_rejects_catastrophic_shapes(pattern: str) -> None:
    assert catastrophic_backtracking(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        r"sk-proj-[A-Za-z0-9_-]{58,74}T3BlbkFJ[A-Za-z0-9_-]{58,74}",
        r"(?:[A-Za-z0-9+/=]|\\n){200,4000}",
        r"(?i)cohere|co_api_key",
        r"(?:ab|cd)+",
        r"gsk_[A-Za-z0-9]{52}",
    ],
)
def test_accepts_linear_shapes(pattern: str) -> None:
    assert catastrophic_backtracking(pattern) is None


def test_max_width_is_bounded_only_for_bounded_patterns() -> None:
    assert max_width(r"gsk_[A-Za-z0-9]{52}") == 56
    assert max_width(r"a+") > 10**9

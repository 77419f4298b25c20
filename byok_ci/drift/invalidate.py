"""Make a deliberately invalid twin of a key: the same shape, a different body.

The provider's input checks must see a well-formed key, so its authentication layer is
what refuses it: prefix, length and alphabet stay, fixed markers (``T3BlbkFJ``, a trailing
``AA``) stay, every random character is drawn again.
"""

from __future__ import annotations

import functools
import random
import re
import string
from collections.abc import Sequence

from byok_ci.rules.keygen import CHARSETS, Segment
from byok_ci.rules.model import Rule

_SYSTEM = random.SystemRandom()


def key_rule(key: str, rules: Sequence[Rule]) -> Rule | None:
    """The most specific rule whose secret is exactly this key."""
    fitting = []
    for rule in rules:
        match = rule.pattern.search(key)
        if match is None:
            continue
        group = "secret" if "secret" in rule.pattern.groupindex else 0
        if match.span(group) == (0, len(key)):
            fitting.append(rule)
    return max(fitting, key=lambda r: (r.fixed_chars, r.priority), default=None)


def has_key_format(key: str, rules: Sequence[Rule]) -> bool:
    """Whether ``key`` has the format (prefix, lengths, alphabets) of one of ``rules``."""
    return any(_format_regex(rule.format).fullmatch(key) for rule in rules if rule.format)


@functools.lru_cache(maxsize=256)
def _format_regex(segments: tuple[Segment, ...]) -> re.Pattern[str]:
    parts = []
    for seg in segments:
        if not seg.charset:
            parts.append(re.escape(seg.literal))
        else:
            chars = re.escape(CHARSETS[seg.charset]).replace("]", r"\]")
            parts.append(f"([{chars}]{{{seg.min_len},{seg.max_len}}})")
    return re.compile("".join(parts))


def _redraw(text: str, alphabet: str, rng: random.Random) -> str:
    while True:
        fresh = "".join(rng.choice(alphabet) for _ in text)
        if fresh != text or len(alphabet) < 2:
            return fresh


def _by_class(text: str, rng: random.Random) -> str:
    """Each letter or digit replaced by one of its own class; punctuation kept."""
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits)
    out = []
    for ch in text:
        alphabet = next((c for c in classes if ch in c), "")
        out.append(rng.choice(alphabet) if alphabet else ch)
    fresh = "".join(out)
    return fresh if fresh != text else _by_class(text, rng)


def invalidate(key: str, rules: Sequence[Rule], rng: random.Random | None = None) -> str:
    """A key of the same format that is not ``key`` (and, with overwhelming odds, not any key)."""
    from byok_ci.rules.strength import body_of, fails_strength, is_placeholder

    rng = rng or _SYSTEM
    rule = key_rule(key, rules)
    match = _format_regex(rule.format).fullmatch(key) if rule is not None else None
    if rule is None or match is None:
        # Unknown shape (a gateway's own key, a legacy format): keep any known prefix and
        # redraw the rest character class by character class.
        prefix = max((r.prefix for r in rules if r.prefix and key.startswith(r.prefix)), key=len, default="")
        return prefix + _by_class(key[len(prefix):], rng)
    candidate = key
    for _ in range(50):
        pieces, end, group = [], 0, 1
        for seg in rule.format:
            if not seg.charset:
                continue
            start, stop = match.span(group)
            pieces.append(key[end:start])
            pieces.append(_redraw(key[start:stop], CHARSETS[seg.charset], rng))
            end, group = stop, group + 1
        pieces.append(key[end:])
        candidate = "".join(pieces)
        body = body_of(rule, candidate)
        if candidate != key and not is_placeholder(body) and not fails_strength(rule, body):
            break
    return candidate

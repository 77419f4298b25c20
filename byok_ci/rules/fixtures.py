"""Realistic fake keys that detection never reports (docs/suppression.md#test-fixtures-without-disarming-detection).

A fixture key has its rule's format, and its random part starts with a reserved marker.
`byok-ci rules fixture` prints one; detection and redaction leave them alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from byok_ci.rules.keygen import CHARSETS, generate

if TYPE_CHECKING:
    import random

    from byok_ci.rules.model import Rule

# Reserved tokens that mark a realistic fake key (docs/suppression.md#test-fixtures-without-disarming-detection): the letter form
# for letter and base64 alphabets, the hex form for hex keys. Matched without regard to case,
# and only where a key's random part begins (up to FIXTURE_WINDOW characters in, so a short
# key id such as Pinecone's may come first): a real key pasted next to a fixture, glued
# to a marker or under a comment naming one is still a finding. A random body starts with
# a marker by chance with probability below 10^-16.
FIXTURE_MARKERS = ("FAKEbyokFAKE", "fa4eb10cfa4eb10c")
FIXTURE_WINDOW = 8
_FIXTURE_LOWER = tuple(m.lower() for m in FIXTURE_MARKERS)


def fixed_lead(rule: Rule, secret: str) -> int:
    """Where the first random run of ``secret`` starts: after the format's leading literals."""
    lead = 0
    for seg in rule.format:
        if seg.charset or not secret.startswith(seg.literal, lead):
            break
        lead += len(seg.literal)
    return lead


def is_fixture(rule: Rule, secret: str) -> bool:
    """A documented fake key: its random part begins with a reserved fixture marker."""
    start = fixed_lead(rule, secret)
    head = secret[start:start + FIXTURE_WINDOW + len(FIXTURE_MARKERS[1])].lower()
    return any(0 <= head.find(marker) <= FIXTURE_WINDOW for marker in _FIXTURE_LOWER)


_MARKER_CASE = {"HEX": str.upper, "upper_alnum": str.upper, "upper_b32": str.upper, "lower_alnum": str.lower}


def fixture_key(rule: Rule, rng: random.Random) -> str:
    """A realistic fake key: the rule's format, its random part starting with a fixture marker.

    The scanner never reports such keys (docs/suppression.md#test-fixtures-without-disarming-detection). Raises ValueError when the
    format has no random run where a marker fits.
    """
    parts: list[str] = []
    offset, placed = 0, False  # offset counts from the first random run
    for seg in rule.format:
        piece = generate((seg,), rng)
        if seg.charset and not placed and offset <= FIXTURE_WINDOW:
            marker = FIXTURE_MARKERS[1] if seg.charset.lower() == "hex" else FIXTURE_MARKERS[0]
            marker = _MARKER_CASE.get(seg.charset, str)(marker)
            # Leave a few random characters after the marker so the key stays key-like.
            if all(c in CHARSETS[seg.charset] for c in marker) and len(marker) + 4 <= seg.max_len:
                if len(piece) < len(marker) + 4:
                    piece = generate((seg,), rng, "max")
                piece = marker + piece[len(marker):]
                placed = True
        if seg.charset or offset:
            offset += len(piece)
        parts.append(piece)
    if not placed:
        raise ValueError(f"rule {rule.id}: no random run of its format can hold a fixture marker")
    return "".join(parts)

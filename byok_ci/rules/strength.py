"""Whether a candidate could be a real key of a rule: its strength, and what marks a sample.

Detection rejects candidates that fail these; key generation draws again until it passes
them, so generated examples are keys detection would report.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from byok_ci._patterns import lazy_compile

if TYPE_CHECKING:
    from byok_ci.rules.model import Rule

DEFAULT_MIN_ENTROPY = 2.5
# Words that mark documentation and sample values. Six letters or more (or with a
# separator), so a random body contains one by chance with negligible probability.
_PLACEHOLDER = re.compile(
    r"(?i)x{5}|\*{3}|\.{3}|…|<|>|\{\{|example|redacted|placeholder|your[_-]|dummy_|_here|changeme|insert[_-]"
)
_REPEATED = re.compile(r"(.)\1{7}")
# Long enough that a random 64-character hex key holds one by chance about once in 10^7.
_SEQUENCE_RUN = 8
# Humps of a camelCase or PascalCase name: an acronym (HF, GPT) or a word (Text, layer).
_HUMP = lazy_compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+")
_VOWELS = frozenset("aeiouyAEIOUY")
_CONSONANT_RUN = lazy_compile(r"[^aeiouyAEIOUY]{4}")
_IDENTIFIER_MIN = 24
# Only a rule whose keys are this rarely letters only by chance drops such bodies as names:
# a 32-character alphanumeric key (Mistral, Clarifai) has no digit once in 278 draws, and
# round 5's filter dropped one of those in 24,000: one real key in 6.6 million was lost.
_LETTERS_ONLY_MAX = 1 / 1000


def body_of(rule: Rule, secret: str) -> str:
    return secret[len(rule.prefix):] if rule.prefix and secret.startswith(rule.prefix) else secret


def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


def _longest_sequence(body: str) -> int:
    """Longest run of characters that climb (abcd, 1234) or fall (dcba) one step at a time."""
    longest = run = 1
    step = 0
    for a, b in zip(body, body[1:]):
        diff = ord(b) - ord(a)
        if diff in (1, -1) and (diff == step or run == 1):
            run += 1
        else:
            run = 2 if diff in (1, -1) else 1
        step = diff
        longest = max(longest, run)
    return longest


def is_placeholder(body: str) -> bool:
    """Runs of one character, alphabet or digit sequences, and sample-value words."""
    if _PLACEHOLDER.search(body) or _REPEATED.search(body):
        return True
    if len(body) >= 8 and len(set(body)) <= 3:
        return True
    return _longest_sequence(body) >= _SEQUENCE_RUN


def fails_strength(rule: Rule, body: str) -> bool:
    """Below the rule's entropy floor, or missing a required character class."""
    floor = rule.entropy if rule.entropy is not None else (DEFAULT_MIN_ENTROPY if len(body) >= 12 else 0.0)
    if floor and shannon_entropy(body) < floor:
        return True
    for required in rule.require:
        if required == "upper" and not any(c.isupper() for c in body):
            return True
        if required == "lower" and not any(c.islower() for c in body):
            return True
        if required == "digit" and not any(c.isdigit() for c in body):
            return True
    return reads_as_identifier(rule, body)


def reads_as_identifier(rule: Rule, body: str) -> bool:
    """A class or function name, not a key: ``SageMakerHFTextGenerationInvocationLayer`` after
    ``from …cohere import …`` is 40 letters of both cases, Cohere's shape with Cohere named nearby.

    Only for rules without a prefix (a prefix is evidence no identifier gives) whose keys are
    letters only at most once in :data:`_LETTERS_ONLY_MAX` draws (Cohere's 40 alphanumerics:
    once in 1,136): a body with none that splits into three or more pronounceable words (three
    letters or more, more than a fifth of them vowels, no four consonants in a row) and at most
    a third capitals. Random letters read so in 11 of 4·10^6 draws of 32 and none of 2·10^6
    of 40 (bench/README.md, "Round 6 — diff-review"): under one real key in 3·10^8 is lost,
    against 95 % of the long identifiers of a Python AI framework's tree it dropped before.
    """
    if rule.prefix or len(body) < _IDENTIFIER_MIN or not body.isascii() or not body.isalpha():
        return False
    if math.prod(seg.chance_of_letters_only for seg in rule.format) > _LETTERS_ONLY_MAX:
        return False
    if sum(c.isupper() for c in body) * 3 > len(body):
        return False
    humps = _HUMP.findall(body)
    if "".join(humps) != body:
        return False
    words = [hump for hump in humps if not hump.isupper()]
    return (len(words) >= 3 and all(len(word) >= 3 and _pronounceable(word) for word in words)
            and all(len(hump) <= 5 for hump in humps if hump.isupper()))


def _pronounceable(word: str) -> bool:
    """More than a fifth vowels and no four consonants in a row: English words, not random letters."""
    return sum(c in _VOWELS for c in word) * 5 > len(word) and _CONSONANT_RUN.search(word) is None

"""False-positive filters. They see the raw secret, so they run inside detection.

Each returns True when a candidate is *not* a real key.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

from byok_ci.rules import Rule

DEFAULT_MIN_ENTROPY = 2.5
# Words that mark documentation and sample values. Six letters or more (or with a
# separator), so a random body contains one by chance with negligible probability.
_PLACEHOLDER = re.compile(
    r"(?i)x{5}|\*{3}|\.{3}|…|<|>|\{\{|example|redacted|placeholder|your[_-]|dummy_|_here|changeme|insert[_-]"
)
_REPEATED = re.compile(r"(.)\1{7}")
# Long enough that a random 64-character hex key holds one by chance about once in 10^7.
_SEQUENCE_RUN = 8
INLINE_MARKERS = ("byok-ci: allow", "byok-ci:allow", "pragma: allowlist secret", "gitleaks:allow")
NEXT_LINE_MARKER = "pragma: allowlist nextline secret"
_ENV_REFERENCE_TAILS = (
    "${", "$", "{{", "%(", "process.env.", "import.meta.env.", "os.environ[", "os.getenv(", "getenv(",
    "secrets.", "env.", "vars.", "ENV[", "ENV.fetch(",
)
_QUOTES_AND_SPACE = " \t\"'`[("
# Reserved tokens that mark a realistic fake key (README "Test fixtures"): the letter form
# for letter and base64 alphabets, the hex form for hex keys. Matched without regard to case,
# and only where a key's random part begins (up to FIXTURE_WINDOW characters in, so a short
# key id such as Pinecone's may come first): a real key pasted next to a fixture, glued
# to a marker or under a comment naming one is still a finding. A random body starts with
# a marker by chance with probability below 10^-16.
FIXTURE_MARKERS = ("FAKEbyokFAKE", "fa4eb10cfa4eb10c")
FIXTURE_WINDOW = 8
_FIXTURE_LOWER = tuple(m.lower() for m in FIXTURE_MARKERS)


def body_of(rule: Rule, secret: str) -> str:
    return secret[len(rule.prefix):] if rule.prefix and secret.startswith(rule.prefix) else secret


def fixed_lead(rule: Rule, secret: str) -> int:
    """Where the first random run of ``secret`` starts: after the format's leading literals."""
    lead = 0
    for seg in rule.format:
        if seg.charset or not secret.startswith(seg.literal, lead):
            break
        lead += len(seg.literal)
    return lead


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


def is_fixture(rule: Rule, secret: str) -> bool:
    """A documented fake key: its random part begins with a reserved fixture marker."""
    start = fixed_lead(rule, secret)
    head = secret[start:start + FIXTURE_WINDOW + len(FIXTURE_MARKERS[1])].lower()
    return any(0 <= head.find(marker) <= FIXTURE_WINDOW for marker in _FIXTURE_LOWER)


def sha1_of(secret: str) -> str:
    """detect-secrets' ``hashed_secret``: the SHA-1 of the value."""
    return hashlib.sha1(secret.encode("utf-8")).hexdigest()  # noqa: S324 - an identity, not security


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
    return False


def is_env_reference(text: str, start: int) -> bool:
    """The value is the name in an environment or secret-store lookup, not a key."""
    before = text[max(0, start - 20):start].rstrip(_QUOTES_AND_SPACE)
    return before.endswith(_ENV_REFERENCE_TAILS)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def is_suppressed_inline(text: str, start: int, end: int) -> bool:
    """An allow marker on the finding's line, or a next-line marker on the line above."""
    line_start, line_end = line_bounds(text, start, end)
    for marker in INLINE_MARKERS:
        if text.find(marker, line_start, line_end) >= 0:
            return True
    if line_start > 0:
        previous_start = text.rfind("\n", 0, line_start - 1) + 1
        if text.find(NEXT_LINE_MARKER, previous_start, line_start) >= 0:
            return True
    return False


def has_boundaries(text: str, start: int, end: int) -> bool:
    """Not glued to an identifier: ``hf_`` inside a word is no Hugging Face token."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return False
    return True


_ASSIGNED_NAME = re.compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|[:=])\s*["'`]?$""")
# Names ending in one of these (snake, kebab or camelCase) leave the provider to the context.
_GENERIC_KEY_NAME = re.compile(
    r"(?i)(?:api[_.-]?key|key|token|secret|password|passwd|credentials?|bearer|value|authorization)$"
)


def assigned_name(text: str, start: int) -> str | None:
    """The name a value on its line is assigned to (``NAME=`` / ``name:`` / ``"name": "``), if any."""
    line_start = text.rfind("\n", max(0, start - 200), start) + 1
    found = _ASSIGNED_NAME.search(text, max(line_start, start - 120), start)
    return found.group(1) if found else None


def is_generic_key_name(name: str) -> bool:
    """``api_key``, ``token``, ``secret``…: a name that leaves the provider to the context around it."""
    return _GENERIC_KEY_NAME.search(name) is not None

"""Generate key-shaped strings from a rule's format description.

Tests and `byok-ci rules test` build their keys here at run time, so the repository never
holds a whole key. A format is a list of literal strings and ``{charset: length}`` or
``{charset: [min, max]}`` segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from byok_ci._values import by_value

if TYPE_CHECKING:
    import random  # only for annotations: loading rules must not pay for it

    from byok_ci.rules.model import Rule

# string.ascii_* spelled out: the module (and its Template's regex) is not worth importing
# on every scan's path for these.
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_DIGITS = "0123456789"
CHARSETS: dict[str, str] = {
    "alnum": _LOWER + _UPPER + _DIGITS,
    "b64url": _LOWER + _UPPER + _DIGITS + "_-",
    "b64": _LOWER + _UPPER + _DIGITS + "+/",
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "lower_alnum": _LOWER + _DIGITS,
    "upper_alnum": _UPPER + _DIGITS,
    "upper_b32": _UPPER + "234567",
    "letters": _LOWER + _UPPER,
    "digits": _DIGITS,
}


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Segment:
    """A literal (``charset`` empty) or a run of random characters from a charset."""

    literal: str = ""
    charset: str = ""
    min_len: int = 0
    max_len: int = 0

    @property
    def chance_of_letters_only(self) -> float:
        """The chance that what this segment gives is letters only (at its shortest: the likeliest)."""
        if not self.charset:
            return 1.0 if self.literal.isalpha() or not self.literal else 0.0
        alphabet = CHARSETS.get(self.charset, "")
        if not alphabet:
            return 1.0
        return (sum(c.isalpha() for c in alphabet) / len(alphabet)) ** self.min_len


Length = Literal["random", "min", "max"]


def parse_format(raw: object) -> tuple[Segment, ...]:
    """Turn the YAML form into segments; raise ValueError naming what is wrong."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("must be a non-empty list of literals and {charset: length} entries")
    segments = []
    for index, item in enumerate(raw):
        if isinstance(item, str):
            segments.append(Segment(literal=item))
            continue
        if not isinstance(item, dict) or len(item) != 1:
            raise ValueError(f"entry {index} must be a string or a one-entry mapping")
        ((charset, length),) = item.items()
        if charset not in CHARSETS:
            raise ValueError(f"entry {index}: unknown charset {charset!r} (known: {', '.join(CHARSETS)})")
        if isinstance(length, int) and length > 0:
            low, high = length, length
        elif (
            isinstance(length, list)
            and len(length) == 2
            and all(isinstance(n, int) for n in length)
            and 0 < length[0] <= length[1]
        ):
            low, high = length
        else:
            raise ValueError(f"entry {index}: length must be a positive integer or [min, max]")
        segments.append(Segment(charset=charset, min_len=low, max_len=high))
    return tuple(segments)


def leading_literal(segments: tuple[Segment, ...]) -> str:
    return segments[0].literal if segments and not segments[0].charset else ""


def generate(segments: tuple[Segment, ...], rng: random.Random, length: Length = "random") -> str:
    parts = []
    for seg in segments:
        if not seg.charset:
            parts.append(seg.literal)
            continue
        if length == "min":
            n = seg.min_len
        elif length == "max":
            n = seg.max_len
        else:
            n = rng.randint(seg.min_len, seg.max_len)
        parts.append("".join(rng.choice(CHARSETS[seg.charset]) for _ in range(n)))
    return "".join(parts)


def generate_key(rule: Rule, rng: random.Random, length: Length = "random") -> str:
    """A random key in the rule's format that a real key of that format could be.

    Draws again (rarely) when the draw misses the rule's own strength floor or looks like a
    placeholder, so examples never fail on an unlucky seed.
    """
    from byok_ci.rules.strength import body_of, fails_strength, is_placeholder

    key = generate(rule.format, rng, length)
    for _ in range(100):
        body = body_of(rule, key)
        if not fails_strength(rule, body) and not is_placeholder(body):
            break
        key = generate(rule.format, rng, length)
    return key


def shorter_key(rule: Rule, rng: random.Random) -> str:
    """A key one character shorter than the format's minimum."""
    key = generate(rule.format, rng, "min")
    last_random = max(i for i, seg in enumerate(rule.format) if seg.charset)
    if last_random == len(rule.format) - 1:
        return key[:-1]
    # Drop the character just before the trailing literals so fixed suffixes stay intact.
    tail = sum(len(seg.literal) for seg in rule.format[last_random + 1:])
    cut = len(key) - tail - 1
    return key[:cut] + key[cut + 1:]


def longer_key(rule: Rule, rng: random.Random) -> str:
    """A key one character longer than the format's maximum."""
    key = generate(rule.format, rng, "max")
    last_random = max(i for i, seg in enumerate(rule.format) if seg.charset)
    extra = rng.choice(CHARSETS[rule.format[last_random].charset])
    tail = sum(len(seg.literal) for seg in rule.format[last_random + 1:])
    cut = len(key) - tail
    return key[:cut] + extra + key[cut:]


def placeholder_key(rule: Rule) -> str:
    """The prefix followed by ``x`` for the rest of the minimum length."""
    prefix = rule.prefix
    total = sum(seg.min_len if seg.charset else len(seg.literal) for seg in rule.format)
    return prefix + "x" * max(total - len(prefix), 8)


def expand_example(template: str, rule: Rule, rng: random.Random) -> str:
    """Fill ``{key}``, ``{short}``, ``{long}`` and ``{placeholder}`` in an example template."""
    out = template
    # Each occurrence gets its own key so an example can hold two different keys.
    while "{key}" in out:
        out = out.replace("{key}", generate_key(rule, rng), 1)
    while "{short}" in out:
        out = out.replace("{short}", shorter_key(rule, rng), 1)
    while "{long}" in out:
        out = out.replace("{long}", longer_key(rule, rng), 1)
    return out.replace("{placeholder}", placeholder_key(rule))


def describe_format(segments: tuple[Segment, ...]) -> str:
    """Human form, e.g. ``"sk-proj-" + 58–74 b64url + "T3BlbkFJ" + 58–74 b64url``."""
    parts = []
    for seg in segments:
        if not seg.charset:
            parts.append(f'"{seg.literal}"')
        else:
            count = str(seg.min_len) if seg.min_len == seg.max_len else f"{seg.min_len}–{seg.max_len}"
            parts.append(f"{count} {seg.charset}")
    return " + ".join(parts)

"""Static check for regular expressions that can backtrack catastrophically.

Rejects the two shapes that make Python's backtracking engine exponential on adversarial
input: an unbounded quantifier nested inside another (``(a+)+``), and alternatives that can
start with the same character (or match nothing) under a repeating quantifier
(``(a|ab)*``, ``(a|a?)+``). It is conservative: it may reject a pattern that is in fact safe,
never the reverse for these shapes.
"""

from __future__ import annotations

import functools
import sys

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

_MAXREPEAT = sre_constants.MAXREPEAT
_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT}
if hasattr(sre_constants, "POSSESSIVE_REPEAT"):
    _REPEATS.add(sre_constants.POSSESSIVE_REPEAT)

_NON_ASCII = -1
_ALL = frozenset(range(128)) | {_NON_ASCII}
# \d, \w and \s in ASCII (string.digits, ascii_letters, whitespace: not worth the import)
_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_CATEGORY_SETS = {
    sre_constants.CATEGORY_DIGIT: _DIGITS,
    sre_constants.CATEGORY_WORD: _DIGITS | frozenset(range(ord("a"), ord("z") + 1))
    | frozenset(range(ord("A"), ord("Z") + 1)) | {ord("_"), _NON_ASCII},
    sre_constants.CATEGORY_SPACE: frozenset(map(ord, " \t\n\r\x0b\x0c")) | {_NON_ASCII},
}


def _with_case(codes: set[int]) -> set[int]:
    # Case-insensitive flags are ignored when parsing here, so both cases count: stricter.
    out = set(codes)
    for c in codes:
        if 0 <= c < 128 and chr(c).isalpha():
            out.add(ord(chr(c).swapcase()))
    return out


def _class_set(items: list) -> frozenset[int]:
    codes: set[int] = set()
    for op, av in items:
        if op is sre_constants.NEGATE:
            return _ALL
        if op is sre_constants.LITERAL:
            codes.add(av if av < 128 else _NON_ASCII)
        elif op is sre_constants.RANGE:
            lo, hi = av
            codes.update(range(lo, min(hi, 127) + 1))
            if hi >= 128:
                codes.add(_NON_ASCII)
        elif op is sre_constants.CATEGORY:
            codes |= _CATEGORY_SETS.get(av, _ALL)
        else:
            return _ALL
    return frozenset(_with_case(codes))


def _first(seq) -> tuple[frozenset[int], bool]:
    """Characters a match of ``seq`` can start with, and whether it can match nothing."""
    first: set[int] = set()
    for op, av in seq:
        chars, nullable = _first_item(op, av)
        first |= chars
        if not nullable:
            return frozenset(first), False
    return frozenset(first), True


def _first_item(op, av) -> tuple[frozenset[int], bool]:
    if op is sre_constants.LITERAL:
        return frozenset(_with_case({av if av < 128 else _NON_ASCII})), False
    if op is sre_constants.IN:
        return _class_set(av), False
    if op in (sre_constants.ANY, sre_constants.NOT_LITERAL):
        return _ALL, False
    if op is sre_constants.BRANCH:
        chars: set[int] = set()
        nullable = False
        for alt in av[1]:
            c, n = _first(alt)
            chars |= c
            nullable = nullable or n
        return frozenset(chars), nullable
    if op is sre_constants.SUBPATTERN:
        return _first(av[3])
    if op in _REPEATS:
        lo, _hi, inner = av
        inner_chars, inner_nullable = _first(inner)
        return inner_chars, inner_nullable or lo == 0
    if getattr(sre_constants, "ATOMIC_GROUP", None) is op:
        return _first(av)
    if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return frozenset(), True
    return _ALL, True


def _risky_branch(seq) -> bool:
    """A branch anywhere in ``seq`` whose alternatives share a first character or can be empty."""
    for op, av in seq:
        if op is sre_constants.BRANCH:
            seen: set[int] = set()
            for alt in av[1]:
                chars, nullable = _first(alt)
                if nullable or seen & chars:
                    return True
                seen |= chars
            if any(_risky_branch(alt) for alt in av[1]):
                return True
        elif op is sre_constants.SUBPATTERN and _risky_branch(av[3]):
            return True
        elif op in _REPEATS and _risky_branch(av[2]):
            return True
    return False


def _walk(seq, inside_repeat: bool) -> str | None:
    """``inside_repeat``: some enclosing quantifier repeats its body more than once."""
    for op, av in seq:
        if op in _REPEATS:
            _lo, hi, inner = av
            unbounded = hi == _MAXREPEAT
            if unbounded and inside_repeat:
                return "nested unbounded quantifiers"
            if hi > 1 and _risky_branch(inner):
                return "alternatives that overlap under a quantifier"
            if unbounded and _first(inner)[1]:
                return "a quantified group that can match nothing"
            problem = _walk(inner, inside_repeat or hi > 1)
        elif op is sre_constants.BRANCH:
            problem = None
            for alt in av[1]:
                problem = problem or _walk(alt, inside_repeat)
        elif op is sre_constants.SUBPATTERN:
            problem = _walk(av[3], inside_repeat)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problem = _walk(av[1], inside_repeat)
        elif getattr(sre_constants, "ATOMIC_GROUP", None) is op:
            problem = _walk(av, inside_repeat)
        else:
            problem = None
        if problem:
            return problem
    return None


def catastrophic_backtracking(pattern: str) -> str | None:
    """Why ``pattern`` can backtrack catastrophically, or None if no risky shape is found."""
    return _walk(sre_parse.parse(pattern), False)


def max_width(pattern: str) -> int:
    """The longest text ``pattern`` can match (a huge number when unbounded)."""
    return int(sre_parse.parse(pattern).getwidth()[1])


# literal_prefix's answers for the rules' patterns, written with them into the rule cache
# (byok_ci.rules.cache) and read back: a hook's key matchers then parse none of the patterns.
_CACHED_PREFIXES: dict[str, str] = {}


def remember_literal_prefix(pattern: str, prefix: str) -> None:
    """What :func:`literal_prefix` answered for ``pattern`` when the rule cache was written."""
    _CACHED_PREFIXES[pattern] = prefix


@functools.lru_cache(maxsize=1024)  # each KeyMatcher (names, output, redaction) asks again
def literal_prefix(pattern: str) -> str:
    """The text every match of ``pattern`` starts with ("" when it may start anywhere)."""
    cached = _CACHED_PREFIXES.get(pattern)
    if cached is not None:
        return cached
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & sre_constants.SRE_FLAG_IGNORECASE:
        return ""
    chars = []
    for op, av in parsed:
        if op is not sre_constants.LITERAL:
            break
        chars.append(chr(av))
    return "".join(chars)

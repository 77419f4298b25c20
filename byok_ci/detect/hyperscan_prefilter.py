"""Hyperscan as a "which rules can match here" filter in front of the keyword spans.

Each rule without context contributes its own pattern (look-arounds removed, which only
widens it), so a rule fires only where its key shape occurs, not wherever a short keyword
such as ``sk-`` does. Rules with context, and patterns Hyperscan cannot compile, contribute
their keywords as literals; a rule with context also contributes its key shape, and fires
only when both occur in the text (a file that says "False" or "openai" but holds nothing
shaped like the key cannot hold one). Every expression is single-match: one callback per
rule per text at most. The rules that fired then get exactly the spans
:class:`KeywordPrefilter` gives, so findings are identical to the pure-Python path by
construction.

Two more expressions say whether the text can hold an encoded key at all (a base64 run the
decoder would take, a percent escape): :meth:`HyperscanPrefilter.survey` hands that to the
detector, which skips the decoding pass when neither occurs.

The compiled database is cached on disk, keyed by the rules' digest and the Hyperscan
version, because compiling costs more than scanning a small tree.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from byok_ci.detect.prefilter import KeywordPrefilter, Spans
from byok_ci.paths import caches_in_use, read_cache_file, user_cache_dir
from byok_ci.rules.model import Rule

_LOOKAROUND_OPENERS = ("(?!", "(?=", "(?<!", "(?<=")


def strip_lookarounds(pattern: str) -> str:
    """Remove look-ahead and look-behind groups (Hyperscan has no zero-width assertions)."""
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            # A ']' right after '[' or '[^' is a literal member, not the end of the class.
            if pattern[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1:i + 2] == "]":
                out.append("]")
                i += 1
            i += 1
            continue
        if pattern.startswith(_LOOKAROUND_OPENERS, i):
            i = _group_end(pattern, i)
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    depth = 0
    i = start
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(pattern)


# What the decoder of byok_ci.detect.encoded needs before it can find anything: the first
# MIN_BASE64 characters of a base64 run whose every 4-character group starts as base64 of
# text does, or a percent escape. The decoder takes only whole runs (a run starts the text
# or follows a character that is not base64, and its groups count from there): matched at
# that alignment only, the expression costs Hyperscan a third less than at any alignment
# and fires on a fifth of the files (a long path or identifier has some alignment that fits).
_ENCODED = (
    rb"(?:^|[^A-Za-z0-9+/])(?:[A-Za-f][A-Za-z0-9+/]{3}){6}[A-Za-f][A-Za-z0-9+/]{2}",
    rb"%[0-9A-Fa-f]{2}",
)
# Hyperscan is fast on expressions with fixed text and slow on long runs of a character
# class (each such expression costs about as much as all the rules with a prefix). A key
# shape with no fixed text is gated by one of these shared runs instead: any shape that
# holds a run of at least that many characters of the class (e.g. 40 hex digits, an
# alphanumeric key of 32) implies it; the first that fits is taken. Hex keys have a run of
# their own: hex runs are rare (434 files of haystack's 10,720, alphanumeric runs 1,948),
# so a provider named in a file wakes its rule far less often, for little more scanning.
_ALNUM = frozenset(map(ord, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
_SHARED_RUNS = (
    (frozenset(map(ord, "0123456789abcdef")), 32, rb"[0-9a-f]{32}"),
    (_ALNUM, 32, rb"[A-Za-z0-9]{32}"),
    (_ALNUM | frozenset(map(ord, "+/")), 40, rb"[A-Za-z0-9+/]{40}"),
)
_MIN_FIXED = 3  # fixed characters in a row that make a shape cheap for Hyperscan


def _shape(rule: Rule) -> bytes:
    """An expression every match of a rule with context matches: its pattern without
    look-arounds, or a shared run it implies when it holds no fixed text."""
    shape = strip_lookarounds(rule.pattern.pattern)
    try:
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        parsed = parser.parse(shape)
    except Exception:  # noqa: BLE001 - left to Hyperscan, which refuses it or not
        return shape.encode()
    if parsed.state.flags & re.IGNORECASE:
        return shape.encode()
    items = _flat(parsed)
    fixed = longest = 0
    runs: list[tuple[frozenset[int], int]] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            fixed += 1
            longest = max(longest, fixed)
            continue
        fixed = 0
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, _high, item = av
            chars = _class_of(item)
            if chars is not None:
                runs.append((chars, low))
    if longest >= _MIN_FIXED:
        return shape.encode()
    classes = frozenset().union(*(chars for chars, _ in runs))
    if any(str(op) == "LITERAL" and av not in classes for op, av in items):
        # Runs joined by a separator they cannot hold (a UUID's "-", "id:secret"): cheap
        # enough for Hyperscan as they are, and far more selective than a shared run.
        return shape.encode()
    for chars, count in runs:
        for allowed, length, expression in _SHARED_RUNS:
            if count >= length and chars and chars <= allowed:
                return expression
    return shape.encode()


def _flat(parsed: Any) -> list[tuple[Any, Any]]:
    """The items of a parsed pattern in sequence, groups opened (a group without flags of
    its own matches its items in sequence too)."""
    out: list[tuple[Any, Any]] = []
    for op, av in parsed:
        if str(op) == "SUBPATTERN" and not av[1] and not av[2]:
            out.extend(_flat(av[3]))
        else:
            out.append((op, av))
    return out


def _class_of(item: Any) -> frozenset[int] | None:
    """The characters a one-character item (a literal or a class of literals and ranges) matches."""
    if len(item) != 1:
        return None
    op, av = item[0]
    if str(op) == "LITERAL":
        return frozenset([av])
    if str(op) != "IN":
        return None
    chars: set[int] = set()
    for kind, value in av:
        if str(kind) == "LITERAL":
            chars.add(value)
        elif str(kind) == "RANGE":
            chars.update(range(value[0], value[1] + 1))
        else:  # NEGATE, CATEGORY (\d is Unicode in a str pattern): no shared run
            return None
    return frozenset(chars)


def _compiles(expression: bytes, hyperscan: Any) -> bool:
    try:
        probe = hyperscan.Database()
        probe.compile(expressions=[expression], ids=[0], elements=1, flags=[_flags(hyperscan)])
    except Exception:  # noqa: BLE001 - any compile failure means "use the keywords"
        return False
    return True


def _gates(rules: Sequence[Rule]) -> tuple[list[bytes], dict[int, int]]:
    """The shape expressions of the rules with context, each once, and the one each rule needs."""
    expressions: list[bytes] = []
    of_rule: dict[int, int] = {}
    for index, rule in enumerate(rules):
        if rule.context is None:
            continue
        shape = _shape(rule)
        if shape not in expressions:
            expressions.append(shape)
        of_rule[index] = expressions.index(shape)
    return expressions, of_rule


def _expressions(rules: Sequence[Rule], hyperscan: Any) -> tuple[list[bytes], list[int]]:
    """Expressions and their ids: a rule's index for its shape or keywords; ``len(rules) + n``
    for shape ``n`` of :func:`_gates` (rules with context); ``len(rules) + len(gates) + n``
    for _ENCODED[n]."""
    expressions: list[bytes] = []
    ids: list[int] = []
    for index, rule in enumerate(rules):
        if rule.context is None:
            shape = strip_lookarounds(rule.pattern.pattern).encode()
            if _compiles(shape, hyperscan):
                expressions.append(shape)
                ids.append(index)
                continue
        for keyword in rule.keywords:
            expressions.append(re.escape(keyword).encode())
            ids.append(index)
    gates, _ = _gates(rules)
    for n, gate in enumerate(gates):
        # A shape Hyperscan cannot compile gates nothing: the empty expression fires always.
        expressions.append(gate if _compiles(gate, hyperscan) else b"")
        ids.append(len(rules) + n)
    for n, expression in enumerate(_ENCODED):
        expressions.append(expression)
        ids.append(len(rules) + len(gates) + n)
    return expressions, ids


def _flags(hyperscan: Any) -> int:
    return int(hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY)


def cache_dir() -> Path:
    return user_cache_dir()


# Changes whenever _expressions lays the database out differently, so a cached database of
# another layout is never loaded.
_LAYOUT = "shape-gated-6"


class HyperscanPrefilter:
    def __init__(self, rules: Sequence[Rule], digest: str) -> None:
        import hyperscan

        self._hyperscan = hyperscan
        self._keywords = KeywordPrefilter(rules, check_shapes=False)  # Hyperscan checks shapes
        gates, of_rule = _gates(rules)
        # A rule with context fires only with its shape's expression (see _expressions).
        self._gate_of = {index: len(rules) + n for index, n in of_rule.items()}
        self._rules_of_gate: dict[int, list[int]] = {}
        for index, gate in self._gate_of.items():
            self._rules_of_gate.setdefault(gate, []).append(index)
        self._count = len(rules)
        self._encoded = (len(rules) + len(gates), len(rules) + len(gates) + 1)
        self._database = self._load_or_build(rules, digest)
        # Hyperscan scratch space may be used by one scan at a time: one per thread, and
        # a forked worker (which inherits the parent's) makes its own.
        self._local = threading.local()
        self._words: Any = None  # keywords_in's database

    def _load_or_build(self, rules: Sequence[Rule], digest: str) -> Any:
        hyperscan = self._hyperscan
        version = getattr(hyperscan, "__version__", "")
        key = hashlib.sha256(f"{digest}|{version}|{[r.id for r in rules]}|{_LAYOUT}".encode()).hexdigest()[:24]
        path = cache_dir() / f"hyperscan-{key}.db"
        # A database that never matches would make every scan pass: read only one this user
        # alone can have written, and none on CI machines (byok_ci.paths.caches_in_use).
        use_cache = caches_in_use()
        cached = read_cache_file(path) if use_cache else None
        if cached is not None:
            try:
                return hyperscan.loadb(cached, hyperscan.HS_MODE_BLOCK)
            except Exception:  # noqa: BLE001 - a stale or damaged cache is rebuilt
                pass
        expressions, ids = _expressions(rules, hyperscan)
        database = hyperscan.Database()
        database.compile(
            expressions=expressions, ids=ids, elements=len(expressions), flags=[_flags(hyperscan)] * len(expressions)
        )
        if not use_cache:
            return database
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(hyperscan.dumpb(database))
            os.replace(partial, path)
        except OSError:
            pass  # a read-only home only costs the compile next time
        return database

    def spans(self, text: str) -> dict[int, Spans]:
        return self.survey(text)[0]

    def survey(self, text: str, data: bytes | None = None) -> tuple[dict[int, Spans], bool]:
        """The spans of :meth:`spans`, and whether ``text`` may hold an encoded key.
        ``data``, when given, is ``text`` encoded as UTF-8 (a file's own bytes): scanned
        as it is, not encoded again."""
        fired = self._fired(text.encode("utf-8", "surrogatepass") if data is None else data)
        if not fired:
            return {}, False
        count, gate_of = self._count, self._gate_of
        encoded = self._encoded[0] in fired or self._encoded[1] in fired
        rules = {i for i in fired if i < count and (i not in gate_of or gate_of[i] in fired)}
        if not rules:
            return {}, encoded
        return self._keywords.spans(text, only=rules), encoded

    def may_find(self, data: bytes, named: Callable[[], Collection[int]] = tuple) -> bool:
        """Whether detection can find anything in a text whose UTF-8 bytes lie within ``data``:
        a rule fired with its shape, the shape of a rule ``named()`` gives (rules the text's
        path names) occurs, or an encoded key may. For bytes no text was made of yet (git's
        patches): what this rules out is never decoded."""
        fired = self._fired(data)
        if not fired:
            return False
        if self._encoded[0] in fired or self._encoded[1] in fired:
            return True
        count, gate_of = self._count, self._gate_of
        return (any(i < count and (i not in gate_of or gate_of[i] in fired) for i in fired)
                or any(gate_of.get(i) in fired for i in named()))

    def shapes(self, data: bytes, named: Callable[[], Collection[int]] = tuple) -> tuple[bool, list[int], list[int]]:
        """:meth:`may_find`'s answer, the rules with context whose shape occurs in ``data``
        (whether or not their keywords do), and those one of whose keywords does, from one pass."""
        fired = self._fired(data)
        if not fired:
            return False, [], []
        count, gate_of = self._count, self._gate_of
        shaped = [i for gate in fired if gate in self._rules_of_gate for i in self._rules_of_gate[gate]]
        worded = [i for i in fired if i in gate_of]
        if self._encoded[0] in fired or self._encoded[1] in fired:
            return True, shaped, worded
        return (any(i < count and (i not in gate_of or gate_of[i] in fired) for i in fired)
                or any(gate_of.get(i) in fired for i in named())), shaped, worded

    def keywords_in(self, data: bytes) -> set[int]:
        """The rules with context one of whose keywords occurs in ``data`` (a small database
        of those literals alone, built on first use: whole files of a history are asked)."""
        words = self._words
        if words is None:
            hyperscan = self._hyperscan
            pairs = [(re.escape(keyword).encode(), index) for index in self._gate_of
                     for keyword in self._keywords.keywords_of(index)]
            words = self._words = hyperscan.Database()
            words.compile(expressions=[e for e, _ in pairs], ids=[i for _, i in pairs], elements=len(pairs),
                          flags=[_flags(hyperscan)] * len(pairs))
        local = self._local
        if getattr(local, "words_pid", None) != os.getpid():
            local.words_scratch = self._hyperscan.Scratch(words)
            local.words_pid = os.getpid()
        fired: set[int] = set()
        words.scan(data, match_event_handler=_collect, context=fired, scratch=local.words_scratch)
        return fired

    def _fired(self, data: bytes) -> set[int]:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.scratch = self._hyperscan.Scratch(self._database)
            local.pid = os.getpid()
        fired: set[int] = set()
        self._database.scan(data, match_event_handler=_collect, context=fired, scratch=local.scratch)
        return fired

    def may_hold(self, text: str, alone: Collection[int]) -> bool:
        """Whether a rule can match somewhere in ``text`` without its context being read:
        a rule without context whose shape occurs; a rule with context whose keyword and
        shape both occur; a rule with context of ``alone`` whose shape occurs. More than
        :class:`~byok_ci.detect.anywhere.KeyMatcher` finds, never less (``alone``: the
        rules it matches without context), for a fraction of its cost."""
        fired = self._fired(text.encode("utf-8", "surrogatepass"))
        gate_of = self._gate_of
        return any(
            (i not in gate_of and i < self._count) or (i in gate_of and gate_of[i] in fired) for i in fired
        ) or any(gate_of[i] in fired for i in alone)


def _collect(expression: int, _start: int, _end: int, _flags: int, fired: set[int]) -> None:
    fired.add(expression)

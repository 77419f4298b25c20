"""The expressions the Hyperscan prefilter compiles (:mod:`byok_ci.detect.hyperscan_prefilter`):
each rule's shape or keywords, the gates of the rules that need provider context (loose, and
sharp for the second pass) and the encoded-text gates. Pure text work: no Hyperscan here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from byok_ci.rules.model import Rule

_LOOKAROUND_OPENERS = ("(?!", "(?=", "(?<!", "(?<=")


def strip_lookarounds(pattern: str, keep_edges: bool = False) -> str:
    """Remove look-ahead and look-behind groups (Hyperscan has no zero-width assertions).

    ``keep_edges``: a negative look-around of one ASCII character or class becomes what it
    requires instead, the text's edge or a character outside the class (``(?![a-z])`` ->
    ``(?:[^a-z]|$)``). Either way the expression matches wherever the pattern does in the
    whole text; with the edges kept, it matches far less often where it does not."""
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
            end = _group_end(pattern, i)
            if keep_edges:
                out.append(_edge(pattern[i:end]))
            i = end
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# One character a negative look-around may name to be kept as an edge: printable ASCII but
# "[" and the backslash, or an escaped punctuation character. A class of these means the same
# to Python on text and to Hyperscan on its UTF-8 bytes (a character outside ASCII is bytes
# outside every such class).
_EDGE_CHARS = re.compile(r"(?:[ -Z\]-~]|\\[^A-Za-z0-9])+")
# Bodies that are not one character outside a class: "(?!$)" asks for any character next
# (a "$" included), "(?!.)" for a line's end; as a class they would name a literal.
_NOT_ONE_CHARACTER = frozenset(".$|")


def _edge(group: str) -> str:
    """What a look-around group becomes with its edges kept: "" (removed) unless it is a
    negative look-around of one character or one class of them."""
    for opener, template in (("(?!", "(?:[^{}]|$)"), ("(?<!", "(?:^|[^{}])")):
        if group.startswith(opener):
            body = group[len(opener):-1]
            break
    else:
        return ""
    if body.startswith("[") and body.endswith("]") and not body.startswith("[^"):
        body = body[1:-1]
    elif not (len(body) == 1 or (len(body) == 2 and body[0] == "\\")):
        return ""
    if not _EDGE_CHARS.fullmatch(body) or body.startswith("^") or body in _NOT_ONE_CHARACTER:
        return ""
    return template.format(body)


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
# MIN_BASE64 characters of a base64 run that decodes to text, or a percent escape. The
# decoder takes only whole runs (a run starts the text or follows a character that is not
# base64, and its groups count from there): matched at that alignment only, the expression
# costs Hyperscan a third less than at any alignment and fires on a fifth of the files (a
# long path or identifier has some alignment that fits). It keeps only runs whose bytes are
# all text (tab, line ends, printable ASCII: 0x09, 0x0A, 0x0D, 0x20-0x7E), so of each group
# of four characters the first is one of 2, 3, 8-31 (the byte's top six bits), the second
# has a low nibble below 8 (the next byte's top four bits: 0, 2-7), the third is 0 or 1
# modulo 4 (the top two bits of the third byte), the fourth anything; of the last, partial
# group of 27 characters the third's low bits are padding, dropped by the decoder.
_B64_FIRST, _B64_SECOND, _B64_THIRD = "[CDI-Za-f]", "[A-HQ-Xg-nw-z0-3]", "[ABEFIJMNQRUVYZcdghklopstwx014589]"
_ENCODED = (
    (f"(?:^|[^A-Za-z0-9+/])(?:{_B64_FIRST}{_B64_SECOND}{_B64_THIRD}[A-Za-z0-9+/]){{6}}"
     f"{_B64_FIRST}{_B64_SECOND}[A-Za-z0-9+/]").encode(),
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


_LONG_RUN = 16  # characters of a class in a row, with no fixed text, that make an expression costly


def _runs_only(expression: bytes) -> bool:
    """Whether ``expression`` starts with a long run of a character class and holds no
    fixed text (runs joined by single separators at most: ``[0-9a-f]{32}\\.[A-Za-z0-9]{16}``).
    Hyperscan keeps such a run's states alive across every run of the class in a text: each
    such expression costs about as much as all the rules with fixed text together."""
    try:
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        items = _flat(parser.parse(expression.decode()))
    except Exception:  # noqa: BLE001 - not ours to judge: the first pass takes it
        return False
    if not items or str(items[0][0]) not in ("MAX_REPEAT", "MIN_REPEAT"):
        return False
    low, _high, item = items[0][1]
    if low < _LONG_RUN or _class_of(item) is None:
        return False
    fixed = longest = 0
    for op, _av in items:
        fixed = fixed + 1 if str(op) == "LITERAL" else 0
        longest = max(longest, fixed)
    return longest < _MIN_FIXED


def _expressions(rules: Sequence[Rule], compiles: Callable[[bytes], bool]) -> tuple[list[bytes], list[int]]:
    """The first pass's expressions and their ids: a rule's index for its shape or keywords;
    ``len(rules) + n`` for shape ``n`` of :func:`_gates` (rules with context) when it holds
    fixed text (a shared run is left to the second pass); ``len(rules) + len(gates) + n``
    for _ENCODED[n]. ``compiles`` says which expressions Hyperscan takes."""
    expressions: list[bytes] = []
    ids: list[int] = []
    for index, rule in enumerate(rules):
        if rule.context is None:
            shape = strip_lookarounds(rule.pattern.pattern).encode()
            if compiles(shape):
                expressions.append(shape)
                ids.append(index)
                continue
        for keyword in rule.keywords:
            expressions.append(re.escape(keyword).encode())
            ids.append(index)
    gates, _ = _gates(rules)
    for n, gate in enumerate(gates):
        if not _runs_only(gate):
            # A shape Hyperscan cannot compile gates nothing: the empty expression fires always.
            expressions.append(gate if compiles(gate) else b"")
            ids.append(len(rules) + n)
    for n, expression in enumerate(_ENCODED):
        expressions.append(expression)
        ids.append(len(rules) + len(gates) + n)
    return expressions, ids


# A non-word character or the text's edge, as Detector's boundary check wants on either side
# of a match (it calls any non-ASCII letter a word character; its UTF-8 bytes are all
# outside this class, so the expression only fires more often for it, never less).
_NOT_WORD = "[^A-Za-z0-9_]"
_INLINE_FLAGS = re.compile(r"\(\?[a-zA-Z]+\)")


def sharp_gate(rule: Rule) -> bytes:
    """The expression a rule with context needs in a whole text: its pattern with what its
    look-arounds require of the characters around a match kept, and the word boundaries the
    detector checks.

    Matches wherever the rule can report a key in the text it is given (the detector's
    text, or texts joined by newlines), not in any bytes around that text: for
    :meth:`HyperscanPrefilter.may_find` and names the loose :func:`_gates` stay."""
    shape = strip_lookarounds(rule.pattern.pattern, keep_edges=True)
    if rule.boundary and not _INLINE_FLAGS.match(shape):
        # Hyperscan takes "$" only at the end: an edge the pattern keeps there stays alone.
        before = "" if shape.startswith("(?:^|") else f"(?:^|{_NOT_WORD})"
        after = "" if shape.endswith("|$)") else f"(?:{_NOT_WORD}|$)"
        shape = f"{before}(?:{shape}){after}"
    return shape.encode()


def _second_pass(rules: Sequence[Rule]) -> tuple[list[bytes], dict[int, tuple[int, int]]]:
    """The expressions of the second pass, each once, and for each rule with context whose
    gate is a shared run, (its loose gate, its :func:`sharp_gate`) among them."""
    expressions: list[bytes] = []
    gates, gate_of = _gates(rules)
    of_rule: dict[int, tuple[int, int]] = {}
    for index, n in gate_of.items():
        if not _runs_only(gates[n]):
            continue
        pair = []
        for expression in (gates[n], sharp_gate(rules[index])):
            if expression not in expressions:
                expressions.append(expression)
            pair.append(expressions.index(expression))
        of_rule[index] = (pair[0], pair[1])
    return expressions, of_rule


# A bounded repeat longer than this (a PEM body of 200 to 4,000 characters) is compiled
# unbounded: it matches wherever the bounded one does, and compiling the bound took Hyperscan
# half of its 0.36 s for the shipped rules (on every CI run, where databases are not cached).
_LONGEST_BOUND = 255
_BOUNDED = re.compile(rb"(?<!\\)\{(\d+),(\d+)\}")


def _widened(expression: bytes) -> bytes:
    return _BOUNDED.sub(lambda m: b"{%s,}" % m[1] if int(m[2]) > _LONGEST_BOUND else m[0], expression)


Layout = tuple[int, dict[int, int], list[bytes], dict[int, tuple[int, int]]]


def layout_data(gates: int, gate_of: dict[int, int], second: list[bytes], second_of: dict[int, tuple[int, int]]) -> bytes:
    """How many :func:`_gates` there are, each rule's, and :func:`_second_pass`, as JSON
    (the prefilter keeps it beside its cached databases)."""
    import json

    from byok_ci._sha256 import sha256

    payload = json.dumps({"gates": gates, "gate_of": list(gate_of.items()), "second": [e.decode("latin-1") for e in second],
                          "second_of": [(index, *pair) for index, pair in second_of.items()]})
    return json.dumps({"sha256": sha256(payload.encode()).hexdigest(), "layout": payload}).encode()


def layout_from(text: bytes, with_context: Sequence[bool]) -> Layout:
    """:func:`layout_data` read back, checked (ValueError, TypeError or KeyError when it is
    damaged or does not fit the rules, each with context or not): a layout that parsed but was
    wrong would keep rules' keys from ever being found, so its checksum and its shape are both
    checked, and every rule with context must have its gate."""
    import json

    from byok_ci._sha256 import sha256

    wrapped = json.loads(text)
    payload = str(wrapped["layout"])
    if sha256(payload.encode()).hexdigest() != wrapped["sha256"]:
        raise ValueError("a damaged layout")
    data = json.loads(payload)
    count = len(with_context)
    gates = int(data["gates"])
    gate_of = {int(index): int(n) for index, n in data["gate_of"]}
    second = [str(e).encode("latin-1") for e in data["second"]]
    second_of = {int(index): (int(loose), int(sharp)) for index, loose, sharp in data["second_of"]}
    if (not all(0 <= i < count and 0 <= n < gates for i, n in gate_of.items())
            or not all(0 <= i < count and 0 <= a < len(second) and 0 <= b < len(second) for i, (a, b) in second_of.items())):
        raise ValueError("a layout for other rules")
    if (set(gate_of) != {index for index, context in enumerate(with_context) if context}
            or set(gate_of.values()) != set(range(gates)) or not set(second_of) <= set(gate_of)):
        raise ValueError("a layout with a gate no rule has, or a rule with no gate")
    return gates, gate_of, second, second_of


def code_id() -> str:
    """byok-ci's version and a digest of the two modules that lay out and build the
    prefilter's databases, for their cache key: a database or layout cached by other code
    (an upgrade, an edit that forgot to bump ``_LAYOUT``) could leave rules unmatched."""
    from pathlib import Path

    from byok_ci._sha256 import sha256
    from byok_ci._version import __version__

    digest = sha256(__version__.encode())
    for name in ("hyperscan_expressions.py", "hyperscan_prefilter.py"):
        try:
            digest.update((Path(__file__).with_name(name)).read_bytes())
        except OSError:  # installed without sources: the version alone
            pass
    return digest.hexdigest()[:16]


def pack(blobs: Sequence[bytes]) -> bytes:
    """Databases serialized one after another, each after its length (the cache file)."""
    return b"".join(len(blob).to_bytes(8, "big") + blob for blob in blobs)


def unpack(data: bytes) -> list[bytes]:
    blobs, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 8], "big")
        blobs.append(data[at + 8:at + 8 + size])
        at += 8 + size
    if at != len(data):
        raise ValueError("truncated")
    return blobs

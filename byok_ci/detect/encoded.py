"""Keys hidden in base64 and URL-encoded (percent) text.

Kubernetes Secret ``data:`` values, ``.npmrc`` ``_auth`` strings, ``data:`` URLs and
``?key=`` query strings hold keys in encoded form. A segment long enough to hold a key is
decoded; when the result is text, it is scanned in place of the segment (with the text
around it, so provider context such as ``COHERE_API_KEY:`` still counts), and each finding
points at the encoded segment in the original text with ``encoding`` saying how it was
hidden. Decoded text is decoded again, to a bounded depth.

This runs on every chunk, so candidates are found cheaply: one regex pass (C speed) for
base64, a search for ``%`` for URL encoding; only segments that decode to printable text
are scanned, and segments close together are scanned as one piece of text.
"""

from __future__ import annotations

import binascii
import bisect
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import accumulate, repeat
from urllib.parse import unquote

from byok_ci._patterns import lazy_compile
from byok_ci._offsets import LineIndex, raw_offset
from byok_ci.model import Chunk, Finding
from byok_ci.rules.model import Rule

DEFAULT_DEPTH = 2  # byok_ci.detect.engine.DEFAULT_DECODE_DEPTH

# The shortest key of any rule is 20 characters, and 20 bytes encode to 27 base64 characters.
MIN_BASE64 = 27
MIN_DECODED = 16
assert MIN_BASE64 * 3 // 4 >= MIN_DECODED  # so the bulk decoding need not check the length
MIN_URL = 16
MAX_SEGMENT = 1 << 20  # longer runs are data (images, fonts), not keys
# Standard base64 only (Kubernetes, .npmrc, data: URLs): with "-" and "_" every long
# snake_case name and every raw key would be a candidate.
# A maximal run of at least MIN_BASE64 base64 characters whose every 4-character group
# starts with A-Z or a-f, as base64 of ASCII text does (a byte < 128 has its top six bits
# < 32): a test that throws out identifiers before decoding, made by the regex engine in
# one pass (a run that fails it is given up at its first start: linear).
_BASE64_RUN = lazy_compile(
    rf"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]{{{MIN_BASE64}}})"
    r"(?:[A-Za-f][A-Za-z0-9+/]{3})*(?:[A-Za-f][A-Za-z0-9+/]{0,3})?(?![A-Za-z0-9+/])"
)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_TOKEN = lazy_compile(r"[^\s\"'<>`]*")
_URL_DELIMITERS = " \t\"'<>`"
_HOW = lazy_compile(r" in plain text| hidden in \S+ encoding")
_CONTROL = lazy_compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")

Scan = Callable[[Chunk], list[Finding]]


def reach(rules: Sequence[Rule]) -> tuple[int, int]:
    """How much text before and after a segment the rules' provider context may need."""
    before = max((r.context.before for r in rules if r.context), default=0)
    after = max((r.context.after for r in rules if r.context), default=0)
    return min(before, 1024), min(after, 1024)


def segments(text: str) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, encoding, decoded text) of each encoded segment that decodes to text."""
    yield from _base64_segments(text)
    if "%" in text:
        yield from _url_segments(text)


def findings(chunk: Chunk, scan: Scan, depth: int, reach: tuple[int, int], plain: list[Finding]) -> list[Finding]:
    """Findings inside encoded segments of ``chunk``, located at each segment.

    ``scan`` is the detector's plain scan; ``reach`` how much text before and after a
    segment provider context may need; ``plain`` the findings already made, not repeated.
    """
    text = chunk.text
    seen = {(f.fingerprint, f.line, f.column) for f in plain}
    out: list[Finding] = []
    lines = LineIndex(text)
    for piece in _pieces(text, reach):
        window = Chunk(piece.text, chunk.path)
        found = scan(window)
        if depth > 1 and piece.may_nest:
            found += findings(window, scan, depth - 1, reach, found)
        if not found:
            continue
        window_lines = LineIndex(piece.text)
        for finding in found:
            inside = piece.region_at(window_lines.offset(finding.line, finding.column))
            if inside is None:
                continue  # around the segments (the plain scan reports it), or another piece's
            (start, end, encoding), at = inside
            label = encoding if finding.encoding is None else f"{encoding}+{finding.encoding}"
            where = start + (_url_raw_offset(text[start:end], at) if encoding == "url" else 0)
            line, column = lines.position(where)
            key = (finding.fingerprint, line + chunk.line_offset, column)
            if key in seen:
                continue
            seen.add(key)
            out.append(replace(
                finding,
                line=line + chunk.line_offset,
                column=column,
                commit=chunk.commit,
                commit_info=chunk.commit_info,
                scanned_as=chunk.scanned_as,
                encoding=label,
                message=_HOW.sub(f" hidden in {label} encoding", finding.message, count=1),
            ))
    return out


# -- pieces: text to scan, with segments decoded in place ------------------------------------
#
# A segment's decoded text is scanned with up to ``reach`` characters of text around it.
# Segments whose reach overlaps are decoded into one piece. Text is taken in blocks of about
# BLOCK characters (cut between base64 runs) so memory stays bounded; a block dense with
# segments is decoded at C speed (one split, one base64 decode, one join) into a single
# piece instead of one piece per handful of segments. Each block also decodes the segments
# within reach beyond its edges, as context, and reports only its own.

BLOCK = 1 << 20
# A block is decoded as one piece when its segments' reach would cover it this many times.
DENSE = 1.0
_BASE64_MARKS = bytes(0x61 if chr(c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" else 0x20
                      for c in range(256))
_MARKED_RUN = b"a" * MIN_BASE64
# A block edge falls between runs: never inside a run, never between a run and its padding.
_RUN_FORWARD = lazy_compile(r"[A-Za-z0-9+/]*=*")
_RUN_BACKWARD = lazy_compile(r"=*[A-Za-z0-9+/]*")  # matched on the text reversed
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_GROUP_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")
# Decoded bytes (as latin-1) that make a segment binary: controls and non-ASCII.
_NOT_TEXT = lazy_compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]")
# Padding that makes a run whole 4-character groups; the bytes it adds are cut off.
_FILL = ("", "AAA", "AA", "A")

Region = tuple[tuple[int, int, str], int]  # ((start, end, encoding) in the chunk, offset in the decoded text)


class _Windows:
    """One or more segments with the text within reach around them."""

    def __init__(self, text: str, starts: list[int], regions: list[tuple[int, int, int, str, bool]],
                 may_nest: bool) -> None:
        self.text = text
        self.may_nest = may_nest
        self._starts = starts  # in ``text``, of each decoded segment
        self._regions = regions  # (end in ``text``, start, end, encoding, reported here) of each

    def region_at(self, offset: int) -> Region | None:
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0 or offset >= self._regions[index][0]:
            return None
        _, start, end, encoding, own = self._regions[index]
        return ((start, end, encoding), offset - self._starts[index]) if own else None


class _Block:
    """A whole block with every segment decoded in place."""

    def __init__(self, parts: list[str], original: list[str], good: list[bool], low: int, own: tuple[int, int],
                 may_nest: bool) -> None:
        self.text = "".join(parts)
        self.may_nest = may_nest
        self._parts, self._original = parts, original  # gap, run, padding, gap…: decoded, and as found
        self._good, self._low, self._own = good, low, own
        self._ends: list[int] = []
        self._raw_ends: list[int] = []

    def region_at(self, offset: int) -> Region | None:
        if not self._ends:  # only blocks with findings need them
            self._ends = list(accumulate(map(len, self._parts)))
            self._raw_ends = list(accumulate(map(len, self._original)))
        part = bisect.bisect_right(self._ends, offset)
        if part % 3 != 1 or not self._good[part // 3]:
            return None
        start = self._low + self._raw_ends[part - 1]
        if not self._own[0] <= start < self._own[1]:
            return None
        return (start, self._low + self._raw_ends[part + 1], "base64"), offset - self._ends[part - 1]


def _pieces(text: str, reach: tuple[int, int]) -> Iterator[_Windows | _Block]:
    for own, low, high in _blocks(text, reach):
        yield from _base64_pieces(text, own, low, high, reach)
    if "%" in text:
        yield from _url_pieces(text, reach)  # may overlap base64 segments: pieces of their own


def _blocks(text: str, reach: tuple[int, int]) -> Iterator[tuple[tuple[int, int], int, int]]:
    """(own range, start, end) of each block: it reports the segments starting in its own
    range, and decodes those within reach of it too."""
    size = len(text)
    own_start = 0
    while own_start < size:
        own_end = _run_end(text, own_start + BLOCK)
        yield (own_start, own_end), _run_start(text, own_start - reach[0]), _run_end(text, own_end + reach[1])
        own_start = own_end


def _base64_pieces(
    text: str, own: tuple[int, int], low: int, high: int, reach: tuple[int, int]
) -> Iterator[_Windows | _Block]:
    before, after = reach
    block = _decode_block(text, low, high)
    if block is None:
        return
    parts, decoded, good, may_nest = block
    if sum(good) * (before + after + 1) >= DENSE * (high - low):  # one piece, built at C speed
        original = parts[:]
        if all(good):
            parts[1::3], parts[2::3] = decoded, [""] * len(decoded)
        else:
            parts[1::3] = [d if ok else run for d, ok, run in zip(decoded, good, parts[1::3])]
            parts[2::3] = [pad if not ok else "" for pad, ok in zip(parts[2::3], good)]
        yield _Block(parts, original, good, low, own, may_nest)
        return
    raw_ends = list(accumulate(map(len, parts)))
    segments = [
        (low + raw_ends[3 * n], low + raw_ends[3 * n + 2], "base64", d)
        for n, (d, ok) in enumerate(zip(decoded, good)) if ok
    ]
    yield from _windows(text, segments, reach, own, may_nest)


def _decode_block(text: str, low: int, high: int) -> tuple[list[str], list[str], list[bool], bool] | None:
    """``text[low:high]`` split into gap, run, padding, gap… with each run's decoded text,
    whether it is a segment (see :func:`_base64_segments`, which this does in bulk), and
    whether decoded text may hold encoded text again.

    A block can hold a hundred thousand short runs: apart from finding them, each step is a
    ``map`` or one call over all of them (C speed), not Python code per run."""
    parts = _split_runs(text[low:high])
    if parts is None:
        return None
    runs = parts[1::3]
    lengths = list(map(len, runs))
    # Base64 of text first (cheap: every fourth character), so binary data is not decoded.
    good = list(map(_GROUP_START.issuperset, map(operator.itemgetter(slice(None, None, 4)), runs)))
    if max(lengths) > MAX_SEGMENT:
        good = [ok and n <= MAX_SEGMENT for ok, n in zip(good, lengths)]
    # A run cut by the block's edge (only ever one longer than MAX_SEGMENT) is not one.
    if not parts[0] and low > 0 and text[low - 1] in _ALPHABET:
        good[0] = False
    if not parts[-1] and not parts[-2] and high < len(text) and text[high] in _ALPHABET:
        good[-1] = False
    if not any(good):
        return None
    if not all(good):
        runs = [run if ok else "" for run, ok in zip(runs, good)]
        lengths = list(map(len, runs))
    # Decode every run at once: each filled to whole groups, end to end, then each run's
    # own bytes cut out (the filling's bytes are dropped, as "=" padding would drop them).
    padded = list(map(operator.add, runs, map(_FILL.__getitem__, map(operator.and_, lengths, repeat(3)))))
    raw = binascii.a2b_base64("".join(padded))
    decoded_all = raw.decode("latin-1")
    starts = list(accumulate(map(operator.floordiv, map(operator.mul, map(len, padded), repeat(3)), repeat(4)),
                             initial=0))
    ends = map(operator.add, starts, map(operator.rshift, map(operator.mul, lengths, repeat(3)), repeat(2)))
    decoded = list(map(decoded_all.__getitem__, map(slice, starts, ends)))
    # MIN_BASE64 characters always decode to MIN_DECODED characters or more.
    if _NOT_TEXT.search("".join(decoded)):
        good = [ok and not _NOT_TEXT.search(d) for ok, d in zip(good, decoded)]
        if not any(good):
            return None
    # Over all decoded bytes, filling and non-segments included: may say yes wrongly, never no.
    may_nest = b"%" in raw or raw.translate(_BASE64_MARKS).find(_MARKED_RUN) >= 0
    return parts, decoded, good, may_nest


def _split_runs(block: str) -> list[str] | None:
    """``block`` as gap, run, padding, gap…, or None when it holds no run of MIN_BASE64
    base64 characters. Runs are found by ``bytes.translate`` and ``bytes.find`` (a regex
    split costs ten times as much on ordinary text, trying a match at every letter)."""
    # One byte per character ("?" for non-ASCII, never base64), so offsets are the text's.
    marks = block.encode("ascii", "replace").translate(_BASE64_MARKS)
    start = marks.find(_MARKED_RUN)
    if start < 0:
        return None
    starts, ends = [], []
    while start >= 0:
        end = marks.find(b" ", start + MIN_BASE64)
        end = len(marks) if end < 0 else end
        starts.append(start)
        ends.append(end)
        start = marks.find(_MARKED_RUN, end)
    stops = [end + (2 if block.startswith("==", end) else block.startswith("=", end)) for end in ends]
    parts: list[str] = [""] * (3 * len(starts) + 1)
    parts[0::3] = [block[a:b] for a, b in zip([0, *stops], [*starts, len(block)])]
    parts[1::3] = [block[a:b] for a, b in zip(starts, ends)]
    parts[2::3] = [block[a:b] for a, b in zip(ends, stops)]
    return parts


def decoded_runs(text: str, reach: tuple[int, int] = (0, 0)) -> Iterator[tuple[int, int, str]]:
    """(start, end, decoded text) of the base64 segments that :func:`findings` decodes, block
    by block: the same as :func:`segments` gives, found in bulk (the tests hold them equal)."""
    for own, low, high in _blocks(text, reach):
        block = _decode_block(text, low, high)
        if block is not None:
            parts, decoded, good, _ = block
            raw_ends = list(accumulate(map(len, parts)))
            for n, (d, ok) in enumerate(zip(decoded, good)):
                if ok and own[0] <= low + raw_ends[3 * n] < own[1]:
                    yield low + raw_ends[3 * n], low + raw_ends[3 * n + 2], d


def _url_pieces(text: str, reach: tuple[int, int]) -> Iterator[_Windows]:
    yield from _windows(text, _url_segments(text), reach, (0, len(text)), True)


def _windows(
    text: str, segments: Iterable[tuple[int, int, str, str]], reach: tuple[int, int], own: tuple[int, int],
    may_nest: bool,
) -> Iterator[_Windows]:
    """Segments with the text within reach around them, merged where their reach overlaps."""
    before, after = reach
    size = len(text)
    parts: list[str] = []
    starts: list[int] = []
    regions: list[tuple[int, int, int, str, bool]] = []
    length = cursor = high = 0
    for start, end, encoding, decoded in segments:
        if start - before > high and parts:
            parts.append(text[cursor:high])
            yield _Windows("".join(parts), starts, regions, may_nest)
            parts, starts, regions, length = [], [], [], 0
        if not parts:
            cursor = max(0, start - before)
        parts.append(text[cursor:start])
        length += start - cursor
        starts.append(length)
        parts.append(decoded)
        length += len(decoded)
        regions.append((length, start, end, encoding, own[0] <= start < own[1]))
        cursor = end
        high = end + after
    if parts:
        parts.append(text[cursor:min(high, size)])
        yield _Windows("".join(parts), starts, regions, may_nest)


def _run_start(text: str, at: int) -> int:
    """``at``, or before it the start of the base64 run (or its padding) it falls in."""
    if at <= 0:
        return 0
    back = text[max(0, at - MAX_SEGMENT - 4):at][::-1]
    return at - _RUN_BACKWARD.match(back).end()  # type: ignore[union-attr]


def _run_end(text: str, at: int) -> int:
    """``at``, or after it the end of the base64 run (and its padding) it falls in; a run
    longer than MAX_SEGMENT (never a segment) may be cut."""
    if at >= len(text):
        return len(text)
    return _RUN_FORWARD.match(text, at, at + MAX_SEGMENT + 4).end()  # type: ignore[union-attr]


def _base64_segments(text: str) -> Iterator[tuple[int, int, str, str]]:
    size = len(text)
    for match in _BASE64_RUN.finditer(text):
        start, end = match.span()
        if end - start > MAX_SEGMENT:
            continue
        decoded = _from_base64(match.group())
        if decoded is None:
            continue
        stop = end
        while stop < size and stop - end < 2 and text[stop] == "=":
            stop += 1
        yield start, stop, "base64", decoded


def _from_base64(segment: str) -> str | None:
    """Text that a run of base64 characters (each group starting as text's do) decodes to."""
    if len(segment) % 4 == 1:
        segment = segment[:-1]
    try:
        # The run holds only base64 characters, so no validation is needed.
        decoded = binascii.a2b_base64(segment + "=" * (-len(segment) % 4)).decode("ascii")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if len(decoded) < MIN_DECODED or _CONTROL.search(decoded):
        return None
    return decoded


def _url_segments(text: str) -> Iterator[tuple[int, int, str, str]]:
    covered = 0
    for match in _PERCENT.finditer(text):
        if match.start() < covered:
            continue
        # The token starts after the last delimiter before the escape: looked for back to
        # the end of the previous token only, so a long line is searched once, not once
        # per token (which was quadratic).
        low = text.rfind("\n", covered, match.start()) + 1 or covered
        start = max(max(text.rfind(c, low, match.start()) + 1 for c in _URL_DELIMITERS), low)
        end = _URL_TOKEN.match(text, match.start()).end()  # type: ignore[union-attr]
        covered = end
        if end - start < MIN_URL or end - start > MAX_SEGMENT:
            continue
        segment = text[start:end]
        decoded = unquote(segment)
        if decoded != segment and not _CONTROL.search(decoded):
            yield start, end, "url", decoded


def _url_raw_offset(segment: str, decoded: int) -> int:
    """Offset in ``segment`` of its ``decoded``-th decoded character (each %XX counts one)."""
    return raw_offset(segment, decoded, _PERCENT)

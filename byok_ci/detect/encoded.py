"""Keys hidden in base64 and URL-encoded (percent) text.

Kubernetes Secret ``data:`` values, ``.npmrc`` ``_auth`` strings, ``data:`` URLs and
``?key=`` query strings hold keys in encoded form. A segment long enough to hold a key is
decoded; when the result is text, it is scanned in place of the segment (with the text
around it, so provider context such as ``COHERE_API_KEY:`` still counts), and each finding
points at the encoded segment in the original text with ``encoding`` saying how it was
hidden. Decoded text is decoded again, to a bounded depth.

This runs on every chunk, so candidates are found cheaply: for ASCII text one
``bytes.translate`` and ``bytes.find`` pass (C speed) for base64, a search for ``%`` for URL
encoding; only segments that decode to printable text are scanned.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from urllib.parse import unquote

from byok_ci._offsets import raw_offset
from byok_ci.model import Chunk, Finding
from byok_ci.rules import Rule

DEFAULT_DEPTH = 2

# The shortest key of any rule is 20 characters, and 20 bytes encode to 27 base64 characters.
MIN_BASE64 = 27
MIN_DECODED = 16
MIN_URL = 16
MAX_SEGMENT = 1 << 20  # longer runs are data (images, fonts), not keys
# Standard base64 only (Kubernetes, .npmrc, data: URLs): with "-" and "_" every long
# snake_case name and every raw key would be a candidate.
_ALPHABET = (string.ascii_letters + string.digits + "+/").encode()
# Base64 of ASCII text starts every 4-character group with one of these (a byte < 128 has
# its top six bits < 32): a cheap test that throws out identifiers before decoding.
_GROUP_START = frozenset(string.ascii_uppercase + "abcdef")
_TABLE = bytes(0x61 if c in _ALPHABET else 0x20 for c in range(256))
_RUN = b"a" * MIN_BASE64
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_URL_TOKEN = re.compile(r"[^\s\"'<>`]*")
_URL_DELIMITERS = " \t\"'<>`"
_HOW = re.compile(r" in plain text| hidden in \S+ encoding")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")

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
    for start, end, encoding, decoded in segments(text):
        prefix = text[max(0, start - reach[0]):start]
        window = Chunk(prefix + decoded + text[end:end + reach[1]], chunk.path)
        found = scan(window)
        if depth > 1:
            found += findings(window, scan, depth - 1, reach, found)
        inside = [(f, _offset(window.text, f) - len(prefix)) for f in found]
        inside = [(f, at) for f, at in inside if 0 <= at < len(decoded)]
        if not inside:
            continue
        for finding, at in inside:
            label = encoding if finding.encoding is None else f"{encoding}+{finding.encoding}"
            where = start + (_url_raw_offset(text[start:end], at) if encoding == "url" else 0)
            line = text.count("\n", 0, where) + 1
            column = where - (text.rfind("\n", 0, where) + 1) + 1
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


def _base64_segments(text: str) -> Iterator[tuple[int, int, str, str]]:
    ascii_only = text.isascii()
    data = text.encode("ascii") if ascii_only else text.encode("utf-8", "surrogatepass")
    marks = data.translate(_TABLE)
    size = len(marks)
    position = marks.find(_RUN)
    while position >= 0:
        end = marks.find(b" ", position + MIN_BASE64)
        if end < 0:
            end = size
        decoded = _from_base64(data[position:end].decode("ascii"))
        if decoded is not None:
            # Offsets in ``data`` are text offsets for ASCII text; otherwise count characters.
            start = position if ascii_only else len(data[:position].decode("utf-8", "surrogatepass"))
            stop = start + end - position
            while stop < len(text) and text[stop] == "=" and stop - start - (end - position) < 2:
                stop += 1
            yield start, stop, "base64", decoded
        position = marks.find(_RUN, end)


def _from_base64(segment: str) -> str | None:
    if len(segment) > MAX_SEGMENT or not _GROUP_START.issuperset(segment[::4]):
        return None
    if len(segment) % 4 == 1:
        segment = segment[:-1]
    try:
        decoded = base64.b64decode(segment + "=" * (-len(segment) % 4), validate=True).decode("ascii")
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
        line_start = text.rfind("\n", 0, match.start()) + 1
        start = max(text.rfind(c, line_start, match.start()) + 1 for c in _URL_DELIMITERS)
        start = max(start, line_start)
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


def _offset(text: str, finding: Finding) -> int:
    start = 0
    for _ in range(finding.line - 1):
        start = text.index("\n", start) + 1
    return start + finding.column - 1

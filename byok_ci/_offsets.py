"""Map a position in decoded text back to the escaped text it came from, and offsets to
lines and columns, without rescanning from the start of the text each time."""

from __future__ import annotations

import bisect
import re
from array import array

_NEWLINE = re.compile("\n")


def raw_offset(raw: str, decoded: int, escape: re.Pattern[str], start: int = 0, end: int | None = None) -> int:
    """Offset in ``raw`` of the ``decoded``-th decoded character of ``raw[start:end]``, where
    every ``escape`` match (``%XX``, ``\\n``, ``\\u00e9``…) decodes to one character and the
    rest to itself. ``start`` must not fall inside an escape."""
    seen = 0
    position = start
    for match in escape.finditer(raw, start, len(raw) if end is None else end):
        plain = match.start() - position
        if seen + plain > decoded:
            break
        seen += plain
        if seen == decoded:
            return match.start()
        seen += 1
        position = match.end()
    return position + (decoded - seen)


class LineIndex:
    """Where each line of a text starts, found once on first use (a text with thousands of
    findings must not be counted from its start for each one)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: array[int] | None = None

    @property
    def starts(self) -> array[int]:
        if self._starts is None:
            self._starts = array("q", [0])
            self._starts.extend(m.end() for m in _NEWLINE.finditer(self._text))
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of ``offset``."""
        starts = self.starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def offset(self, line: int, column: int) -> int:
        """The offset of 1-based ``line`` and ``column``."""
        return self.starts[line - 1] + column - 1


_LONE_CR = re.compile("\r(?!\n)")


def lines_broken_at_lone_cr(text: str) -> str:
    """``text`` with each carriage return not followed by a line feed (classic Mac OS line
    ends, or a stray one among CRLF and LF lines) turned into a line feed: one character for
    one, so offsets and columns hold. Detection finds lines at line feeds; without this a
    CR-only file is one line, so an allow marker anywhere in it suppressed every key and
    keys were reported on line 1. CRLF and LF text is returned as it is (the same object)."""
    if "\r" not in text:
        return text
    crs = text.count("\r")
    if crs == text.count("\r\n"):
        return text
    return text.replace("\r", "\n") if "\n" not in text else _LONE_CR.sub("\n", text)

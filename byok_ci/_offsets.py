"""Map a position in decoded text back to the escaped text it came from, and offsets to
lines and columns, without rescanning from the start of the text each time."""

from __future__ import annotations

import bisect
import re
from array import array

from byok_ci._patterns import lazy_compile

_NEWLINE = lazy_compile("\n")


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


def cr_line_ends_as_lf(text: str) -> str:
    """A classic Mac OS text (lines ended by CR alone, no LF anywhere) with its CRs turned
    into LFs: one character for one, so offsets and columns hold. Detection finds lines at
    LFs; without this such a file was one line, so an allow marker anywhere in it suppressed
    every key and every key was reported on line 1. A CR in a text that has LFs is not a
    line end (git, and so GitHub and history scans, count lines at LFs alone), and CRLF or
    LF text is returned as it is (the same object)."""
    if "\r" not in text or "\n" in text:
        return text
    return text.replace("\r", "\n")

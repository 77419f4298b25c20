"""Map a position in decoded text back to the escaped text it came from."""

from __future__ import annotations

import re


def raw_offset(raw: str, decoded: int, escape: re.Pattern[str]) -> int:
    """Offset in ``raw`` of its ``decoded``-th decoded character, where every ``escape``
    match (``%XX``, ``\\n``, ``\\u00e9``…) decodes to one character and the rest to itself."""
    seen = position = 0
    for match in escape.finditer(raw):
        plain = match.start() - position
        if seen + plain > decoded:
            break
        seen += plain
        if seen == decoded:
            return match.start()
        seen += 1
        position = match.end()
    return position + (decoded - seen)

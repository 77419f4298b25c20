"""Source maps and Jupyter notebooks: text that sits inside JSON strings.

A source map's ``sourcesContent`` holds whole original files as JSON strings (``\\n``
escapes, one long line); a notebook holds cells and outputs as lists of strings. Their
decoded text is scanned as chunks of its own (so a key at the start of an original line is
not glued to the ``n`` of a ``\\n`` escape), and findings are moved back to the line and
column of the ``.map`` or ``.ipynb`` file, naming the original place in ``Finding.source``
(``src/config.ts:12``, ``cell 3:2``). The rest of the file is scanned as it is, with the
decoded strings blanked so nothing is reported twice.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import TypeVar

from byok_ci._offsets import LineIndex, raw_offset
from byok_ci.model import Chunk, Finding

Path_ = tuple[object, ...]
_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.", re.S)
_MAX_NESTING = 64
_T = TypeVar("_T")


def chunks(chunk: Chunk) -> Iterator[Chunk]:
    """The chunk itself, or a source map's / notebook's decoded parts and the rest."""
    name = chunk.path.rsplit("!", 1)[-1]
    if name.endswith(".map") and '"sourcesContent"' in chunk.text:
        parts = _split(chunk, _source_map_group)
    elif name.endswith(".ipynb") and '"cells"' in chunk.text:
        parts = _split(chunk, _notebook_group)
    else:
        parts = None
    yield from parts if parts is not None else (chunk,)


# -- which strings are decoded -------------------------------------------------------------------


def _source_map_group(path: Path_) -> tuple[Path_, str] | None:
    if len(path) == 2 and path[0] == "sourcesContent":
        return path, f"sources:{path[1]}"
    return None


def _notebook_group(path: Path_) -> tuple[Path_, str] | None:
    if len(path) < 3 or path[0] != "cells" or not isinstance(path[1], int):
        return None
    cell = f"cell {path[1] + 1}"
    if path[2] == "source":
        group, label = path[:3], cell
    elif path[2] == "outputs" and len(path) >= 5 and path[4] == "text":
        group, label = path[:5], f"{cell} output"
    elif path[2] == "outputs" and len(path) >= 6 and path[4] == "data":
        # Pictures are blanked, never scanned; other media types are text.
        group, label = path[:6], "" if str(path[5]).startswith("image/") else f"{cell} output"
    else:
        return None
    # A string, or a list of strings that are one text; strings deeper down (a JSON
    # output's fields) stay in the plain scan of the file.
    if len(path) == len(group) or (len(path) == len(group) + 1 and isinstance(path[-1], int)):
        return group, label
    return None


# -- splitting -----------------------------------------------------------------------------------


@dataclass
class _Group:
    label: str
    spans: list[tuple[int, int]]


def _split(chunk: Chunk, grouping: Callable[[Path_], tuple[Path_, str] | None]) -> list[Chunk] | None:
    text = chunk.text
    groups: dict[Path_, _Group] = {}
    try:
        for path, start, end in _strings(text):
            found = grouping(path)
            if found is not None:
                key, label = found
                groups.setdefault(key, _Group(label, [])).spans.append((start, end))
    except (ValueError, IndexError, RecursionError):
        return None  # not JSON after all: scanned as plain text
    if not groups:
        return None
    names = _source_names(text) if any(g.label.startswith("sources:") for g in groups.values()) else []
    lines = LineIndex(text)
    out: list[Chunk] = []
    blanked: list[tuple[int, int]] = []
    for group in groups.values():
        blanked.extend(group.spans)
        if not group.label:
            continue
        pieces = [json.loads(text[s:e]) for s, e in group.spans]
        if not all(isinstance(p, str) for p in pieces):
            continue
        label = group.label
        if label.startswith("sources:"):
            index = int(label.split(":", 1)[1])
            label = names[index] if index < len(names) else f"sources[{index}]"
        origin = JsonStringOrigin(text, tuple(group.spans), tuple(len(p) for p in pieces), label, lines)
        out.append(replace(chunk, text="".join(pieces), line_offset=0, origin=origin, data=None))
    out.insert(0, replace(chunk, text=_blank(text, blanked), data=None))
    return out


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the insides of these string literals made spaces: same lines and columns."""
    parts = []
    previous = 0
    for start, end in sorted(spans):
        parts.append(text[previous:start + 1])
        parts.append(" " * (end - start - 2))
        previous = end - 1
    parts.append(text[previous:])
    return "".join(parts)


def _source_names(text: str) -> list[str]:
    try:
        names = json.loads(text).get("sources", [])
    except (ValueError, AttributeError):
        return []
    return [n if isinstance(n, str) else "?" for n in names]


# -- where decoded text lies in the file ----------------------------------------------------------

# Every this many escapes of a string literal, where it lies in the literal and in the decoded
# text is noted, so a finding is located from the nearest note, not from the literal's start.
_STRIDE = 16


class _EscapeIndex:
    """Checkpoints (decoded offset, raw offset) at escape boundaries of one string literal."""

    def __init__(self, raw: str, start: int, end: int) -> None:
        self.decoded = array("q", [0])
        self.raw = array("q", [start])
        decoded = 0
        position = start
        for count, match in enumerate(_ESCAPE.finditer(raw, start, end), 1):
            decoded += match.start() - position + 1
            position = match.end()
            if count % _STRIDE == 0:
                self.decoded.append(decoded)
                self.raw.append(position)

    def nearest(self, decoded: int) -> tuple[int, int]:
        """The last checkpoint at or before ``decoded``: (its decoded offset, its raw offset)."""
        index = bisect.bisect_right(self.decoded, decoded) - 1
        return self.decoded[index], self.raw[index]


@dataclass(frozen=True)
class JsonStringOrigin:
    """Decoded text made of JSON string literals of ``raw`` (each span includes its quotes).

    Findings are located through indexes built on first use (lines of the decoded text,
    where each literal starts in it, checkpoints within each literal), so a text with a
    finding on each of its lines is relocated in linear time."""

    raw: str = field(repr=False)  # the file's text: may hold a key
    spans: tuple[tuple[int, int], ...]
    decoded_lengths: tuple[int, ...]
    label: str
    lines: LineIndex
    _indexes: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def relocate(self, finding: Finding, text: str) -> Finding:
        decoded_lines = self._index(("lines", id(text)), lambda: LineIndex(text))
        offset = decoded_lines.offset(finding.line, finding.column)
        starts = self._index("starts", lambda: list(accumulate(self.decoded_lengths, initial=0)))
        index = min(max(bisect.bisect_right(starts, offset) - 1, 0), len(self.spans) - 1)
        offset -= starts[index]
        start, end = self.spans[index]
        escapes = self._index(("escapes", index), lambda: _EscapeIndex(self.raw, start + 1, end - 1))
        checkpoint, position = escapes.nearest(offset)
        raw_at = raw_offset(self.raw, offset - checkpoint, _ESCAPE, position, end - 1)
        line, column = self.lines.position(raw_at)
        return replace(finding, line=line, column=column, source=f"{self.label}:{finding.line}")

    def _index(self, key: object, build: Callable[[], _T]) -> _T:
        if key not in self._indexes:
            self._indexes[key] = build()
        return self._indexes[key]  # type: ignore[return-value]


# -- a JSON reader that remembers where each string value lies ------------------------------------


def _strings(text: str) -> Iterator[tuple[Path_, int, int]]:
    """(path, start, end) of every string value; raises ValueError on malformed JSON."""
    yield from _value(text, _WS.match(text, 0).end(), (), 0, [])  # type: ignore[union-attr]


def _value(text: str, i: int, path: Path_, depth: int, end_out: list[int]) -> Iterator[tuple[Path_, int, int]]:
    if depth > _MAX_NESTING:
        raise ValueError("nested too deep")
    char = text[i]
    if char == '"':
        match = _STRING.match(text, i)
        if match is None:
            raise ValueError("bad string")
        yield path, i, match.end()
        end_out.append(match.end())
        return
    if char in "{[":
        closing = "}" if char == "{" else "]"
        i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
        index = 0
        if text[i] == closing:
            end_out.append(i + 1)
            return
        while True:
            if char == "{":
                key = _STRING.match(text, i)
                if key is None:
                    raise ValueError("bad key")
                name: object = json.loads(key.group())
                i = _WS.match(text, key.end()).end()  # type: ignore[union-attr]
                if text[i] != ":":
                    raise ValueError("expected ':'")
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            else:
                name = index
            inner: list[int] = []
            yield from _value(text, i, (*path, name), depth + 1, inner)
            i = _WS.match(text, inner[0]).end()  # type: ignore[union-attr]
            index += 1
            if text[i] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if text[i] == closing:
                end_out.append(i + 1)
                return
            raise ValueError("expected ',' or a closing bracket")
    match = _SCALAR.match(text, i)
    if match is None:
        raise ValueError("bad value")
    end_out.append(match.end())

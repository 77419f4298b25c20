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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from byok_ci._offsets import raw_offset
from byok_ci.model import Chunk, Finding

Path_ = tuple[object, ...]
_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\.", re.S)
_MAX_NESTING = 64


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
    lines = _LineIndex(text)
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
        out.append(replace(chunk, text="".join(pieces), line_offset=0, origin=origin))
    out.insert(0, replace(chunk, text=_blank(text, blanked)))
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


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


@dataclass(frozen=True)
class JsonStringOrigin:
    """Decoded text made of JSON string literals of ``raw`` (each span includes its quotes)."""

    raw: str
    spans: tuple[tuple[int, int], ...]
    decoded_lengths: tuple[int, ...]
    label: str
    lines: _LineIndex

    def relocate(self, finding: Finding, text: str) -> Finding:
        offset = _offset_of(text, finding.line, finding.column)
        index = 0
        while index < len(self.spans) - 1 and offset >= self.decoded_lengths[index]:
            offset -= self.decoded_lengths[index]
            index += 1
        start, end = self.spans[index]
        raw_offset = start + 1 + _raw_offset(self.raw[start + 1:end - 1], offset)
        line, column = self.lines.position(raw_offset)
        return replace(finding, line=line, column=column, source=f"{self.label}:{finding.line}")


def _offset_of(text: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    return start + column - 1


def _raw_offset(body: str, decoded: int) -> int:
    """Offset in a JSON string literal's body of its ``decoded``-th decoded character."""
    return raw_offset(body, decoded, _ESCAPE)


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

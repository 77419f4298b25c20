"""Safe, bounded YAML loading that keeps the line and column of every value.

The text is *composed* into a node graph (no Python object is ever constructed from a tag),
then checked before anything is expanded: only the standard YAML 1.1 tags are allowed
(``!!python/object`` and custom tags are refused), and the size the graph would have with
every alias expanded is computed over the shared nodes, so a "billion laughs" manifest is
refused after counting a few dozen nodes instead of building a billion.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

import yaml

from byok_ci._yaml import describe_key, describe_yaml_error, utf8_text
from byok_ci.errors import MalformedYaml, ManifestError

MAX_BYTES = 1024 * 1024
MAX_NODES = 50_000  # with aliases expanded; a 500-key manifest has about 10,000
MAX_DEPTH = 64

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"
_constructor = yaml.constructor.SafeConstructor()

Pos = tuple[int, int]


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it, each key and each value start (1-based)."""

    pos: Pos = (0, 0)
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]
    duplicates: list[tuple[Any, Pos]]  # keys given twice, at the repeat (the last one wins)

    def key_at(self, key: Any) -> Pos:
        return self.key_pos.get(key, self.pos)

    def value_at(self, key: Any) -> Pos:
        return self.value_pos.get(key, self.key_at(key))

    def line_of(self, key: Any) -> int:
        return self.key_at(key)[0]


class YList(list):  # type: ignore[type-arg]
    """A sequence that remembers where it and each item start (1-based)."""

    pos: Pos = (0, 0)
    item_pos: list[Pos]

    def at(self, index: int) -> Pos:
        return self.item_pos[index] if 0 <= index < len(self.item_pos) else self.pos


def _pos(node: yaml.Node) -> Pos:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_located(text: str, path: str, *, max_nodes: int = MAX_NODES, unique_keys: bool = False) -> Any:
    """Parse ``text``; raise :class:`ManifestError` (path, line, column) for anything unsafe or malformed.

    Timestamps stay strings (their source text), so date fields are parsed and reported in
    one place. A key given twice keeps its last value and is listed in ``YMap.duplicates``;
    with ``unique_keys`` it is an error instead (files whose loaders report no problems of
    their own: workflows, the shipped policy).
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ManifestError(path, None, None, f"file is larger than {MAX_BYTES // 1024} KB; refusing to parse it")
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        line, reason = describe_yaml_error(exc, text)
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        column = mark.column + 1 if mark is not None else None
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None and context_mark is not mark:
            # Where the unclosed bracket or block began is usually where the mistake is.
            reason += f" ({' '.join(str(context).split())} at line {context_mark.line + 1}, column {context_mark.column + 1})"
        raise ManifestError(path, line, column, f"malformed YAML: {reason}") from None
    except RecursionError:
        raise ManifestError(path, None, None, "YAML nested too deeply") from None
    if node is None:
        raise ManifestError(path, None, None, "the file is empty")
    _check_graph(node, path, max_nodes)
    data = _to_python(node, path)
    if unique_keys:
        repeated = first_duplicate(data)
        if repeated is not None:
            key, (line, column) = repeated
            raise ManifestError(path, line, column, f"{describe_key(key)} is given twice in one mapping")
    return data


def first_duplicate(data: Any) -> tuple[Any, Pos] | None:
    """The first key (in document order) given twice in any mapping of ``data``."""
    found: list[tuple[Any, Pos]] = []
    seen: set[int] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, YMap):
            found.extend(value.duplicates)
            stack.extend(value.values())
        elif isinstance(value, YList):
            stack.extend(value)
    return min(found, key=lambda item: item[1]) if found else None


def _check_graph(root: yaml.Node, path: str, max_nodes: int) -> None:
    """Refuse unknown tags, cycles and graphs whose alias expansion exceeds ``max_nodes``.

    Sizes are memoised per node object: an alias is the very node it names, so the cost is
    the number of distinct nodes, whatever the expanded size would be.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        line, column = _pos(node)
        if depth > MAX_DEPTH:
            raise ManifestError(path, line, column, f"YAML nested deeper than {MAX_DEPTH} levels")
        if key in active:
            raise ManifestError(path, line, column, "recursive YAML alias; refusing to expand it")
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise ManifestError(path, line, column, f"YAML tag {_short(node.tag)} is not allowed (plain values only)")
            sizes[key] = 1
            return 1
        if isinstance(node, yaml.MappingNode) and node.tag != _MAP or isinstance(node, yaml.SequenceNode) and node.tag != _SEQ:
            raise ManifestError(path, line, column, f"YAML tag {_short(node.tag)} is not allowed (plain values only)")
        active.add(key)
        total = 1
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        for child in children:
            if isinstance(child, yaml.ScalarNode) and child.tag == _MERGE:
                continue  # the "<<" key itself
            total += size(child, depth + 1)
            if total > max_nodes:
                raise ManifestError(
                    path, line, column,
                    f"YAML aliases would expand to more than {max_nodes} values; refusing to expand them",
                )
        active.discard(key)
        sizes[key] = total
        return total

    size(root, 0)


_KNOWN_TAG = re.compile(r"(python/[a-z]+(/[a-z]+)?|binary|set|omap|pairs|value|yaml|map|seq|str|int|float|bool|null|timestamp)")


def _short(tag: str) -> str:
    """The tag for an error message; a custom tag is never quoted (it could be a pasted key)."""
    name = tag[len(_TAG):].split(":", 1)[0] if tag.startswith(_TAG) else ""
    return f"!!{name}" if _KNOWN_TAG.fullmatch(name) else "(a custom tag)"


def _to_python(node: yaml.Node, path: str) -> Any:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _TAG + "timestamp":
            return node.value
        try:
            value = _constructor.construct_object(node)
        except (ValueError, TypeError, AttributeError, OverflowError, yaml.YAMLError):
            # `!!int abc`: PyYAML raises bare errors whose text quotes the value.
            mark = node.start_mark
            raise ManifestError(path, mark.line + 1, mark.column + 1,
                                f"the value does not match its YAML tag {_short(node.tag)}") from None
        return value.isoformat() if isinstance(value, (_dt.date, _dt.datetime)) else value
    if isinstance(node, yaml.SequenceNode):
        items = YList(_to_python(child, path) for child in node.value)
        items.pos = _pos(node)
        items.item_pos = [_pos(child) for child in node.value]
        return items
    mapping = YMap()
    mapping.pos = _pos(node)
    mapping.key_pos, mapping.value_pos, mapping.duplicates = {}, {}, []
    merged: list[YMap] = []
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE:
            value = _to_python(value_node, path)
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, YMap) for s in sources):
                line, column = _pos(value_node)
                raise ManifestError(path, line, column, "a merge key (<<) must name a mapping or a list of mappings")
            merged.extend(sources)
            continue
        key = _to_python(key_node, path)
        if isinstance(key, (dict, list)):
            line, column = _pos(key_node)
            raise ManifestError(path, line, column, "a mapping key must be a plain value")
        if key in mapping.key_pos:
            mapping.duplicates.append((key, _pos(key_node)))
        mapping[key] = _to_python(value_node, path)
        mapping.key_pos[key] = _pos(key_node)
        mapping.value_pos[key] = _pos(value_node)
    for source in merged:
        for key, value in source.items():
            if key not in mapping:
                mapping[key] = value
                mapping.key_pos[key] = source.key_at(key)
                mapping.value_pos[key] = source.value_at(key)
    return mapping


def read_located(path: Path, shown: str | None = None, *, unique_keys: bool = False) -> tuple[str, Any]:
    """Read and parse a file; the text is returned too, for the inline-secret scan."""
    shown = shown or path.as_posix()
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # a 100 MB file is refused without reading it all
    except OSError as exc:
        raise ManifestError(shown, None, None, f"cannot read: {(exc.strerror or str(exc)).lower()}") from None
    if len(raw) > MAX_BYTES:
        raise ManifestError(shown, None, None, f"file is larger than {MAX_BYTES // 1024} KB; refusing to parse it")
    try:
        text = utf8_text(raw)
    except MalformedYaml as exc:
        raise ManifestError(shown, exc.line, None, exc.args[0]) from None
    return text, load_located(text, shown, unique_keys=unique_keys)

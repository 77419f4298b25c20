"""Validation with the shipped schemas: the subset of JSON Schema 2020-12 they use.

Not the ``jsonschema`` package: it pulls in rpds-py, referencing and attrs, and loading
``.byok-ci.yaml`` is on the pre-commit hook's path. tests/test_schema_validation.py holds this module
to agreeing with ``jsonschema.Draft202012Validator`` (accept/reject) and fails when a schema
starts using a keyword that is not in :data:`KEYWORDS`.

A :class:`Violation` says where (a path of keys and indexes into the document) and what;
:func:`describe` words it as one line, and :func:`position` finds its line (and column) in
a document loaded with positions (``LineDict`` of :mod:`byok_ci._yaml`, ``YMap``/``YList``
of :mod:`byok_ci.manifest.located`). Messages name fields, never values (a value could be a key).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from byok_ci.schemas import cached_schema, resolve

Path = tuple[Any, ...]
Schema = Mapping[str, Any]

# Keywords that constrain a document (all checked below) and keywords that only annotate it
# (for editors: VS Code's and the YAML language server's errorMessage, patternErrorMessage and
# deprecationMessage, which byok-ci's own messages use too).
KEYWORDS = frozenset({
    "type", "enum", "const", "properties", "patternProperties", "additionalProperties", "propertyNames", "required",
    "dependentRequired", "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "anyOf", "oneOf", "allOf", "not", "if", "then", "else", "$ref", "$defs",
})
ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "errorMessage",
    "patternErrorMessage", "deprecationMessage", "markdownDescription",
})
# Keywords whose value is a mapping of names to schemas, and those whose value is a schema or a list of them.
SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
SCHEMA_VALUES = ("additionalProperties", "propertyNames", "items", "not", "if", "then", "else", "anyOf", "oneOf", "allOf")


class Violation(NamedTuple):
    """One way a document breaks its schema.

    ``keyword`` is the failing keyword; ``name`` the field it is about (unknown, missing or a
    bad key), ``known`` the field names allowed there (for did-you-mean). A NamedTuple, not a
    dataclass: building a dataclass costs 0.7 ms at import, on the pre-commit hook's path.
    """

    path: Path
    keyword: str
    schema: Schema
    name: Any = None
    known: tuple[str, ...] = ()

    @property
    def at_key(self) -> bool:
        """The problem is the key itself (unknown, or a bad name), not its value."""
        return self.keyword in ("additionalProperties", "propertyNames")


def validate(document: Any, name: str, pointer: str = "") -> list[Violation]:
    """What is wrong with ``document`` by the schema ``name`` (or its part at ``pointer``, ``#/$defs/policy``)."""
    root = cached_schema(name)
    return list(_check(document, resolve(root, pointer) if pointer else root, root, ()))


_TYPES: dict[str, Any] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    # As JSON Schema (and jsonschema): 1.0 is an integer.
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


def _is_type(value: Any, kind: str) -> bool:
    return bool(_TYPES[kind](value))


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _search(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None  # re caches compiled patterns


def _check(value: Any, schema: Any, root: Schema, path: Path) -> Iterator[Violation]:
    if schema is True:
        return
    if schema is False:
        yield Violation(path, "false", {})
        return
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is_type(value, k) for k in kinds):
            yield Violation(path, "type", schema)
            return  # nothing else is worth saying about a value of the wrong kind
    if "const" in schema and not _equal(value, schema["const"]):
        yield Violation(path, "const", schema)
    if "enum" in schema and not any(_equal(value, e) for e in schema["enum"]):
        yield Violation(path, "enum", schema)
    if "$ref" in schema:
        yield from _check(value, resolve(root, schema["$ref"]), root, path)
    if _is_type(value, "number"):
        yield from _number(value, schema, path)
    elif isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            yield Violation(path, "minLength" if len(value) < schema.get("minLength", 0) else "maxLength", schema)
        if "pattern" in schema and not _search(schema["pattern"], value):
            yield Violation(path, "pattern", schema)
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            yield Violation(path, "minItems" if len(value) < schema.get("minItems", 0) else "maxItems", schema)
        if "items" in schema:
            for index, item in enumerate(value):
                yield from _check(item, schema["items"], root, (*path, index))
    elif isinstance(value, dict):
        yield from _object(value, schema, root, path)
    yield from _combined(value, schema, root, path)


def _number(value: float, schema: Schema, path: Path) -> Iterator[Violation]:
    for keyword, fails in (("minimum", lambda limit: value < limit), ("maximum", lambda limit: value > limit),
                           ("exclusiveMinimum", lambda limit: value <= limit),
                           ("exclusiveMaximum", lambda limit: value >= limit)):
        if keyword in schema and fails(schema[keyword]):
            yield Violation(path, keyword, schema)


def _object(value: dict[Any, Any], schema: Schema, root: Schema, path: Path) -> Iterator[Violation]:
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    for name in schema.get("required", ()):
        if name not in value:
            yield Violation(path, "required", schema, name)
    for name, needs in schema.get("dependentRequired", {}).items():
        if name in value:
            for needed in needs:
                if needed not in value:
                    yield Violation(path, "required", schema, needed)
    for key, item in value.items():
        text = key if isinstance(key, str) else str(key)
        if "propertyNames" in schema and list(_check(text, schema["propertyNames"], root, path)):
            yield Violation((*path, key), "propertyNames", schema["propertyNames"], key)
        matched = False
        if key in properties:
            matched = True
            yield from _check(item, properties[key], root, (*path, key))
        for pattern, inner in patterns.items():
            if _search(pattern, text):
                matched = True
                yield from _check(item, inner, root, (*path, key))
        if not matched and "additionalProperties" in schema:
            extra = schema["additionalProperties"]
            if extra is False:
                yield Violation((*path, key), "additionalProperties", schema, key, tuple(properties))
            else:
                yield from _check(item, extra, root, (*path, key))


def _combined(value: Any, schema: Schema, root: Schema, path: Path) -> Iterator[Violation]:
    for inner in schema.get("allOf", ()):
        yield from _check(value, inner, root, path)
    for keyword in ("anyOf", "oneOf"):
        if keyword not in schema:
            continue
        results = [list(_check(value, inner, root, path)) for inner in schema[keyword]]
        passed = sum(1 for r in results if not r)
        if keyword == "anyOf" and passed or keyword == "oneOf" and passed == 1:
            continue
        if not passed:
            # The one alternative of the value's kind whose problems are deeper down (a field
            # of the mapping) says more than "must be A or B".
            deeper = [r for r in results if all(len(v.path) > len(path) or v.at_key for v in r)]
            if len(deeper) == 1:
                yield from deeper[0]
                continue
        yield Violation(path, keyword, schema)
    if "not" in schema and not list(_check(value, schema["not"], root, path)):
        yield Violation(path, "not", schema)
    if "if" in schema:
        branch = "then" if not list(_check(value, schema["if"], root, path)) else "else"
        if branch in schema:
            yield from _check(value, schema[branch], root, path)


# --- wording --------------------------------------------------------------------------------


def field_name(path: Path) -> str:
    """``("keys", 0, "budget")`` → ``keys[0].budget``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def expected(schema: Any, root: Schema | None = None) -> str:
    """What ``schema`` accepts, for "must be …"."""
    if not isinstance(schema, Mapping):
        return "nothing" if schema is False else "anything"
    if "errorMessage" in schema:
        return str(schema["errorMessage"]).removeprefix("must be ")
    if "$ref" in schema and root is not None:
        return expected(resolve(root, schema["$ref"]), root)
    if "const" in schema:
        return _shown(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(_shown(e) for e in schema["enum"])
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            return " or ".join(dict.fromkeys(expected(inner, root) for inner in schema[keyword]))
    kinds = schema.get("type", ())
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    words = [_kind(k, schema, root) for k in kinds if k != "null"] or ["empty"]
    return " or ".join(words) + (" or empty" if "null" in kinds and len(kinds) > 1 else "")


def _kind(kind: str, schema: Schema, root: Schema | None) -> str:
    if kind == "array":
        items = schema.get("items")
        inner = expected(items, root) if isinstance(items, Mapping) else "anything"
        if inner.startswith("a ") and not re.search(r"[(,]| or ", inner):
            return f"a list of {inner[2:]}s"  # a list of non-empty strings
        return "a list" if inner == "anything" else f"a list whose items are each {inner}"
    if kind in ("integer", "number"):
        word = "whole number" if kind == "integer" else "number"
        if schema.get("exclusiveMinimum") == 0:
            word = "positive " + word
        limits = [f"at least {schema['minimum']}" if "minimum" in schema else "",
                  f"more than {schema['exclusiveMinimum']}" if schema.get("exclusiveMinimum", 0) != 0 else "",
                  f"at most {schema['maximum']}" if "maximum" in schema else "",
                  f"less than {schema['exclusiveMaximum']}" if "exclusiveMaximum" in schema else ""]
        shown = ", ".join(filter(None, limits))
        return f"a {word}" + (f" ({shown})" if shown else "")
    if kind == "string":
        if "pattern" in schema and "patternErrorMessage" in schema:
            return str(schema["patternErrorMessage"]).removeprefix("must be ")
        return "a non-empty string" if schema.get("minLength", 0) >= 1 else "a string"
    return {"object": "a mapping", "boolean": "true or false"}.get(kind, kind)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "empty" if value is None else str(value)


def describe(violation: Violation, *, noun: str = "field", prefix: Path = (), strip: int = 0,
             root: Schema | None = None) -> str:
    """One line for ``violation``: ``unknown field 'x' in keys[0]; did you mean 'y'?``.

    Field names are shown with ``prefix`` before and the first ``strip`` path parts removed
    (a key entry's fields are named from the entry); the mapping where a field is missing or
    unknown is named in full.
    """
    path = (*prefix, *violation.path)
    shown = _quoted_path((*prefix, *violation.path[strip:]))
    schema = violation.schema
    if violation.at_key and prefix:  # a section validated on its own: unknown field 'iac.pathz'
        return f"unknown {noun} {_quoted_path(path)}{_hint(violation)}"
    if violation.at_key:
        where = field_name(path[:-1])
        return f"unknown {noun} {_quoted(violation.name)}{f' in {where}' if where else ''}{_hint(violation)}"
    if violation.keyword == "required":
        where = field_name(path)
        return f"{where + ' is m' if where else 'm'}issing required {noun} {_quoted(violation.name)}"
    if violation.keyword == "pattern" and "patternErrorMessage" in schema:
        return f"{noun} {shown} {schema['patternErrorMessage']}"
    if violation.keyword == "false":
        return f"{noun} {shown} is not allowed"
    if violation.keyword == "not":
        return f"{noun} {shown} must not be {expected(schema['not'], root)}"
    return f"{noun} {shown} must be {expected(schema, root)}"


def _quoted(name: Any) -> str:
    """``'name'``; a name that could be a secret (a mapping key is free text) is not shown."""
    from byok_ci._yaml import describe_key

    shown = describe_key(name)
    return shown.removeprefix("key ") if shown != "a key" else "(a name not shown)"


def _quoted_path(path: Path) -> str:
    from byok_ci._yaml import describe_key

    parts = [p if isinstance(p, int) or describe_key(p) != "a key" else "…" for p in path]
    return f"'{field_name(tuple(parts))}'"


def _hint(violation: Violation) -> str:
    if not violation.known:
        return ""
    from byok_ci.rules.ids import did_you_mean

    hint = did_you_mean(str(violation.name), violation.known)
    return hint or f" (known: {', '.join(violation.known)})"


def position(document: Any, violation: Violation) -> tuple[int | None, int | None]:
    """The line and column (None where the document does not keep them) of ``violation``."""
    parent, node = None, document
    for part in violation.path:
        parent, node = node, (node[part] if isinstance(node, (dict, list)) and _has(node, part) else None)
    last = violation.path[-1] if violation.path else None
    if violation.keyword == "required" or parent is None:
        return _own(node if violation.keyword == "required" else document)
    if hasattr(parent, "value_at"):  # a YMap
        where = parent.key_at(last) if violation.at_key else parent.value_at(last)
        return where[0], where[1]
    if hasattr(parent, "at"):  # a YList
        line, column = parent.at(last)
        return line, column
    if hasattr(parent, "line_of"):  # a LineDict
        return parent.line_of(last), None
    # A plain list (LineDict documents keep no item lines): the line of the nearest key above.
    return position(document, Violation(violation.path[:-1], "type", {}))


def _has(node: Any, part: Any) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and 0 <= part < len(node)


def _own(node: Any) -> tuple[int | None, int | None]:
    pos = getattr(node, "pos", None)
    if pos is not None:
        return pos[0], pos[1]
    line = getattr(node, "line", None)
    return (line or None), None

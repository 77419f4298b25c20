"""YAML loading that keeps line numbers, so errors can name the file and line.

PyYAML is imported on the first load: a scan without a config file, with the rules from
the cache (:mod:`byok_ci.rules.cache`), never needs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from byok_ci.errors import MalformedYaml

if TYPE_CHECKING:
    import yaml


class LineDict(dict):
    """A mapping that remembers the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


_LOADER: Any = None


def _loader() -> Any:
    """The SafeLoader (C where PyYAML has it) that builds :class:`LineDict` mappings."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            pass

        Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
        _LOADER = Loader
    return _LOADER


def _construct_map(loader: Any, node: yaml.MappingNode):  # type: ignore[no-untyped-def]
    import yaml

    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.key_lines = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in data.key_lines:
                # YAML says keys are unique; PyYAML would keep the last one silently.
                raise MalformedYaml(key_node.start_mark.line + 1,
                                    f"{describe_key(key_node.value)} is given twice in one mapping", prefix="")
            data.key_lines[key_node.value] = key_node.start_mark.line + 1
    data.update(loader.construct_mapping(node))

_LONG_QUOTED = re.compile(r"(['\"])[^'\"]{9,}\1")


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.$/-]{0,29}")


def describe_key(key: Any) -> str:
    """``key 'name'`` for an error message; a mapping key that could be a secret is not quoted."""
    text = str(key)
    # A long run of letters mixed with digits looks like a token, not a field name.
    token_like = len(text) >= 16 and not re.search(r"[_.$/-]", text) and re.search(r"\d", text) is not None
    return f"key '{text}'" if _PLAIN_KEY.fullmatch(text) and not token_like else "a key"


def describe_yaml_error(exc: yaml.YAMLError, text: str | None = None) -> tuple[int | None, str]:
    """Line and a one-line reason, without quoting the offending text (it could be a key).
    ``text``: the document, for errors that give a position instead of a line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    position, reason = getattr(exc, "position", None), getattr(exc, "reason", None)
    if isinstance(position, int) and isinstance(reason, str):  # a ReaderError: a control character
        character = getattr(exc, "character", None)
        shown = f" (character 0x{ord(character) if isinstance(character, str) else character:x})" \
            if character is not None else ""
        return (text.count("\n", 0, position) + 1 if text is not None else None), f"{reason}{shown}"
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or type(exc).__name__
    problem = _LONG_QUOTED.sub("'…'", str(problem))
    return line, " ".join(problem.split())


def load_yaml(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass


def utf8_text(raw: bytes) -> str:
    """``raw`` as UTF-8 (a BOM allowed); raise :class:`~byok_ci.errors.MalformedYaml` at the
    first byte that is not: read with replacement characters, a field (an exclude glob, a
    rule id) would silently become another one."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise MalformedYaml(line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                            prefix="") from None


MAX_YAML_BYTES = 16 * 1024 * 1024  # configs and rule files are kilobytes; parsing 100 MB takes minutes


def load_yaml_file(path: Path) -> Any:
    """Parse ``path``; raise :class:`~byok_ci.errors.MalformedYaml` (line, reason) for malformed YAML."""
    with open(path, "rb") as handle:
        raw = handle.read(MAX_YAML_BYTES + 1)
    if len(raw) > MAX_YAML_BYTES:
        raise MalformedYaml(None, f"file is larger than {MAX_YAML_BYTES // (1024 * 1024)} MB; refusing to parse it",
                            prefix="")
    text = utf8_text(raw)
    import yaml

    try:
        return load_yaml(text)
    except MalformedYaml:
        raise
    except yaml.YAMLError as exc:
        line, reason = describe_yaml_error(exc, text)
        raise MalformedYaml(line, reason) from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # An explicit tag whose value cannot be built (`!!int abc`, `!!timestamp x`): PyYAML
        # raises these bare, and their text quotes the value.
        raise MalformedYaml(None, f"a value does not match its YAML tag ({type(exc).__name__})") from None


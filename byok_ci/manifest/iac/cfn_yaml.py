"""CloudFormation YAML/JSON with positions: exactly the intrinsic tags, mapped to their ``Fn::`` forms.

``!Ref x`` becomes ``{"Ref": "x"}``, ``!GetAtt a.b`` becomes ``{"Fn::GetAtt": ["a", "b"]}``,
``!Sub …`` becomes ``{"Fn::Sub": …}`` and so on; every other non-standard tag is refused
with its line, as the manifest loader refuses them. Aliases count toward a node budget.
"""

from __future__ import annotations

from typing import Any

import yaml

from byok_ci._yaml import describe_key, describe_yaml_error
from byok_ci.errors import ManifestError
from byok_ci.manifest.located import YList, YMap

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STANDARD = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "binary")}
INTRINSICS = {
    "!Ref": "Ref", "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
        "Transform", "And", "Equals", "If", "Not", "Or", "Contains", "EachMemberEquals", "EachMemberIn",
        "RefAll", "ValueOf", "ValueOfAll", "ToJsonString", "Length", "ForEach")},
}
MAX_NODES = 200_000
_constructor = yaml.constructor.SafeConstructor()


def load_cfn(text: str, path: str) -> Any:
    """The template as YMap/YList with positions; raises ManifestError (path, line, column)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        line, reason = describe_yaml_error(exc)
        raise ManifestError(path, line, None, f"malformed YAML: {reason}") from None
    except RecursionError:
        raise ManifestError(path, None, None, "YAML nested too deeply") from None
    if node is None:
        return None
    budget = [MAX_NODES]
    return _convert(node, path, budget, 0)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _convert(node: yaml.Node, path: str, budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise ManifestError(path, *_pos(node), f"more than {MAX_NODES} YAML nodes with aliases expanded; refusing it")
    if depth > 64:
        raise ManifestError(path, *_pos(node), "YAML nested deeper than 64 levels")
    tag = node.tag
    if tag in INTRINSICS:
        if isinstance(node, yaml.ScalarNode):
            inner: Any = node.value
            if tag == "!GetAtt":
                inner = inner.split(".", 1)
        else:
            inner = _convert(_retag(node), path, budget, depth + 1)
        wrapped = YMap({INTRINSICS[tag]: inner})
        wrapped.pos = _pos(node)
        wrapped.key_pos = {INTRINSICS[tag]: _pos(node)}
        wrapped.value_pos = {INTRINSICS[tag]: _pos(node)}
        wrapped.duplicates = []
        return wrapped
    if tag not in _STANDARD:
        shown = tag if len(tag) <= 40 else tag[:40] + "…"
        raise ManifestError(path, *_pos(node), f"YAML tag {shown} is not a CloudFormation intrinsic function; refusing it")
    if isinstance(node, yaml.ScalarNode):
        if tag == _TAG + "timestamp":
            return node.value
        try:
            return _constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError):
            raise ManifestError(path, *_pos(node), "a value does not match its YAML tag") from None
    if isinstance(node, yaml.SequenceNode):
        items = YList(_convert(item, path, budget, depth + 1) for item in node.value)
        items.pos = _pos(node)
        items.item_pos = [_pos(item) for item in node.value]
        return items
    mapping = YMap()
    mapping.pos, mapping.key_pos, mapping.value_pos, mapping.duplicates = _pos(node), {}, {}, []
    for key_node, value_node in node.value:
        if key_node.tag == _TAG + "merge":
            raise ManifestError(path, *_pos(key_node), "YAML merge keys (<<) are not supported in templates")
        key = _convert(key_node, path, budget, depth + 1)
        if isinstance(key, (dict, list)):
            raise ManifestError(path, *_pos(key_node), "a mapping key must be a plain value")
        if key in mapping.key_pos:
            raise ManifestError(path, *_pos(key_node), f"{describe_key(key)} is given twice in one mapping")
        mapping.key_pos[key] = _pos(key_node)
        mapping.value_pos[key] = _pos(value_node)
        mapping[key] = _convert(value_node, path, budget, depth + 1)
    return mapping


def mapping_at(data: Any, key: str) -> YMap:
    """``data[key]`` when it is a mapping with positions, else an empty one (also with positions)."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, YMap):
        return value
    empty = YMap()
    empty.pos, empty.key_pos, empty.value_pos, empty.duplicates = (1, 1), {}, {}, []
    return empty


def _retag(node: yaml.Node) -> yaml.Node:
    """The node under its standard tag, so its children are converted as plain YAML."""
    standard = _TAG + ("seq" if isinstance(node, yaml.SequenceNode) else "map")
    return type(node)(standard, node.value, node.start_mark, node.end_mark)

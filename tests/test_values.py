"""byok_ci._values.by_value: the __eq__, __hash__ and __repr__ @dataclass would write, none compiled."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from byok_ci._values import by_value


def _twins(frozen: bool) -> tuple[type, type]:
    """The same class twice: @dataclass's methods, and by_value's."""
    body: dict[str, Any] = {
        "__annotations__": {"name": "str", "size": "float", "data": "object", "hidden": "str", "loose": "int"},
        "data": field(default=None, compare=False),
        "hidden": field(default="", repr=False),
        "loose": field(default=0, hash=False),
    }
    generated = dataclass(frozen=frozen)(type("Item", (), dict(body)))
    valued = by_value(dataclass(frozen=frozen, eq=False, repr=False)(type("Item", (), dict(body))))
    return generated, valued


@pytest.mark.parametrize("frozen", [True, False])
def test_the_same_equality_hash_and_text_as_dataclass(frozen: bool) -> None:
    generated, valued = _twins(frozen)
    nan = math.nan
    cases = [("a", 1.0, None, "", 0), ("a", 1.0, "other data", "", 0), ("a", 2.0, None, "", 0),
             ("a", 1.0, None, "secret", 0), ("a", 1.0, None, "", 5), ("a", nan, None, "", 0)]
    for left in cases:
        for right in cases:
            assert (generated(*left) == generated(*right)) == (valued(*left) == valued(*right)), (left, right)
            assert (generated(*left) != generated(*right)) == (valued(*left) != valued(*right)), (left, right)
        assert repr(generated(*left)) == repr(valued(*left))
        assert "secret" not in repr(valued(*left))
        if frozen:
            assert hash(generated(*left)) == hash(valued(*left))
        else:
            with pytest.raises(TypeError, match="unhashable"):
                hash(valued(*left))
    same = valued("a", nan, None, "", 0)
    assert same == same  # the same object, as a tuple compares it (NaN included)
    assert valued("a", 1.0) != generated("a", 1.0) and valued("a", 1.0).__eq__(3) is NotImplemented


def test_one_field_and_no_field_compare_and_hash_as_tuples() -> None:
    @by_value
    @dataclass(frozen=True, eq=False, repr=False)
    class One:
        value: float

    @by_value
    @dataclass(frozen=True, eq=False, repr=False)
    class Nothing:
        pass

    assert hash(One(2.5)) == hash((2.5,))
    # Compared as tuples, as @dataclass does: the same NaN is equal, two NaNs are not.
    assert One(math.nan) == One(math.nan) and One(float("nan")) != One(float("nan"))
    assert Nothing() == Nothing() and hash(Nothing()) == hash(())
    assert repr(Nothing()).endswith("<locals>.Nothing()")
    assert dataclasses.replace(One(1.0), value=2.0) == One(2.0)


def test_a_subclass_is_not_equal_and_a_loop_is_shown_once() -> None:
    @by_value
    @dataclass(eq=False, repr=False)
    class Node:
        children: list[Any]

    class Sub(Node):
        pass

    node = Node([])
    node.children.append(node)
    assert repr(node).endswith("Node(children=[...])")
    assert Node([]) == Node([]) and Node([]) != Sub([])


def test_only_a_dataclass_without_generated_methods() -> None:
    with pytest.raises(TypeError, match="eq=False, repr=False"):
        by_value(dataclass(frozen=True)(type("Item", (), {"__annotations__": {"x": "int"}})))
    with pytest.raises(KeyError):
        by_value(type("Plain", (), {}))

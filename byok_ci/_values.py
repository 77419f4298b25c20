"""Value semantics for dataclasses, with nothing compiled when the class is defined (issue 16 §1).

``@dataclass`` writes ``__eq__``, ``__hash__`` and ``__repr__`` as source text and compiles it
with ``exec`` as the class is defined: about a third of what defining a dataclass costs, and a
pre-commit hook's start-up defines some thirty of them (bench/README.md, "Round 5 —
hook-margin"). :func:`by_value` gives a dataclass defined with ``eq=False, repr=False`` the
same three methods, built from :func:`operator.attrgetter` over its fields (nothing compiled):
equal when of the same class with equal compared fields, the same hash (frozen classes; the
others stay unhashable, as ``@dataclass`` makes them), the same text.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def _values(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of an object's ``names``: always a tuple, as ``@dataclass`` compares and hashes."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def by_value(cls: T) -> T:
    """``cls``, a dataclass defined with ``eq=False, repr=False``, with the ``__eq__``,
    ``__hash__`` and ``__repr__`` that ``eq=True, repr=True`` would have given it."""
    params: Any = vars(cls)["__dataclass_params__"]  # KeyError: @dataclass has not run on cls itself
    if params.eq or params.repr:
        raise TypeError(f"{cls.__qualname__}: define it with @dataclass(eq=False, repr=False) for by_value")
    for name in ("__eq__", "__hash__", "__repr__"):
        # @dataclass would keep a method the class defines; here none is expected.
        assert name not in vars(cls) or (name == "__hash__" and vars(cls)[name] is None), name
    own = fields(cls)
    compared = _values([f.name for f in own if f.compare])
    hashed = _values([f.name for f in own if (f.compare if f.hash is None else f.hash)])
    shown = [f.name for f in own if f.repr]

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    for method in (__eq__, __repr__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    if params.frozen:
        __hash__.__qualname__ = f"{cls.__qualname__}.__hash__"
        cls.__hash__ = __hash__  # type: ignore[assignment]
    else:
        cls.__hash__ = None  # type: ignore[assignment]  # mutable and compared by value: unhashable
    return cls

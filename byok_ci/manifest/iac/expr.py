"""Static evaluation of the small part of each tool's expressions that names a secret.

Only references to values written in the repository resolve (variables and their defaults,
tfvars, locals, parameters, stack config, Helm values); anything else — a function, a
data source's output, a module output — raises :class:`Unresolved` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from byok_ci.errors import Unresolved

__all__ = ["UNRESOLVED", "Unresolved", "reason", "call_args", "interpolations", "prefix", "substitute"]


def interpolations(text: str, opener: str = "${") -> list[tuple[int, int, str]]:
    """``(start, end, inner)`` of each ``${…}`` in ``text``, braces balanced."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while True:
        start = text.find(opener, i)
        if start < 0:
            return found
        depth, j = 0, start + len(opener) - 1
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):
            raise Unresolved("an unclosed '${' in a string")
        found.append((start, j + 1, text[start + len(opener):j]))
        i = j + 1


def substitute(text: str, resolve: Callable[[str], str], opener: str = "${") -> str:
    """``text`` with each interpolation replaced by ``resolve(inner)``; Unresolved propagates."""
    out, last = [], 0
    for start, end, inner in interpolations(text, opener):
        out.append(text[last:start])
        out.append(resolve(inner.strip()))
        last = end
    out.append(text[last:])
    return "".join(out)


def prefix(text: str, opener: str = "${") -> str:
    """The literal part of ``text`` before its first interpolation (what is known for sure)."""
    index = text.find(opener)
    return text if index < 0 else text[:index]


_SPLIT = re.compile(r",(?![^\[\(\{]*[\]\)\}])")


def call_args(inner: str, name: str) -> list[str] | None:
    """The arguments of ``name(a, b)`` when ``inner`` is exactly that call, else None."""
    if not (inner.startswith(name + "(") and inner.endswith(")")):
        return None
    return [a.strip() for a in _SPLIT.split(inner[len(name) + 1:-1])]


# What evaluating a construct written in an unexpected shape may raise besides Unresolved
# (a list where a string belongs, !Select [x, …]): the construct is inconclusive, the run goes on.
UNRESOLVED = (Unresolved, TypeError, ValueError, IndexError, KeyError, AttributeError, RecursionError)


def reason(exc: BaseException) -> str:
    """Why a construct did not resolve, for the inconclusive outcome."""
    if isinstance(exc, Unresolved):
        return str(exc)
    return f"the expression has a shape that cannot be evaluated ({type(exc).__name__})"

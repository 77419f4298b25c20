"""The dataclass methods of the hook's records, compiled with the package (issue 16 §1).

``@dataclass`` writes a record's ``__init__`` (a frozen one's ``__setattr__`` and
``__delattr__`` too) as source text and compiles it with ``exec`` as the class is defined:
about a sixth of a pre-commit hook's start-up, at every commit. The ``methods_*`` modules
here hold those very texts, written out by :mod:`byok_ci._precompiled.generate`, so they are
compiled once, into their ``.pyc``, as any module is.

While :func:`install` is in force (the ``byok-ci scan`` process only, see
:mod:`byok_ci._startup`), the ``exec`` of :mod:`dataclasses` looks the text it is given up
among them by its SHA-256 and defines the function from the code compiled from that same
text. Any other text (a record changed since the modules were written, another Python's
dataclasses, another library's records) is compiled as before. What is defined is the same
either way; only when the compiling happens changes.
"""

from __future__ import annotations

import builtins
import dataclasses
import sys
from types import CodeType, FunctionType
from typing import Any

from byok_ci._sha256 import sha256

_code: dict[str, CodeType] = {}


def key_of(text: str) -> str:
    """What a text is looked up by."""
    return sha256(text.encode("utf-8")).hexdigest()


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:  # noqa: A002
    """``exec`` as :mod:`dataclasses` calls it, ``exec(text, globals, namespace)``, taking the
    ``__create_fn__`` it defines from the compiled modules when they hold the text."""
    if isinstance(source, str) and isinstance(globals, dict) and isinstance(locals, dict):
        code = _code.get(key_of(source))
        if code is not None:
            # What running the text's one statement, `def __create_fn__(...)`, does.
            globals.setdefault("__builtins__", builtins.__dict__)  # as exec sets it
            locals[code.co_name] = FunctionType(code, globals)
            return
    if globals is None:  # exec's defaults are its caller's namespaces, not this module's
        caller = sys._getframe(1)
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    if isinstance(source, str):
        # Compiled as dataclasses' own exec compiles it: without this module's __future__
        # import, which would turn the annotations of the methods into strings.
        source = compile(source, "<string>", "exec", dont_inherit=True)
    builtins.exec(source, globals, locals)


def install() -> None:
    """Define dataclass methods from the compiled texts, for the rest of this process."""
    if not _code:
        from byok_ci._precompiled import methods_1, methods_2, methods_3

        for part in (methods_1, methods_2, methods_3):
            _code.update(part.CODE)
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # found before the builtin


def uninstall() -> None:
    """Compile dataclass methods as :mod:`dataclasses` does by itself."""
    vars(dataclasses).pop("exec", None)

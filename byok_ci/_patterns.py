"""Module-level regular expressions compiled when first used (issue 16 §1).

Many of byok-ci's patterns serve what a pre-commit hook's few files never hold (an archive's
header, base64 to decode, a name to split into words): compiled at import, 24 of them cost
every hook about 2 ms. :func:`lazy_compile` gives what stands for the compiled pattern: its
first attribute asked for compiles it, and from then on it holds the compiled pattern's own
bound methods and attributes, so a later ``.search`` costs what a compiled pattern's does.
(The rules' patterns have their own, :class:`byok_ci.rules.cache.LazyPattern`, which also
pickles to worker processes as the pattern's text.)
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast

# What byok-ci asks of a compiled pattern; copied onto the stand-in when it compiles.
_ATTRIBUTES = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "flags", "groups",
               "groupindex")


class _CompiledOnFirstUse:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Reached only for what the instance does not hold yet: every attribute but the
        # pattern's text before the first use. Private and special names (copy and pickle
        # probe some, and an instance made without __init__ has no _flags) are not compiled for.
        if name.startswith("_") or name == "pattern":
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self._flags)
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return _CompiledOnFirstUse, (self.pattern, self._flags)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r})"


def lazy_compile(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)``, done the first time the result is used."""
    return cast("re.Pattern[AnyStr]", _CompiledOnFirstUse(pattern, flags))

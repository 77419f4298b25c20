"""byok_ci._patterns: a module-level pattern compiled on first use behaves as the compiled one."""

from __future__ import annotations

import copy
import pickle
import re

from byok_ci._patterns import lazy_compile


def test_a_lazy_pattern_answers_as_the_compiled_pattern() -> None:
    text = "API_KEY = 'x'\nname: value\n"
    for source, flags in ((r"(?P<name>[A-Z_]+)\s*=", 0), (r"name", re.IGNORECASE), (r"\n", 0)):
        lazy, compiled = lazy_compile(source, flags), re.compile(source, flags)
        assert lazy.pattern == compiled.pattern
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
        assert lazy.search(text, 3).span() == compiled.search(text, 3).span()  # type: ignore[union-attr]
        assert (lazy.flags, lazy.groups, lazy.groupindex) == (compiled.flags, compiled.groups, compiled.groupindex)
        assert lazy.sub("-", text) == compiled.sub("-", text) and lazy.split(text) == compiled.split(text)
    data = lazy_compile(rb"[0-7 \0]*")
    assert data.fullmatch(b"0755 \0", 0, 6) is not None and data.fullmatch(b"0758") is None


def test_a_lazy_pattern_compiles_once_and_copies_and_pickles() -> None:
    lazy = lazy_compile(r"[A-Z]{2,}")
    assert "search" not in vars(lazy)  # nothing compiled at definition
    assert lazy.findall("AB cd EF") == ["AB", "EF"]
    assert vars(lazy)["search"] == re.compile(r"[A-Z]{2,}").search  # later calls go to the compiled pattern
    for other in (copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy)), pickle.loads(pickle.dumps(lazy_compile("x")))):
        assert other.pattern in ("[A-Z]{2,}", "x") and other.search("xAB") is not None

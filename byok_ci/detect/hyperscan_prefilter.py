"""Hyperscan as a "which rules can match here" filter in front of the keyword spans.

Each rule without context contributes its own pattern (look-arounds removed, which only
widens it), so a rule fires only where its key shape occurs, not wherever a short keyword
such as ``sk-`` does. Rules with context, and patterns Hyperscan cannot compile, contribute
their keywords as literals. Every expression is single-match: one callback per rule per
text at most. The rules that fired then get exactly the spans :class:`KeywordPrefilter`
gives, so findings are identical to the pure-Python path by construction.

The compiled database is cached on disk, keyed by the rules' digest and the Hyperscan
version, because compiling costs more than scanning a small tree.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from byok_ci.detect.prefilter import KeywordPrefilter, Spans
from byok_ci.rules.model import Rule

_LOOKAROUND_OPENERS = ("(?!", "(?=", "(?<!", "(?<=")


def strip_lookarounds(pattern: str) -> str:
    """Remove look-ahead and look-behind groups (Hyperscan has no zero-width assertions)."""
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            # A ']' right after '[' or '[^' is a literal member, not the end of the class.
            if pattern[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1:i + 2] == "]":
                out.append("]")
                i += 1
            i += 1
            continue
        if pattern.startswith(_LOOKAROUND_OPENERS, i):
            i = _group_end(pattern, i)
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    depth = 0
    i = start
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(pattern)


def _expressions(rules: Sequence[Rule], hyperscan: Any) -> tuple[list[bytes], list[int]]:
    expressions: list[bytes] = []
    ids: list[int] = []
    for index, rule in enumerate(rules):
        candidate = None
        if rule.context is None:
            candidate = strip_lookarounds(rule.pattern.pattern).encode()
            try:
                probe = hyperscan.Database()
                probe.compile(expressions=[candidate], ids=[0], elements=1, flags=[_flags(hyperscan)])
            except Exception:  # noqa: BLE001 - any compile failure means "use the keywords"
                candidate = None
        if candidate is not None:
            expressions.append(candidate)
            ids.append(index)
        else:
            for keyword in rule.keywords:
                expressions.append(re.escape(keyword).encode())
                ids.append(index)
    return expressions, ids


def _flags(hyperscan: Any) -> int:
    return int(hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY)


def cache_dir() -> Path:
    if os.environ.get("BYOK_CI_CACHE_DIR"):
        return Path(os.environ["BYOK_CI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "byok-ci"


class HyperscanPrefilter:
    def __init__(self, rules: Sequence[Rule], digest: str) -> None:
        import hyperscan

        self._hyperscan = hyperscan
        self._keywords = KeywordPrefilter(rules)
        self._database = self._load_or_build(rules, digest)
        # Hyperscan scratch space may be used by one scan at a time: one per thread, and
        # a forked worker (which inherits the parent's) makes its own.
        self._local = threading.local()

    def _load_or_build(self, rules: Sequence[Rule], digest: str) -> Any:
        hyperscan = self._hyperscan
        version = getattr(hyperscan, "__version__", "")
        key = hashlib.sha256(f"{digest}|{version}|{[r.id for r in rules]}".encode()).hexdigest()[:24]
        path = cache_dir() / f"hyperscan-{key}.db"
        try:
            return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK)
        except Exception:  # noqa: BLE001 - a missing or stale cache is rebuilt
            pass
        expressions, ids = _expressions(rules, hyperscan)
        database = hyperscan.Database()
        database.compile(
            expressions=expressions, ids=ids, elements=len(expressions), flags=[_flags(hyperscan)] * len(expressions)
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(hyperscan.dumpb(database))
            os.replace(partial, path)
        except OSError:
            pass  # a read-only home only costs the compile next time
        return database

    def spans(self, text: str) -> dict[int, Spans]:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.scratch = self._hyperscan.Scratch(self._database)
            local.pid = os.getpid()
        fired: set[int] = set()

        def on_match(rule_index: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            fired.add(rule_index)

        self._database.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match, scratch=local.scratch)
        if not fired:
            return {}
        return self._keywords.spans(text, only=fired)

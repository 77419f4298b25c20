"""The loaded rule set, cached as JSON in the user's cache directory.

Parsing 46 YAML files and checking every pattern (ReDoS, width, format) costs a pre-commit
hook more than scanning its three files. What that produces is plain data (strings,
numbers, lists), so it is kept as JSON, keyed by a hash of every rule file's content,
byok-ci's version and the loader's own code: a rule file edited, added or removed, or
another byok-ci, is another key. Never pickle: a cache restored in CI from a shared
store would turn a poisoned pickle into code execution, and pickled ``re.Pattern``
objects are compiled again on load anyway.

An entry is checked when read (its key, a SHA-256 of its payload, every field's type);
anything wrong (a truncated or corrupt file, another format) is ignored and the rules are
loaded from YAML again and the entry rewritten. Entries are written to a temporary file
and renamed into place, so concurrent writers and readers see a whole entry or none. A
cache that cannot be written (read-only home) only costs the YAML next time. Rules from it
are data, never code, but an entry could still take rules away: only entries this user
alone can have written are read, and on CI machines the cache is off (a home restored from
a shared cache store is not this user's alone; see :func:`byok_ci.paths.caches_in_use`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from byok_ci._sha256 import sha256
from byok_ci._version import __version__
from byok_ci.model import ScanError
from byok_ci.paths import caches_in_use, read_cache_file, user_cache_dir, write_cache_file
from byok_ci.rules.keygen import Segment
from byok_ci.rules.model import Context, Examples, Provider, Rule
from byok_ci.rules.redos import literal_prefix, remember_literal_prefix

FORMAT = 1
KEEP = 16  # entries kept; older ones are removed when a new one is written
_LOADER_FILES = ("load.py", "parse.py", "model.py", "keygen.py", "cache.py", "redos.py")

FileRules = tuple[Provider | None, list[Rule], list[ScanError]]


class LazyPattern:
    """A regular expression compiled when first used: a hook's scan of three files uses a
    few of the rules' 120-odd patterns, and compiling them all costs more than reading the
    cache. Behaves as the compiled ``re.Pattern`` for everything byok-ci calls."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def search(self, *args: Any) -> re.Match[str] | None:
        return self.compiled().search(*args)

    def match(self, *args: Any) -> re.Match[str] | None:
        return self.compiled().match(*args)

    def fullmatch(self, *args: Any) -> re.Match[str] | None:
        return self.compiled().fullmatch(*args)

    def finditer(self, *args: Any) -> Any:
        return self.compiled().finditer(*args)

    def findall(self, *args: Any) -> list[Any]:
        return self.compiled().findall(*args)

    def sub(self, *args: Any) -> str:
        return self.compiled().sub(*args)

    def split(self, *args: Any) -> list[Any]:
        return self.compiled().split(*args)

    @property
    def flags(self) -> int:
        return self.compiled().flags

    @property
    def groups(self) -> int:
        return self.compiled().groups

    @property
    def groupindex(self) -> Any:
        return self.compiled().groupindex

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LazyPattern, re.Pattern)):
            return self.pattern == other.pattern
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"re.compile({self.pattern!r})"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return LazyPattern, (self.pattern,)


def _pattern(raw: Any) -> re.Pattern[str]:
    # Checked when the entry was written (the YAML loader compiled it); compiled on first use.
    return cast("re.Pattern[str]", LazyPattern(_check(raw, str)))


def enabled() -> bool:
    """Off with ``BYOK_CI_RULES_CACHE=0``, and on CI machines (see
    :func:`byok_ci.paths.caches_in_use`)."""
    return os.environ.get("BYOK_CI_RULES_CACHE", "1") != "0" and caches_in_use()


def key_of(contents_digest: bytes, sizes: Sequence[int]) -> str:
    """The key of rule files of these sizes, in this order, whose contents one after the
    other have this SHA-256 digest (the rule set's, taken as the files are read: the rule
    files are hashed once). The sizes tell where each file ends, so two lists of contents
    differ in their key as the lists of their SHA-256 digests would."""
    digest = sha256(f"byok-ci {__version__} rules-cache {FORMAT}\n".encode())
    here = Path(__file__).parent
    for name in _LOADER_FILES:  # a checkout whose loader changed is another key
        try:
            info = os.stat(here / name)
            digest.update(f"{name} {info.st_size} {info.st_mtime_ns}\n".encode())
        except OSError:
            pass
    digest.update(f"{' '.join(map(str, sizes))}\n".encode())
    digest.update(contents_digest)
    return digest.hexdigest()[:32]


def path_of(key: str) -> Path:
    return user_cache_dir() / f"rules-{key}.json"


def load(key: str, shown: Sequence[str]) -> list[FileRules] | None:
    """The cached rules of the files (shown as ``shown``) with ``key``; None when there is
    no usable entry."""
    try:
        raw = read_cache_file(path_of(key))  # None: missing, or writable by someone else
        if raw is None:
            return None
        entry = _json_loads(raw.decode())
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("format") != FORMAT:
            raise ValueError("another entry")
        payload = entry.get("payload")
        if not isinstance(payload, str) or sha256(payload.encode()).hexdigest() != entry.get("sha256"):
            raise ValueError("payload does not match its hash")
        files = _json_loads(payload)
        if not isinstance(files, list) or len(files) != len(shown):
            raise ValueError("another number of files")
        return [_file_from(data, name) for data, name in zip(files, shown)]
    except (OSError, ValueError, TypeError, KeyError, IndexError, re.error):  # ValueError: not what this version writes
        return None  # missing, unreadable, truncated or corrupt: loaded from YAML again


def store(key: str, files: Sequence[FileRules]) -> None:
    """Write the entry for ``key`` (temporary file, then rename); never raises for a cache
    that cannot be written."""
    import json

    payload = json.dumps([_file_to(data) for data in files], separators=(",", ":"))
    entry = {"key": key, "format": FORMAT, "version": __version__,
             "sha256": sha256(payload.encode()).hexdigest(), "payload": payload}
    target = path_of(key)
    if write_cache_file(target, json.dumps(entry).encode()):
        _prune(target.parent, keep=target)


class _JsonDefaults:
    """What json.JSONDecoder() hands its C scanner: json's defaults, but no NaN or Infinity
    (never written here)."""

    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int = float, int

    @staticmethod
    def parse_constant(name: str) -> Any:
        raise ValueError(f"{name} in a cache entry")


def _json_loads(text: str) -> Any:
    """``json.loads(text)`` for an entry :func:`store` wrote (no whitespace around it), by
    the C scanner json.loads itself runs: importing the json package (its decoder compiles
    regular expressions as it loads) cost a pre-commit hook ~5 M instructions."""
    try:
        from _json import make_scanner
    except ImportError:  # no C accelerator (another Python): json's own
        import json

        return json.loads(text)
    try:
        value, end = make_scanner(cast(Any, _JsonDefaults()))(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    if end != len(text):
        raise ValueError("more than one JSON value")
    return value


def _prune(directory: Path, keep: Path) -> None:
    entries = sorted(directory.glob("rules-*.json"), key=_mtime, reverse=True)
    for old in [e for e in entries if e != keep][KEEP - 1:]:
        try:
            old.unlink()
        except OSError:
            pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


# -- to and from JSON ------------------------------------------------------------------------


def _file_to(data: FileRules) -> dict[str, Any]:
    provider, rules, errors = data
    return {
        "provider": None if provider is None else [provider.id, provider.name, provider.key_management],
        "rules": [_rule_to(rule) for rule in rules],
        "errors": [[e.message, e.line] for e in errors],
    }


def _rule_to(rule: Rule) -> dict[str, Any]:
    context = rule.context
    return {
        "id": rule.id, "provider": rule.provider, "description": rule.description, "severity": rule.severity,
        "keywords": list(rule.keywords), "pattern": rule.pattern.pattern,
        "format": [[s.literal, s.charset, s.min_len, s.max_len] for s in rule.format],
        "prefix": rule.prefix, "entropy": rule.entropy, "require": sorted(rule.require),
        "context": None if context is None else [context.pattern.pattern, context.before, context.after,
                                                 list(context.names)],
        "allow": [a.pattern for a in rule.allow], "allow_context": [a.pattern for a in rule.allow_context],
        "boundary": rule.boundary, "priority": rule.priority, "max_length": rule.max_length,
        "key_management": rule.key_management,
        "examples": [list(rule.examples.positive), list(rule.examples.negative)],
        # byok_ci.detect.anywhere anchors a rule with context by its pattern's literal prefix:
        # parsing the 26 shipped patterns for it cost every hook ~2 ms.
        "literal_prefix": None if context is None else literal_prefix(rule.pattern.pattern),
    }


def _file_from(data: Any, shown: str) -> FileRules:
    _check(data, dict)
    raw_provider = data["provider"]
    provider = None
    if raw_provider is not None:
        pid, name, key_management = _strings(raw_provider, 3)
        provider = Provider(pid, name, key_management)
    rules = [_rule_from(raw, shown) for raw in _check(data["rules"], list)]
    errors = []
    for raw in _check(data["errors"], list):
        message, line = _check(raw, list)
        if line is not None:
            _check(line, int)
        errors.append(ScanError(shown, _check(message, str), line))
    return provider, rules, errors


def _rule_from(raw: Any, shown: str) -> Rule:
    _check(raw, dict)
    context = None
    if raw["context"] is not None:
        pattern, before, after, names = _check(raw["context"], list)
        context = Context(_pattern(pattern), _check(before, int), _check(after, int),
                          tuple(_strings(names)))
    segments = []
    for item in _check(raw["format"], list):
        literal, charset, low, high = _check(item, list)
        segments.append(Segment(_check(literal, str), _check(charset, str), _check(low, int), _check(high, int)))
    entropy = raw["entropy"]
    if entropy is not None:
        entropy = float(_check(entropy, (int, float)))
    positive, negative = _check(raw["examples"], list)
    known_prefix = raw["literal_prefix"]
    rule = Rule(
        id=_check(raw["id"], str),
        provider=_check(raw["provider"], str),
        description=_check(raw["description"], str),
        severity=_check(raw["severity"], str),
        keywords=tuple(_strings(raw["keywords"])),
        pattern=_pattern(raw["pattern"]),
        format=tuple(segments),
        prefix=_check(raw["prefix"], str),
        entropy=entropy,
        require=frozenset(_strings(raw["require"])),
        context=context,
        allow=tuple(map(_pattern, _strings(raw["allow"]))),
        allow_context=tuple(map(_pattern, _strings(raw["allow_context"]))),
        boundary=_check(raw["boundary"], bool),
        priority=_check(raw["priority"], int),
        max_length=_check(raw["max_length"], int),
        key_management=_check(raw["key_management"], str),
        examples=Examples(tuple(_strings(positive)), tuple(_strings(negative))),
        source=shown,
    )
    if known_prefix is not None:
        remember_literal_prefix(rule.pattern.pattern, _check(known_prefix, str))
    return rule


def _check(value: Any, kind: Any) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"expected {kind}")
    return value


def _strings(value: Any, count: int | None = None) -> list[str]:
    items = _check(value, list)
    if (count is not None and len(items) != count) or not all(isinstance(i, str) for i in items):
        raise ValueError("expected strings")
    return items

"""Which paths a scan leaves out: ``exclude`` globs, for files, archive members and git paths alike."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase


def is_excluded(shown: str, patterns: Sequence[str]) -> bool:
    """Glob match on the display path, or on its last component for patterns without '/'."""
    if not patterns:
        return False
    name = shown.rsplit("/", 1)[-1]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatchcase(shown, pattern) or fnmatchcase(shown, pattern + "/*"):
            return True
        if "/" not in pattern and fnmatchcase(name, pattern):
            return True
        if pattern.startswith("**/") and is_excluded(shown, [pattern[3:]]):
            return True
    return False

"""Which paths a scan leaves out: ``exclude`` globs, for files, archive members and git paths alike."""

from __future__ import annotations

import os
from collections.abc import Sequence
from fnmatch import fnmatchcase


def is_excluded(shown: str, patterns: Sequence[str], sep: str = os.sep) -> bool:
    """Glob match on the display path, or on its last component for patterns without '/'.

    Matching is case-sensitive on every OS, so a scan excludes the same files on Windows,
    macOS and Linux. Where ``\\`` is the OS's separator (``sep``), a pattern written with
    it (``build\\*``) means ``build/*``: display paths always use ``/``."""
    if not patterns:
        return False
    name = shown.rsplit("/", 1)[-1]
    for pattern in patterns:
        if sep != "/":
            pattern = pattern.replace(sep, "/")
        pattern = pattern.rstrip("/")
        if fnmatchcase(shown, pattern) or fnmatchcase(shown, pattern + "/*"):
            return True
        if "/" not in pattern and fnmatchcase(name, pattern):
            return True
        if pattern.startswith("**/") and is_excluded(shown, [pattern[3:]], sep):
            return True
    return False

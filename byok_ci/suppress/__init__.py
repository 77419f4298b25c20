"""Suppression after detection: baselines, the ignore file and detect-secrets' audited false positives.

source -> detect -> **suppress** -> report. Everything here matches a finding by its
fingerprint (the secret alone), never by line or commit, so edits above a finding, rebases
and squashes leave suppressions intact. detect-secrets' hashed secrets are the one
exception that must be matched inside detection (they need the value): this package hands
them to the Detector, which marks those findings, and holds the marked ones back here,
counted as baselined like a byok-ci baseline's.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from byok_ci.suppress.baseline import Baseline, BaselineEntry, read_baseline, write_baseline
    from byok_ci.suppress.ignorefile import IgnoreEntry, read_ignore_file
    from byok_ci.suppress.stage import Suppression, load_suppression

# Resolved on first use, so a scan that reads no baseline never imports its module.
_WHERE = {
    "Baseline": "baseline", "BaselineEntry": "baseline", "read_baseline": "baseline", "write_baseline": "baseline",
    "IgnoreEntry": "ignorefile", "read_ignore_file": "ignorefile", "Suppression": "stage", "load_suppression": "stage",
}

__all__ = [
    "Baseline",
    "BaselineEntry",
    "IgnoreEntry",
    "Suppression",
    "load_suppression",
    "read_baseline",
    "read_ignore_file",
    "write_baseline",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)

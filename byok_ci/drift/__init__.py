"""Live drift tests: each environment's real key must work, a deliberately invalid one must not.

``run_drift(load_targets(...)[0], DriftOptions(...))`` returns a :class:`DriftReport`.
Importing this package is cheap; httpx is imported when a run starts.
"""

from __future__ import annotations

from byok_ci.drift.engine import DriftOptions, run_drift
from byok_ci.drift.model import Check, DriftReport
from byok_ci.drift.targets import DriftTarget, load_targets

__all__ = ["Check", "DriftOptions", "DriftReport", "DriftTarget", "load_targets", "run_drift"]

"""Live drift tests: each environment's real key must work, a deliberately invalid one must not.

``run_drift(load_targets(...)[0], DriftOptions(...))`` returns a core
:class:`~byok_ci.model.Report` whose checks carry what each probed.
Importing this package is cheap; httpx is imported when a run starts.
"""

from __future__ import annotations

from byok_ci.drift.engine import DriftOptions, run_drift
from byok_ci.drift.targets import DriftTarget, load_targets

__all__ = ["DriftOptions", "DriftTarget", "load_targets", "run_drift"]

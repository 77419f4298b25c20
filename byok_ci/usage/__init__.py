"""`byok-ci usage`: the manifest against each provider's own key inventory, usage and spend.

``run_usage(Path("byok.yaml"), UsageOptions(env="prod"))`` returns a :class:`UsageResult`:
the core :class:`~byok_ci.model.Report` (checks of suite ``usage/<env>``, findings of the
``usage.*`` rules) and the numbers the Markdown report draws. Importing this package is
cheap; httpx is imported when a run starts.
"""

from __future__ import annotations

from byok_ci.usage.run import UsageOptions, UsageResult, run_usage

__all__ = ["UsageOptions", "UsageResult", "run_usage"]

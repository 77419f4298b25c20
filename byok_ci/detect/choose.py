"""Which prefilter a scan uses, for the size of its input.

Every prefilter gives the same findings (:mod:`byok_ci.detect.prefilter`); they differ in
cost. Below a megabyte the pure-Python keyword prefilter wins: Hyperscan pays a one-off
build (cached on disk) and an import.
"""

from __future__ import annotations

from collections.abc import Sequence

from byok_ci.detect.prefilter import KeywordPrefilter, Prefilter
from byok_ci.rules.model import Rule, RuleSet

# Below this many bytes the pure-Python prefilter beats loading Hyperscan.
FAST_PREFILTER_MIN_BYTES = 1 << 20


def prefilter_for(ruleset: RuleSet, expected_bytes: int) -> Prefilter:
    """The prefilter that suits an input of ``expected_bytes``."""
    if expected_bytes >= FAST_PREFILTER_MIN_BYTES:
        return fast_prefilter(ruleset.rules, ruleset.digest)
    return KeywordPrefilter(ruleset.rules)


def fast_prefilter(rules: Sequence[Rule], digest: str) -> Prefilter:
    """Hyperscan where its wheel is installed, else the pure-Python keyword prefilter.

    Both give the same findings; Hyperscan pays a one-off build (cached on disk) and is
    worth it only on inputs of a few megabytes or more. ``BYOK_CI_PREFILTER=python``
    forces the pure-Python path.
    """
    import os

    if os.environ.get("BYOK_CI_PREFILTER", "").lower() != "python":
        try:
            from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter

            return HyperscanPrefilter(rules, digest)
        except ImportError:
            pass
    return KeywordPrefilter(rules)

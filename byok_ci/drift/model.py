"""What a drift run reports: a core :class:`~byok_ci.model.Check` per key and probe (suite
``drift/<env>``, named ``<env> / <key> / <probe title>``), each carrying what it probed
(:class:`~byok_ci.model.DriftProbe`), and a finding per failed or inconclusive check.

Inside byok-ci there is one vocabulary of outcomes, :data:`byok_ci.model.OUTCOMES`; the
JSON envelope lists drift checks with the spelling it has always documented for them
(pass, fail, inconclusive, skipped, error: :mod:`byok_ci.report.json`).
"""

from __future__ import annotations

from byok_ci.model import PROBE_TITLES, PROBES

__all__ = ["PROBES", "TITLES", "INCONCLUSIVE", "INVALID_KEY_ACCEPTED", "METADATA_MISMATCH",
           "NO_AUTH_ACCEPTED", "REAL_KEY_REFUSED", "REFUSED_WITHOUT_AUTH_ERROR"]

TITLES = PROBE_TITLES

REAL_KEY_REFUSED = "drift.real-key-refused"
INVALID_KEY_ACCEPTED = "drift.invalid-key-accepted"
NO_AUTH_ACCEPTED = "drift.no-auth-accepted"
REFUSED_WITHOUT_AUTH_ERROR = "drift.refused-without-auth-error"
METADATA_MISMATCH = "drift.metadata-mismatch"
INCONCLUSIVE = "drift.inconclusive"
# What each rule means, its help and security-severity: rules/_ids.yaml.

"""Result records of a drift run: one :class:`Check` per key and probe.

A drift run's :class:`DriftReport` is a core :class:`~byok_ci.model.Report` (findings,
errors, stats) that also carries its checks, so the core reporters serve it unchanged and
the JSON envelope gains a ``checks`` list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from byok_ci.model import Check as CoreCheck
from byok_ci.model import Finding, Report, ScanError

PROBES = ("real", "invalid", "no-auth", "metadata")
# "error": the key could not be probed at all (secret unavailable, base URL refused, no
# probe): the run is incomplete (exit 2), as for any input that could not be read.
# "inconclusive": a probe was sent and its answer decided nothing (exit 4).
OUTCOMES = ("pass", "fail", "inconclusive", "skipped", "error")
TITLES = {
    "real": "real key accepted",
    "invalid": "invalid key refused",
    "no-auth": "request without a key refused",
    "metadata": "key metadata matches the manifest",
}

REAL_KEY_REFUSED = "drift.real-key-refused"
INVALID_KEY_ACCEPTED = "drift.invalid-key-accepted"
NO_AUTH_ACCEPTED = "drift.no-auth-accepted"
REFUSED_WITHOUT_AUTH_ERROR = "drift.refused-without-auth-error"
METADATA_MISMATCH = "drift.metadata-mismatch"
INCONCLUSIVE = "drift.inconclusive"
# What each rule means, its help and security-severity: rules/_checks.yaml.


@dataclass(frozen=True)
class Check:
    """The outcome of one probe of one key. ``reason`` is already scrubbed of secrets."""

    env: str
    key: str
    provider: str
    probe: str
    outcome: str
    status: int | None = None
    reason: str = ""
    seconds: float = 0.0
    rule_id: str | None = None  # the finding's rule id when the outcome is fail or inconclusive
    # What stopped an "error" check (also in the report's errors, which reporters that list
    # both must not show twice).
    error: ScanError | None = None

    @property
    def title(self) -> str:
        return TITLES[self.probe]

    def as_check(self, path: str = "", line: int = 0, finding: Finding | None = None) -> CoreCheck:
        """The core :class:`~byok_ci.model.Check` every reporter understands (suite ``drift/<env>``).

        Its name, ``<env> / <key> / <probe title>``, is the JUnit testcase name: the same in
        every run whatever the outcome, and free of messages, so runs can be compared."""
        outcome = {"pass": "passed", "fail": "failed"}.get(self.outcome, self.outcome)
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return CoreCheck(
            suite=f"drift/{self.env}",
            name=f"{self.env} / {self.key} / {self.title}",
            outcome=outcome,
            seconds=self.seconds,
            path=path,
            line=line,
            finding=finding,
            detail=f"{self.provider}: {self.reason}{status}".strip(),
            error=self.error,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "key": self.key,
            "provider": self.provider,
            "probe": self.probe,
            "outcome": self.outcome,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass
class DriftReport(Report):
    """A core Report plus the checks that produced its findings."""

    probes: list[Check] = field(default_factory=list)

    @property
    def inconclusive(self) -> bool:
        return any(c.outcome == "inconclusive" for c in self.probes)

"""Exit codes: the contract of every byok-ci command.

0 all clear · 1 leaks found or a check failed · 2 usage error, or the run could not do all
it was asked and found nothing · 3 internal error · 4 some checks inconclusive, none
failed. When several apply: 3, then 1, then 2, then 4.
"""

from __future__ import annotations

from byok_ci.model import Report

OK = 0
FAILED = 1
INCOMPLETE = 2
INTERNAL_ERROR = 3
INCONCLUSIVE = 4


def exit_code(report: Report, *, inconclusive: bool = False) -> int:
    """The code for ``report``; an inconclusive check in ``report.checks`` counts as ``inconclusive``."""
    inconclusive = inconclusive or any(c.outcome == "inconclusive" for c in report.checks)
    if report.failed:
        return FAILED
    if any(error.blocking for error in report.errors) or any(c.outcome == "error" for c in report.checks):
        return INCOMPLETE
    if inconclusive:
        return INCONCLUSIVE
    return OK

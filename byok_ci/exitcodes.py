"""Exit codes: the contract of every byok-ci command, decided here and nowhere else.

0 all clear · 1 leaks found or a check failed · 2 usage error, or the run could not do all
it was asked · 3 internal error · 4 some checks inconclusive, none failed. When several
apply: 3, then 1, then 2, then 4. 130: interrupted (Ctrl-C, SIGTERM). 141: the reader of
standard output went away (`byok-ci rules list | head -1`), what a process killed by SIGPIPE
reports, as git does: the output asked for was not all delivered.

Commands call :func:`exit_code` with their run's :class:`~byok_ci.model.Report` (or
:func:`decide` when a command has no report, such as `rules test`), and exit with what it
returns. What counts as a failure is ``fail_on``: leaks (detection findings), policy
(manifest checks), drift (drift probes), and inconclusive checks, which fail only when
named (``--fail-on inconclusive``, ``--strict``). ``live`` (``scan --verify --fail-on
live``) narrows leaks to keys their provider accepted: a revoked key does not fail the run,
and a key whose liveness is unknown makes it inconclusive (4) rather than failed.
"""

from __future__ import annotations

from collections.abc import Collection

from byok_ci.model import Finding, Report

OK = 0
FAILED = 1
INCOMPLETE = 2
INTERNAL_ERROR = 3
INCONCLUSIVE = 4
INTERRUPTED = 130
CLOSED_PIPE = 141  # 128 + SIGPIPE

FAIL_ON = ("leaks", "policy", "drift", "inconclusive")
DEFAULT_FAIL_ON = ("leaks", "policy", "drift")
# The run's result as `byok-ci check` names it for CI ($GITHUB_OUTPUT `result`).
RESULTS = {OK: "pass", FAILED: "fail", INCOMPLETE: "incomplete", INCONCLUSIVE: "inconclusive"}


def decide(*, failed: bool = False, incomplete: bool = False, inconclusive: bool = False) -> int:
    """The code for a run that ``failed``, was ``incomplete`` or ``inconclusive``: the precedence."""
    if failed:
        return FAILED
    if incomplete:
        return INCOMPLETE
    if inconclusive:
        return INCONCLUSIVE
    return OK


def category(rule_id: str) -> str:
    """What kind of failure a finding of ``rule_id`` is: leaks, policy, drift or usage."""
    family = rule_id.split(".", 1)[0]
    return {"manifest": "policy", "drift": "drift", "usage": "usage"}.get(family, "leaks")


def suite_category(suite: str) -> str:
    """What kind of failure a failed check of ``suite`` is: leaks (``scan``, ``artifacts``),
    policy (``manifest`` and ``manifest/<env>``), drift (``drift/<env>``) or usage (``usage/<env>``)."""
    family = suite.split("/", 1)[0]
    return {"manifest": "policy", "drift": "drift", "usage": "usage"}.get(family, "leaks")


def exit_code(report: Report, *, inconclusive: bool = False, fail_on: Collection[str] = DEFAULT_FAIL_ON) -> int:
    """The code for ``report``: 1 for an error-severity finding or a failed check of a kind
    ``fail_on`` names, 2 for a blocking error or a check that could not run, 4 for an
    inconclusive check (``inconclusive``: one the report does not list), which is a failure
    when ``fail_on`` names ``inconclusive``."""
    failed = any(_fails(f, fail_on) for f in report.findings) or any(
        c.outcome == "failed" and suite_category(c.suite) in fail_on for c in report.checks)
    undecided = inconclusive or any(c.outcome == "inconclusive" for c in report.checks) or (
        "live" in fail_on and any(_liveness_unknown(f) for f in report.findings))
    incomplete = any(e.blocking for e in report.errors) or any(c.outcome == "error" for c in report.checks)
    return decide(failed=failed or (undecided and "inconclusive" in fail_on), incomplete=incomplete,
                  inconclusive=undecided)


def _fails(finding: Finding, fail_on: Collection[str]) -> bool:
    if finding.severity != "error":
        return False
    kind = category(finding.rule_id)
    if kind == "leaks" and "live" in fail_on:
        return finding.verified is not None and finding.verified.status == "live"
    return kind in fail_on


def _liveness_unknown(finding: Finding) -> bool:
    """A leak whose provider did not say whether it is live (or was never asked)."""
    return (finding.severity == "error" and category(finding.rule_id) == "leaks"
            and (finding.verified is None or finding.verified.status == "unknown"))

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
named (``--fail-on inconclusive``, ``--strict``).
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
    failed = any(category(f.rule_id) in fail_on for f in report.findings if _fails(f)) or any(
        c.outcome == "failed" and suite_category(c.suite) in fail_on for c in report.checks)
    undecided = inconclusive or any(c.outcome == "inconclusive" for c in report.checks)
    incomplete = any(e.blocking for e in report.errors) or any(c.outcome == "error" for c in report.checks)
    return decide(failed=failed or (undecided and "inconclusive" in fail_on), incomplete=incomplete,
                  inconclusive=undecided)


def _fails(finding: Finding) -> bool:
    return finding.severity == "error"

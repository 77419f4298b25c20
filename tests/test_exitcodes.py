"""One place decides every exit code: precedence 1 > 2 > 4 (3 is the CLI's crash handler),
and what ``fail_on`` names is what fails."""

from __future__ import annotations

import pytest

from byok_ci.exitcodes import DEFAULT_FAIL_ON, FAIL_ON, decide, exit_code, suite_category
from byok_ci.model import Check, Finding, Report, ScanError


def finding(rule_id: str, severity: str = "error") -> Finding:
    return Finding(rule_id, "openai", severity, "a.py", 1, 1, "m", "", "0" * 16)


@pytest.mark.parametrize(("failed", "incomplete", "inconclusive", "code"), [
    (False, False, False, 0), (True, True, True, 1), (False, True, True, 2), (False, False, True, 4),
    (True, False, False, 1), (False, True, False, 2),
])
def test_precedence(failed: bool, incomplete: bool, inconclusive: bool, code: int) -> None:
    assert decide(failed=failed, incomplete=incomplete, inconclusive=inconclusive) == code


def test_a_report_is_judged_by_its_findings_errors_and_checks() -> None:
    blocking = ScanError("b.py", "cannot read")
    assert exit_code(Report("scan")) == 0
    assert exit_code(Report("scan", findings=[finding("openai.project-key", "warning")])) == 0
    assert exit_code(Report("scan", findings=[finding("openai.project-key")], errors=[blocking])) == 1
    assert exit_code(Report("scan", errors=[blocking])) == 2
    assert exit_code(Report("check", checks=[Check("drift/prod", "p / k / real key accepted", "inconclusive"),
                                             Check("manifest/prod", "k: owner", "error")])) == 2
    undecided = Report("drift", checks=[Check("drift/prod", "p / k / real key accepted", "inconclusive")])
    assert exit_code(undecided) == 4 and exit_code(undecided, fail_on=FAIL_ON) == 1


@pytest.mark.parametrize(("suite", "kind"), [
    ("scan", "leaks"), ("artifacts", "leaks"), ("manifest", "policy"), ("manifest/prod", "policy"),
    ("drift/prod", "drift"),
])
def test_what_fails_is_what_fail_on_names(suite: str, kind: str) -> None:
    report = Report("check", checks=[Check(suite, "x", "failed")])
    assert suite_category(suite) == kind
    assert exit_code(report) == 1
    assert exit_code(report, fail_on=tuple(k for k in DEFAULT_FAIL_ON if k != kind)) == 0

"""The example manifests under tests/data/manifests and exactly the checks each must fail."""

from __future__ import annotations

import dataclasses
import pytest

from byok_ci.exitcodes import exit_code
from byok_ci.manifest import check_manifest
from byok_ci.model import check_counts
from tests.manifest.conftest import MANIFESTS, TODAY

# file -> every finding as (line, column, rule id, severity, key name)
EXPECTED: dict[str, list[tuple[int, int, str, str, str | None]]] = {
    "good.yaml": [],
    "naming.yaml": [
        (5, 11, "manifest.naming", "error", "openai-key-production"),
        (12, 11, "manifest.naming", "error", "acme-staging-anthropic"),
        (19, 11, "manifest.naming", "error", "acme-dev-openai"),
    ],
    "environment.yaml": [
        (6, 10, "manifest.environment", "error", "acme-qa-openai"),
    ],
    "isolation.yaml": [
        (9, 13, "manifest.isolation", "error", "acme-prod-openai"),  # shared reference
        (16, 13, "manifest.isolation", "error", "acme-staging-openai"),
        (23, 13, "manifest.isolation", "error", "acme-prod-anthropic"),  # prod key in a staging path
        (30, 13, "manifest.isolation", "error", "acme-dev-anthropic"),  # dev key in a production variable
        (34, 11, "manifest.isolation", "error", "acme-dev-mistral"),  # one name in two environments
        (41, 11, "manifest.isolation", "error", "acme-dev-mistral"),
        (41, 11, "manifest.naming", "error", "acme-dev-mistral"),
    ],
    "rotation-expiry.yaml": [
        (11, 14, "manifest.rotation", "error", "acme-prod-openai"),
        (18, 14, "manifest.rotation", "warning", "acme-prod-anthropic"),
        (19, 5, "manifest.rotation", "error", "acme-prod-mistral"),
        (32, 14, "manifest.expiry", "error", "acme-prod-groq"),
        (40, 14, "manifest.expiry", "warning", "acme-prod-cohere"),
    ],
    "scopes-owner.yaml": [
        (5, 5, "manifest.owner", "error", "acme-prod-openai"),
        (5, 5, "manifest.scopes", "error", "acme-prod-openai"),
        (14, 12, "manifest.owner", "error", "acme-prod-anthropic"),
        (15, 13, "manifest.scopes", "error", "acme-prod-anthropic"),  # wildcard model
        (17, 5, "manifest.scopes", "error", "acme-prod-mistral"),  # admin by its reference
        (22, 13, "manifest.scopes", "error", "acme-prod-mistral"),  # scopes: [all]
        (30, 12, "manifest.scopes", "error", "acme-staging-openai"),  # admin: true, not allowed
    ],
    "schema.yaml": [
        (5, 1, "manifest.schema", "error", None),  # unknown top-level field
        (7, 5, "manifest.rotation", "error", "acme-prod-openai"),  # 'rotaed' hides the date
        (12, 13, "manifest.schema", "error", "acme-prod-openai"),  # scopes: not a list
        (13, 5, "manifest.schema", "error", "acme-prod-openai"),  # rotaed → did you mean rotated
        (14, 11, "manifest.schema", "error", "acme-prod-openai"),  # duplicate name
        (16, 15, "manifest.schema", "error", "acme-prod-openai"),  # unknown provider
        (17, 13, "manifest.schema", "error", "acme-prod-openai"),  # unknown scheme
        (20, 14, "manifest.schema", "error", "acme-prod-openai"),  # 01/10/2026
        (21, 5, "manifest.schema", "error", "acme-staging-anthropic"),  # missing provider
        (27, 14, "manifest.schema", "error", "acme-staging-anthropic"),  # month 13
    ],
}
# file -> check outcomes (passed, failed, warning, inconclusive, skipped)
COUNTS = {
    "good.yaml": (35, 0, 0, 0, 3),
    "naming.yaml": (23, 3, 0, 0, 3),
    "environment.yaml": (9, 1, 0, 0, 1),
    "isolation.yaml": (43, 7, 0, 0, 6),
    "rotation-expiry.yaml": (39, 3, 2, 0, 3),
    "scopes-owner.yaml": (36, 6, 0, 0, 5),
    "schema.yaml": (18, 5, 0, 0, 6),
}


def test_every_example_manifest_has_expectations() -> None:
    files = {p.name for p in MANIFESTS.glob("*.yaml")}
    unloadable = {"malformed.yaml", "empty.yaml", "comments-only.yaml", "alias-bomb.yaml", "python-tag.yaml"}
    assert files - unloadable == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_fails_exactly_the_expected_checks(name: str) -> None:
    report = check_manifest(MANIFESTS / name, today=TODAY, shown=name)
    assert report.errors == ()
    got = [(f.line, f.column, f.rule_id, f.severity, f.key) for f in report.findings]
    assert got == EXPECTED[name]
    assert all(f.path == name and f.redacted == "" for f in report.findings)
    counts = check_counts(report.checks)
    assert counts.pop("error") == 0 and tuple(counts.values()) == COUNTS[name]
    errors = any(sev == "error" for *_, sev, _ in EXPECTED[name])
    assert exit_code(report) == (1 if errors else 0)


def test_each_failed_check_carries_its_first_finding() -> None:
    report = check_manifest(MANIFESTS / "isolation.yaml", today=TODAY)
    failed = [c for c in report.checks if c.outcome == "failed"]
    assert failed and all(c.finding is not None and c.finding in report.findings for c in failed)
    assert {c.suite for c in report.checks} == {"manifest", "manifest/prod", "manifest/staging", "manifest/dev"}


def test_strict_turns_warnings_into_failures() -> None:
    report = check_manifest(MANIFESTS / "rotation-expiry.yaml", today=TODAY, strict=True)
    assert {f.severity for f in report.findings} == {"error"}
    assert check_counts(report.checks)["warning"] == 0


def test_warnings_alone_do_not_fail() -> None:
    report = check_manifest(MANIFESTS / "rotation-expiry.yaml", today=TODAY)
    report = dataclasses.replace(report, findings=[f for f in report.findings if f.severity == "warning"],
                                 checks=[c for c in report.checks if c.outcome != "failed"])
    assert report.findings and exit_code(report) == 0


def test_today_moves_rotation_from_pass_to_warning_to_fail() -> None:
    import datetime as dt

    def outcome(day: dt.date) -> str:
        report = check_manifest(MANIFESTS / "good.yaml", today=day)
        (check,) = [c for c in report.checks if c.name == "acme-prod-openai: rotation"]
        return check.outcome

    # rotated 2026-10-01, every 90 days: due 2026-12-30, warned from 2026-12-16
    assert outcome(dt.date(2026, 12, 15)) == "passed"
    assert outcome(dt.date(2026, 12, 16)) == "warning"
    assert outcome(dt.date(2026, 12, 30)) == "warning"
    assert outcome(dt.date(2026, 12, 31)) == "failed"


def test_findings_have_stable_fingerprints_independent_of_line() -> None:
    text = (MANIFESTS / "naming.yaml").read_text()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        moved = Path(tmp) / "naming.yaml"
        moved.write_text("# a new comment above everything\n\n" + text)
        before = check_manifest(MANIFESTS / "naming.yaml", today=TODAY, shown="naming.yaml")
        after = check_manifest(moved, today=TODAY, shown="naming.yaml")
    assert [f.fingerprint for f in before.findings] == [f.fingerprint for f in after.findings]
    assert [f.line + 2 for f in before.findings] == [f.line for f in after.findings]


def test_workflow_job_reading_another_environments_key_fails() -> None:
    root = MANIFESTS / "workflow"
    report = check_manifest(root / "byok.yaml", today=TODAY, shown="byok.yaml")
    (finding,) = report.findings
    assert (finding.rule_id, finding.line, finding.column) == ("manifest.workflow", 16, 31)
    assert finding.path.endswith(".github/workflows/deploy.yml")
    assert (finding.key, finding.env) == ("acme-prod-openai", "staging")
    workflow = {c.name.split(": ", 1)[0] + " " + c.name.rsplit(".", 1)[-1]: (c.suite, c.outcome)
                for c in report.checks if "workflow" in c.name}
    assert sorted(workflow.values()) == [
        ("manifest", "inconclusive"),  # environment: ${{ inputs.target }}
        ("manifest/prod", "passed"),  # production job, prod key
        ("manifest/prod", "passed"),  # production job, environment secret via secrets['…']
        ("manifest/staging", "failed"),  # staging job, prod key
        ("manifest/staging", "passed"),  # staging job, staging environment secret
    ]
    assert exit_code(report) == 1


def test_inconclusive_alone_exits_4(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(MANIFESTS / "workflow", root)
    workflow = root / ".github" / "workflows" / "deploy.yml"
    workflow.write_text(workflow.read_text().replace("secrets.OPENAI_API_KEY_PROD }}\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}",
                                                     "secrets.OPENAI_API_KEY_STAGING }}\n          ANTHROPIC_API_KEY: ${{ secrets.ANTHROPIC_API_KEY }}", 1))
    report = check_manifest(root / "byok.yaml", today=TODAY)
    assert report.findings == ()
    assert exit_code(report) == 4

"""`--format gitlab`: GitLab's secret-detection report, validated against GitLab's schema."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from byok_ci.model import Report, ScanError
from byok_ci.report import write_report
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from tests.conftest import REPO, key_for
from tests.gitrepo import GitRepo, git_env

SCHEMA = json.loads((REPO / "tests" / "data" / "gitlab" / "secret-detection-report-format.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def gitlab(report: Report) -> dict:  # type: ignore[type-arg]
    out = io.StringIO()
    write_report(report, "gitlab", out)
    data = json.loads(out.getvalue())
    VALIDATOR.validate(data)
    return data


def test_the_vendored_schema_is_gitlabs() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["self"]["version"] == "15.2.1"
    assert SCHEMA["properties"]["scan"]["properties"]["type"]["enum"] == ["secret_detection"]


def test_findings_validate_and_carry_only_the_redacted_key(tmp_path: Path, shipped_rules: RuleSet) -> None:
    rng = random.Random(21)
    keys = [key_for(shipped_rules, "openai.project-key", rng), key_for(shipped_rules, "anthropic.api-key", rng)]
    (tmp_path / "settings.py").write_text(f'OPENAI = "{keys[0]}"\n\nANTHROPIC = "{keys[1]}"\n')
    report = scan_paths([str(tmp_path)], root=tmp_path)
    data = gitlab(report)
    text = json.dumps(data)
    assert not any(key in text for key in keys)
    vulns = data["vulnerabilities"]
    assert {(v["location"]["file"], v["location"]["start_line"]) for v in vulns} == {("settings.py", 1), ("settings.py", 3)}
    for vuln, finding in zip(vulns, report.sorted_findings()):
        assert vuln["raw_source_code_extract"] == finding.redacted
        assert vuln["severity"] == "Critical"
        assert vuln["identifiers"][0]["value"] == finding.rule_id
        assert vuln["location"]["commit"]["sha"] == "0000000"  # not a git scan
    assert data["scan"]["status"] == "success" and data["scan"]["type"] == "secret_detection"
    # The same finding keeps its id from run to run (GitLab compares reports).
    assert [v["id"] for v in gitlab(scan_paths([str(tmp_path)], root=tmp_path))["vulnerabilities"]] == [v["id"] for v in vulns]


def test_a_clean_scan_and_an_incomplete_one_validate() -> None:
    assert gitlab(Report(command="scan"))["vulnerabilities"] == []
    data = gitlab(Report(command="scan", errors=[ScanError("big.bin", "cannot read: permission denied")]))
    assert data["scan"]["status"] == "failure"
    assert data["scan"]["messages"][0]["level"] == "fatal" and "big.bin" in data["scan"]["messages"][0]["value"]


@pytest.mark.parametrize("option", ["--gitlab", "--format"])
def test_scan_of_commits_writes_the_commit_and_author(tmp_path: Path, shipped_rules: RuleSet, option: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    key = key_for(shipped_rules, "openai.project-key", random.Random(3))
    repo.write("app.env", f"OPENAI_API_KEY={key}\n")
    repo.git("add", "app.env")
    repo.git("commit", "-q", "-m", "config")
    head = repo.git("rev-parse", "HEAD")
    out = tmp_path / "gl-secret-detection-report.json"
    args = ["--gitlab", str(out)] if option == "--gitlab" else ["--format", "gitlab", "--output", str(out)]
    done = subprocess.run([sys.executable, "-m", "byok_ci", "scan", "--history", "-q", *args], cwd=repo.path,
                          capture_output=True, text=True, env=git_env())
    assert done.returncode == 1, done.stderr
    text = out.read_text()
    assert key not in text and key not in done.stdout + done.stderr
    data = json.loads(text)
    VALIDATOR.validate(data)
    (vuln,) = data["vulnerabilities"]
    assert vuln["location"]["commit"]["sha"] == head
    assert vuln["location"]["commit"]["author"].startswith("Ada Lovelace")
    assert vuln["location"]["file"] == "app.env"

"""A scan that could not run is reported as incomplete, never as passed; and the example
workflow's nightly history scan gets a checkout deep enough to run at all."""

from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml

from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.realclient.harness import (
    ActionRunner,
    Remote,
    actions_checkout,
    developer,
    event,
    expression,
    truthy,
    with_inputs,
)
from tests.test_check import manifest

pytestmark = pytest.mark.slow  # the Action's venv, real git remotes

SCHEMA = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "junit-10-file-line.xsd"))
WORKFLOW = yaml.safe_load((REPO / "docs" / "github-workflow.yml").read_text())


@pytest.fixture
def remote(tmp_path: Path, shipped_rules: RuleSet) -> Remote:
    """main: a manifest, a key added and removed again (in history only), then more work."""
    remote = Remote(tmp_path / "origin.git")
    repo = developer(remote, tmp_path / "dev")
    repo.write("byok.yaml", manifest(dt.date.today()))
    repo.commit("manifest")
    repo.write("settings.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', random.Random(5))}\n")
    repo.commit("oops")
    repo.git("rm", "-q", "settings.env")
    repo.commit("remove the key")
    for n in range(3):
        repo.write("README.md", f"{n}\n")
        repo.commit(f"work {n}")
    repo.git("push", "-q", "origin", "main")
    return remote


def scan_cases(run: Any) -> dict[str, list[ET.Element]]:
    """The JUnit testcases of each testsuite, after validating the file against the schema."""
    xml = run.report("junit")
    SCHEMA.validate(xml)
    return {suite.get("name", ""): list(suite.iter("testcase")) for suite in ET.fromstring(xml).iter("testsuite")}


def assert_incomplete(run: Any, what: str) -> None:
    output = run.done.stdout + run.done.stderr
    assert run.done.returncode == 2, output
    assert run.outputs["result"] == "incomplete", run.outputs
    scan = scan_cases(run)["scan"]
    assert [case.get("name") for case in scan] == ["scan incomplete"]
    (error,) = scan[0].iter("error")
    assert what in error.get("message", "")
    assert "1 passed" not in output and "no leaks found" not in output.lower()
    assert "Incomplete" in run.summary and "No leaks found (" not in run.summary
    header, _rule, row = [line for line in run.summary.splitlines() if line.startswith("|")][:3]
    assert dict(zip(header.split("|"), row.split("|")))[" error "].strip() == "1"


def test_pull_request_whose_head_cannot_be_had_is_incomplete(action_runner: ActionRunner, remote: Remote,
                                                             tmp_path: Path) -> None:
    """CI seams 3: an unknown revision used to read "scan: 1 passed"."""
    main = remote.sha("main")
    workspace = actions_checkout(remote, tmp_path / "workspace", ref="refs/heads/main", sha=main)
    payload = event("pull_request-synchronize", **{"pull_request.head.sha": "b" * 40, "pull_request.base.sha": main})
    run = action_runner.run_check(workspace.path, tmp_path / "run", "pull_request", payload,
                                  ref="refs/pull/2/merge", sha=main, inputs={"run": "scan"})
    assert_incomplete(run, f"commit {'b' * 12} (the event's head) is not in the checkout")


def test_history_scan_of_a_shallow_checkout_is_incomplete(action_runner: ActionRunner, remote: Remote,
                                                          tmp_path: Path) -> None:
    """CI seams 3: a depth-1 clone without --allow-shallow; here fetch-depth 0 is the right advice."""
    main = remote.sha("main")
    workspace = actions_checkout(remote, tmp_path / "workspace", ref="refs/heads/main", sha=main)
    run = action_runner.run_check(workspace.path, tmp_path / "run", "schedule", event("schedule"),
                                  ref="refs/heads/main", sha=main, inputs={"run": "scan"})
    assert_incomplete(run, "shallow clone")
    assert "fetch-depth: 0" in run.done.stderr


def scan_jobs(event_name: str) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """(job, checkout inputs, byok-ci inputs) of each job of the example workflow that runs
    a scan on ``event_name``."""
    context = {"github": {"event_name": event_name}}
    for name, job in WORKFLOW["jobs"].items():
        condition = str(job.get("if", "true")).strip()
        if condition.startswith("${{"):
            condition = condition[3:-2]
        if not truthy(expression(condition, context)):
            continue
        steps = job["steps"]
        checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
        for step in steps:
            if str(step.get("uses", "")).startswith("byok-ci/byok-ci@"):
                inputs = with_inputs(step, context)
                if "scan" in inputs.get("run", "scan"):
                    yield name, with_inputs(checkout, context), inputs


@pytest.mark.parametrize("event_name", ["pull_request", "push"])
def test_example_workflow_checks_out_one_commit_for_pull_requests_and_pushes(event_name: str) -> None:
    jobs = list(scan_jobs(event_name))
    assert jobs and all(checkout.get("fetch-depth", "1") == "1" for _, checkout, _ in jobs)


def test_example_workflows_nightly_history_scan_runs(action_runner: ActionRunner, remote: Remote,
                                                     tmp_path: Path) -> None:
    """CI seams 5: the scheduled run checks out as its workflow says, then scans the history."""
    jobs = list(scan_jobs("schedule"))
    assert jobs
    main = remote.sha("main")
    for name, checkout, inputs in jobs:
        depth = int(checkout.get("fetch-depth", "1"))
        workspace = actions_checkout(remote, tmp_path / name / "workspace", ref="refs/heads/main", sha=main,
                                     fetch_depth=depth)
        run = action_runner.run_check(workspace.path, tmp_path / name / "run", "schedule", event("schedule"),
                                      ref="refs/heads/main", sha=main, inputs=inputs)
        assert run.done.returncode == 1, run.done.stdout + run.done.stderr
        assert run.outputs["result"] == "fail" and run.outputs["leaks"] == "1"
        assert "settings.env" in run.summary and "Could not check" not in run.summary


def test_expressions_follow_githubs_falsy_rules() -> None:
    context = {"github": {"event_name": "schedule"}}
    assert expression("github.event_name == 'schedule' && 0 || 1", context) == 1  # the classic trap
    assert expression("github.event_name != 'schedule' && 1 || 0", context) == 0
    assert expression("github.event_name == 'SCHEDULE'", context) is True
    assert expression("!(github.event_name == 'push')", context) is True


def test_incomplete_scan_with_findings_still_says_incomplete(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """A scan that found a key and could not read a file: the key fails the run, and the
    scan suite says it was incomplete too (an error testcase, not a silent pass)."""
    from tests.test_check import invoke

    (tmp_path / ".byok-ci.yaml").write_text("max_file_size: 1k\n")
    (tmp_path / "a.env").write_text(f"K={key_for(shipped_rules, 'groq.api-key', random.Random(9))}\n")
    (tmp_path / "big.txt").write_text("x" * 5000 + "\n")
    result = invoke(tmp_path, ["check", "--run", "scan", "--junit", "r.xml"])
    assert result.exit_code == 1, result.output
    xml = (tmp_path / "r.xml").read_text()
    SCHEMA.validate(xml)
    (scan,) = [s for s in ET.fromstring(xml).iter("testsuite") if s.get("name") == "scan"]
    outcomes = {case.get("name"): [child.tag for child in case] for case in scan.iter("testcase")}
    assert outcomes["scan incomplete"] == ["error"] and ["failure"] in outcomes.values()
    assert not any(str(name).startswith("no leaks found") for name in outcomes)

"""action.yml and `byok-ci check` as the GitHub runner would run them.

The Action's own run steps are executed with bash (tests/realclient/harness.py): the
install step installs byok-ci from the action's directory into a fresh virtual environment
(from a wheelhouse, no index), and the check step runs with the inputs' environment, an
event payload and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files. tests/realclient runs it
on workspaces laid out as actions/checkout lays them out.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.gitrepo import GitRepo
from tests.realclient.harness import ActionRunner

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-actions", "action.yml"),
                                              ("vendor.github-workflows", "docs/github-workflow.yml")])
def test_metadata_validates_against_githubs_schemas(schema: str, path: str) -> None:
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(REPO / path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_shows_the_example_workflow() -> None:
    assert (REPO / "docs" / "github-workflow.yml").read_text() in (REPO / "README.md").read_text()


def test_inputs_reach_byok_ci_only_through_the_environment() -> None:
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


@pytest.fixture
def runner(action_runner: ActionRunner) -> ActionRunner:
    return action_runner


def run_check(runner: ActionRunner, repo: Path, tmp: Path, event: str, payload: dict,  # type: ignore[type-arg]
              inputs: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    run = runner.run_check(repo, tmp / "run", event, payload, inputs=inputs)
    return run.done, run.outputs, run.summary


@pytest.fixture
def pull_request(tmp_path: Path, shipped_rules: RuleSet) -> tuple[GitRepo, dict, str]:  # type: ignore[type-arg]
    """main with history, a feature branch of 45 commits, a key added in the 35th."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "hello\n")
    base = repo.commit("start")
    repo.git("checkout", "-q", "-b", "feature")
    key = key_for(shipped_rules, "anthropic.api-key", random.Random(35))
    for n in range(45):
        repo.write(f"notes/{n}.txt", f"note {n}\n" + (f"ANTHROPIC_API_KEY={key}\n" if n == 34 else ""))
        head = repo.commit(f"feature {n}")
    payload = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    return repo, payload, key


def test_pull_request_with_45_commits_finds_the_key_in_commit_35(runner: ActionRunner, pull_request, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, payload, key = pull_request
    done, outputs, summary = run_check(runner, repo.path, tmp_path, "pull_request", payload)
    assert done.returncode == 1, done.stderr
    assert outputs["result"] == "fail" and outputs["leaks"] == "1" and outputs["findings"] == "1"
    assert re.search(r"^::error file=notes/34\.txt,line=2,col=\d+,title=byok-ci%3A anthropic\.api-key::", done.stdout, re.M)
    assert "| notes/34.txt | 2 | anthropic.api-key |" in summary
    junit = (repo.path / outputs["junit"]).read_text()
    assert 'name="scan"' in junit and "anthropic.api-key" in junit
    sarif = json.loads((repo.path / outputs["sarif"]).read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "anthropic.api-key"
    for text in (done.stdout, done.stderr, summary, junit, json.dumps(sarif), (repo.path / outputs["json"]).read_text()):
        assert key[13:40] not in text


def test_push_with_no_new_commits_is_a_notice_not_a_failure(runner: ActionRunner, pull_request, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, payload, _key = pull_request
    head = payload["pull_request"]["head"]["sha"]
    done, outputs, summary = run_check(runner, repo.path, tmp_path, "push", {"before": head, "after": head})
    assert done.returncode == 0, done.stderr
    assert outputs["result"] == "pass" and "::notice title=byok-ci::push added no commits" in done.stdout
    assert "before == after" in summary


def test_push_of_a_new_branch_scans_its_commits(runner: ActionRunner, pull_request, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, payload, _key = pull_request
    done, outputs, _summary = run_check(runner, repo.path, tmp_path, "push",
                                               {"before": "0" * 40, "after": payload["pull_request"]["head"]["sha"]})
    assert done.returncode == 1 and outputs["leaks"] == "1", done.stderr


def test_fail_on_leaves_leaks_reported_but_passing(runner: ActionRunner, pull_request, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, payload, _key = pull_request
    done, outputs, _summary = run_check(runner, repo.path, tmp_path, "pull_request", payload, {"fail-on": "policy"})
    assert done.returncode == 0 and outputs["leaks"] == "1" and outputs["result"] == "pass", done.stderr

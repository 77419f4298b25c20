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
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.drift.fake_provider import FakeProviders, serve
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


def test_the_ci_page_shows_the_example_workflow() -> None:
    assert (REPO / "docs" / "github-workflow.yml").read_text() in (REPO / "docs" / "ci.md").read_text()


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


@pytest.fixture
def drift_repo(tmp_path: Path, shipped_rules: RuleSet) -> Iterator[tuple[Path, str, FakeProviders]]:
    """A manifest whose prod OpenAI key goes to a fake provider on loopback, and the key."""
    key = key_for(shipped_rules, "openai.project-key", random.Random(12))
    with serve() as fake:
        fake.valid_keys.add(key)
        repo = tmp_path / "repo"
        repo.mkdir()
        (repo / "byok.yaml").write_text(
            "version: 1\nproject: acme\nkeys:\n  - name: acme-prod-openai\n    env: prod\n    provider: openai\n"
            f"    secret: env://OPENAI_API_KEY\n    base_url: http://127.0.0.1:{fake.port}/openai\n")
        yield repo, key, fake


def drift_inputs(fake: FakeProviders, **extra: str) -> dict[str, str]:
    return {"run": "drift", "drift-env": "prod", "allow-hosts": f"127.0.0.1:{fake.port}",
            "args": "--allow-insecure-loopback", **extra}


def test_drift_options_reach_the_drift_job(runner: ActionRunner, drift_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """timeout, strict and audit-log inputs, and args passed through: a provider slower than
    the timeout is inconclusive, which strict fails; every request is in the audit log."""
    repo, key, fake = drift_repo
    fake.modes["openai"], fake.delay = "slow", 3.0
    inputs = drift_inputs(fake, timeout="0.5", strict="true", **{"audit-log": "audit.jsonl"})
    run = runner.run_check(repo, tmp_path, "schedule", {}, inputs=inputs, env={"OPENAI_API_KEY": key})
    done, outputs, summary = run.done, run.outputs, run.summary
    assert done.returncode == 1, done.stdout + done.stderr
    assert outputs["result"] == "fail" and outputs["drift-failures"] == "3", outputs
    findings = json.loads((repo / outputs["json"]).read_text())["findings"]
    assert {(f["rule_id"], f["severity"]) for f in findings} == {("drift.inconclusive", "error")}
    assert all("within 0.5s" in f["message"] for f in findings)
    records = [json.loads(line) for line in (repo / "audit.jsonl").read_text().splitlines()]
    assert {r["probe"] for r in records} == {"real", "invalid", "no-auth"}
    assert "| prod | acme-prod-openai | failed | failed | failed |" in summary
    for text in (done.stdout, done.stderr, summary, (repo / "audit.jsonl").read_text()):
        assert key[8:40] not in text


def test_without_strict_inconclusive_drift_passes_and_the_deadline_applies(  # type: ignore[no-untyped-def]
        runner: ActionRunner, drift_repo, tmp_path: Path) -> None:
    """byok-ci check exits 4 (inconclusive, none failed); the step passes, as fail-on does
    not name inconclusive, and its result output says inconclusive."""
    repo, key, fake = drift_repo
    fake.modes["openai"], fake.delay = "slow", 3.0
    inputs = drift_inputs(fake, timeout="10", deadline="1")
    run = runner.run_check(repo, tmp_path, "schedule", {}, inputs=inputs, env={"OPENAI_API_KEY": key})
    done, outputs, _summary = run.done, run.outputs, run.summary
    assert done.returncode == 0, done.stdout + done.stderr
    assert outputs["result"] == "inconclusive" and outputs["inconclusive"] == "3" and outputs["drift-failures"] == "0"
    findings = json.loads((repo / outputs["json"]).read_text())["findings"]
    assert any("total deadline exceeded" in f["message"] for f in findings), findings


def test_an_audit_log_that_cannot_be_opened_stops_the_probes(runner: ActionRunner, drift_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, key, fake = drift_repo
    inputs = drift_inputs(fake, **{"audit-log": "missing/dir/audit.jsonl"})
    run = runner.run_check(repo, tmp_path, "schedule", {}, inputs=inputs, env={"OPENAI_API_KEY": key})
    done, outputs, _summary = run.done, run.outputs, run.summary
    assert done.returncode == 2 and outputs["result"] == "incomplete"
    assert "missing/dir/audit.jsonl: cannot open the audit log" in done.stderr and fake.hits == []


def test_every_input_reaches_the_step_as_an_environment_variable() -> None:
    (step,) = [s for s in ACTION["runs"]["steps"] if s.get("id") == "check"]
    passed = {re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", v).group(1) for v in step["env"].values()}  # type: ignore[union-attr]
    assert set(ACTION["inputs"]) - passed == {"python-version"}
    assert {"strict", "timeout", "deadline", "audit-log", "proxy"} <= passed

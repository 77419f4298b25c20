"""The GitLab template for sharded history scans (ci/gitlab/byok-ci-history-shards.gitlab-ci.yml),
run as gitlab-runner runs it. Each `parallel` job gets GitLab's full clone (GIT_DEPTH 0: every
branch and tag), its CI_NODE_INDEX and CI_NODE_TOTAL, and its script lines run in one
bash. The merge job gets the shards' artifacts. The install lines (before_script) are the
other template's, installed for real by test_gitlab_template.py: here this checkout's byok-ci
stands in for the venv."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
import yaml

from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.gitrepo import git_env
from tests.realclient.gitlab import TEMPLATE, job_env, refspecs, runner_clone, variables
from tests.realclient.harness import Remote, developer

SHARDS = yaml.safe_load((REPO / "ci" / "gitlab" / "byok-ci-history-shards.gitlab-ci.yml").read_text())
JUNIT = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "junit-10-file-line.xsd"))
GITLAB = jsonschema.Draft7Validator(json.loads(
    (REPO / "tests" / "data" / "gitlab" / "secret-detection-report-format.json").read_text()))
COUNT = 3
PIPELINE = 21


def _job(name: str) -> dict[str, Any]:
    """A job with what it `extends` (GitLab merges hashes such as `variables` key by key)."""
    job = dict(SHARDS[name])
    base = SHARDS[job.pop("extends")]
    return {**base, **job, "variables": {**base["variables"], **job.get("variables", {})}}


def _run(name: str, workspace: Path, ci_vars: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The job's script lines in one bash, as the runner's shell executor runs them."""
    job = _job(name)
    env = job_env(job["variables"], ci_vars, {"BYOK_CI_VENV": str(Path(sys.executable).parent.parent)})
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", "\n".join(job["script"])], cwd=workspace, env=env,
                          capture_output=True, text=True)


def test_the_templates_validate_against_gitlabs_schema() -> None:
    for template in sorted((REPO / "ci" / "gitlab").glob("*.gitlab-ci.yml")):
        done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                               "vendor.gitlab-ci", str(template)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_jobs_run_on_schedules_and_by_hand_and_the_merge_after_a_failed_shard() -> None:
    shard, merge = _job("byok-ci-history-shard"), _job("byok-ci-history")
    sources = ['$CI_PIPELINE_SOURCE == "schedule"', '$CI_PIPELINE_SOURCE == "web"']
    assert [rule["if"] for rule in shard["rules"]] == sources
    assert [(rule["if"], rule["when"]) for rule in merge["rules"]] == [(source, "always") for source in sources]
    assert merge["needs"] == ["byok-ci-history-shard"] and shard["parallel"] > 1
    assert shard["variables"]["GIT_DEPTH"] == "0" and merge["variables"]["GIT_STRATEGY"] == "none"
    assert shard["artifacts"]["when"] == merge["artifacts"]["when"] == "always"
    # The install lines are the ones test_gitlab_template.py runs for real.
    assert shard["before_script"] == TEMPLATE["byok-ci"]["before_script"]
    reports = merge["artifacts"]["reports"]
    assert {reports["junit"], reports["secret_detection"]} <= set(merge["artifacts"]["paths"])


@dataclass
class Origin:
    origin: Remote
    keys: dict[str, str] = field(repr=False)  # by path; never in a failed test's output


@pytest.fixture
def remote(tmp_path: Path, shipped_rules: RuleSet) -> Origin:
    """main with keys in several directories (one removed again), a branch the pipeline is
    not on with a key of its own, and a tag on a commit no branch holds with another; and
    each key, by the path it is in."""
    rng = random.Random(19)
    remote = Remote(tmp_path / "origin.git")
    repo = developer(remote, tmp_path / "dev")
    expected = {}
    for n, (path, rule) in enumerate([("api/old.env", "openai.project-key"), ("web/app/config.ts", "anthropic.api-key"),
                                      ("tools/deploy.sh", "groq.api-key"), ("README.md", "")]):
        for version in range(3):
            repo.write(path, "".join(f"line {version} {i}\n" for i in range(40 * (n + 1))))
            repo.commit(f"{path} {version}")
        if rule:
            expected[path] = key_for(shipped_rules, rule, rng)
            repo.write(path, f"KEY = '{expected[path]}'\n")
            repo.commit(f"{path} key")
    repo.git("rm", "-q", "api/old.env")
    repo.commit("remove the old key")
    repo.git("push", "-q", "origin", "main")
    repo.git("checkout", "-q", "-b", "feat")
    expected["feat/settings.py"] = key_for(shipped_rules, "mistral.api-key", rng)
    repo.write("feat/settings.py", f"MISTRAL = '{expected['feat/settings.py']}'\n")
    repo.commit("feature key")
    repo.git("push", "-q", "origin", "feat")
    repo.git("checkout", "-q", "--detach", "main")
    expected["release/notes.txt"] = key_for(shipped_rules, "openai.project-key", rng)
    repo.write("release/notes.txt", f"token {expected['release/notes.txt']}\n")
    repo.commit("release key")
    repo.git("tag", "v1")
    repo.git("push", "-q", "origin", "v1")
    return Origin(remote, expected)


def _shards(remote: Remote, tmp_path: Path, count: int = COUNT) -> list[Path]:
    """Each parallel job on its own runner: GitLab's clone of main, then the job's script."""
    head = remote.sha("main")
    reports = []
    for index in range(1, count + 1):
        workspace = runner_clone(remote, tmp_path / f"runner-{index}",
                                 specs=refspecs(PIPELINE, head, branch="main", depth=0), sha=head, depth=0)
        ci_vars = variables("schedule", sha=head, branch="main", project_dir=workspace.path, pipeline_id=PIPELINE)
        done = _run("byok-ci-history-shard", workspace.path,
                    {**ci_vars, "GIT_DEPTH": "0", "CI_NODE_INDEX": str(index), "CI_NODE_TOTAL": str(count)})
        report = workspace.path / "byok-ci-shards" / str(PIPELINE) / f"shard-{index}.json"
        scanned = json.loads(report.read_text())
        assert scanned["shard"] == f"{index}/{count}" and not scanned["errors"]
        # The job fails on its shard's leaks (the merge job runs all the same), and only then.
        assert done.returncode == (1 if scanned["findings"] else 0), done.stdout + done.stderr
        reports.append(report)
    return reports


def _merge(reports: list[Path], tmp_path: Path, left: dict[int, list[Path]] | None = None
           ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The merge job, given the shards' artifacts (and what earlier pipelines ``left`` in its
    directory, which GIT_STRATEGY none does not clean)."""
    workspace = tmp_path / "merge"
    for pipeline, files in {**(left or {}), PIPELINE: reports}.items():
        (workspace / "byok-ci-shards" / str(pipeline)).mkdir(parents=True)
        for report in files:
            shutil.copy(report, workspace / "byok-ci-shards" / str(pipeline))
    return _run("byok-ci-history", workspace, {"CI_PIPELINE_SOURCE": "schedule", "CI_PIPELINE_ID": str(PIPELINE)}), \
        workspace


def _published(workspace: Path) -> tuple[ET.Element, dict[str, Any]]:
    reports = _job("byok-ci-history")["artifacts"]["reports"]
    xml = (workspace / reports["junit"]).read_text()
    JUNIT.validate(xml)
    data = json.loads((workspace / reports["secret_detection"]).read_text())
    GITLAB.validate(data)
    return ET.fromstring(xml), data


def test_parallel_jobs_merge_to_the_history_of_every_branch_and_tag(tmp_path: Path, remote: Origin) -> None:
    origin, expected = remote.origin, remote.keys
    reports = _shards(origin, tmp_path)
    done, workspace = _merge(reports, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    junit, data = _published(workspace)
    assert {v["location"]["file"] for v in data["vulnerabilities"]} == set(expected)
    assert data["scan"]["status"] == "success"
    assert sum(case.find("failure") is not None for case in junit.iter("testcase")) == len(expected)
    # The same findings as one scan of a full clone (every branch and tag), byte for byte.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", origin.url, str(clone)], check=True, env=git_env())
    single = subprocess.run([sys.executable, "-m", "byok_ci", "scan", "--history", "--format", "json", "-q"],
                            cwd=clone, env=git_env(), capture_output=True, text=True)
    merged = subprocess.run([sys.executable, "-m", "byok_ci", "report", "merge", *map(str, reports), "--format",
                             "json", "-q"], env=git_env(), capture_output=True, text=True)
    assert single.returncode == merged.returncode == 1, single.stderr + merged.stderr
    findings = [json.loads(out.stdout)["findings"] for out in (single, merged)]
    assert findings[0] and json.dumps(findings[0]) == json.dumps(findings[1])
    published = "".join((workspace / name).read_text() for name in ("byok-ci-junit.xml", "byok-ci.sarif",
                                                                    "gl-secret-detection-report.json"))
    for report in reports:
        published += report.read_text()
    printed = published + done.stdout + done.stderr
    assert not [path for path, key in expected.items() if key in printed], "a key was written whole"


def test_a_shard_job_that_left_no_report_makes_the_merge_incomplete(tmp_path: Path, remote: Origin) -> None:
    """Also when an earlier pipeline's report of that shard is still in the merge job's directory."""
    reports = _shards(remote.origin, tmp_path)
    done, workspace = _merge([reports[0], reports[2]], tmp_path, left={PIPELINE - 1: [reports[1]]})
    # Leaks (1) still outrank an incomplete run (2); the reports say what is missing.
    assert done.returncode == 1, done.stdout + done.stderr
    junit, data = _published(workspace)
    assert data["scan"]["status"] == "failure"
    errors = [error.get("message", "") for error in junit.iter("error")]
    assert any("shard(s) 2 of 3 missing" in message for message in errors), errors
    assert "shard(s) 2 of 3 missing" in done.stderr, done.stderr


def test_a_merge_with_no_shard_report_at_all_is_incomplete(tmp_path: Path) -> None:
    done, workspace = _merge([], tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"byok-ci-shards/{PIPELINE}/shard-*.json" in done.stderr
    junit, data = _published(workspace)
    assert data["scan"]["status"] == "failure" and data["vulnerabilities"] == []
    assert [error.get("message", "") for error in junit.iter("error")], ET.tostring(junit, encoding="unicode")

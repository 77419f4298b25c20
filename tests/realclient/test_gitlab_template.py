"""The GitLab CI template's job, run as gitlab-runner runs it: the runner's shallow clone
(GIT_DEPTH 20), the predefined variables of a real pipeline, the job's script lines in
bash. The JUnit and secret-detection reports it publishes are validated."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from byok_ci.rules import RuleSet
from tests.conftest import REPO, key_for
from tests.realclient.gitlab import TEMPLATE, ZERO, TemplateJob, refspecs, runner_clone, variables
from tests.realclient.harness import Remote, developer

pytestmark = pytest.mark.slow  # a venv installed from wheels, real git remotes

JUNIT = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "junit-10-file-line.xsd"))
GITLAB = jsonschema.Draft7Validator(json.loads(
    (REPO / "tests" / "data" / "gitlab" / "secret-detection-report-format.json").read_text()))


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> TemplateJob:
    return TemplateJob.install(tmp_path_factory.mktemp("gitlab-job") / "venv", wheelhouse)


@pytest.fixture
def remote(tmp_path: Path, shipped_rules: RuleSet) -> Remote:
    """main: an old key added and removed (history only), then 25 commits of work."""
    remote = Remote(tmp_path / "origin.git")
    repo = developer(remote, tmp_path / "dev")
    repo.write("README.md", "start\n")
    repo.commit("start")
    repo.write("old.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', random.Random(1))}\n")
    repo.commit("old key")
    repo.git("rm", "-q", "old.env")
    repo.commit("remove old key")
    for n in range(25):
        repo.write("README.md", f"{n}\n")
        repo.commit(f"main {n}")
    repo.git("push", "-q", "origin", "main")
    return remote


def feature(remote: Remote, tmp_path: Path, rules: RuleSet, *, name: str = "feat", commits: int = 25) -> str:
    """A branch whose first commit adds a key that the next removes, then ``commits`` more."""
    repo = developer(remote, tmp_path / f"dev-{name}")
    repo.git("checkout", "-q", "-b", name)
    repo.write("new.env", f"ANTHROPIC_API_KEY={key_for(rules, 'anthropic.api-key', random.Random(2))}\n")
    repo.commit("new key")
    repo.git("rm", "-q", "new.env")
    repo.commit("remove new key")
    for n in range(commits):
        repo.write("notes.txt", f"{n}\n")
        repo.commit(f"{name} {n}")
    repo.git("push", "-q", "origin", name)
    return remote.sha(name)


def reports(workspace: Path) -> tuple[ET.Element, dict]:  # type: ignore[type-arg]
    job = TEMPLATE["byok-ci"]
    junit_path, gitlab_path = job["artifacts"]["reports"]["junit"], job["artifacts"]["reports"]["secret_detection"]
    assert {junit_path, gitlab_path} <= set(job["artifacts"]["paths"])
    xml = (workspace / junit_path).read_text()
    JUNIT.validate(xml)
    data = json.loads((workspace / gitlab_path).read_text())
    GITLAB.validate(data)
    return ET.fromstring(xml), data


def files(data: dict) -> set[str]:  # type: ignore[type-arg]
    return {v["location"]["file"] for v in data["vulnerabilities"]}


def test_template_runs_on_merge_requests_pushes_schedules_and_tags() -> None:
    rules = [rule.get("if", "") for rule in TEMPLATE["byok-ci"]["rules"]]
    for needed in ('$CI_PIPELINE_SOURCE == "merge_request_event"', '$CI_PIPELINE_SOURCE == "schedule"',
                   "$CI_COMMIT_BRANCH", "$CI_COMMIT_TAG"):
        assert needed in rules


def test_merge_request_deepens_the_shallow_clone_and_finds_the_key(
        job: TemplateJob, remote: Remote, tmp_path: Path, shipped_rules: RuleSet) -> None:
    base = remote.sha("main")
    head = feature(remote, tmp_path, shipped_rules)
    remote.git("update-ref", "refs/merge-requests/1/head", head)
    workspace = runner_clone(remote, tmp_path / "builds", specs=refspecs(11, head), sha=head)
    assert (workspace.path / ".git" / "shallow").exists()  # 27 commits deep, cloned 20
    done = job.run(workspace.path, variables("merge_request_event", sha=head, project_dir=workspace.path,
                                             pipeline_id=11, mr_iid=1, diff_base=base, source_branch="feat"))
    assert done.returncode == 1, done.stderr
    junit, data = reports(workspace.path)
    assert files(data) == {"new.env"}  # the merge request's key, not main's old one
    assert [v["location"]["commit"]["sha"] for v in data["vulnerabilities"]] == [remote.sha("feat~26")]
    assert any(case.find("failure") is not None for case in junit.iter("testcase"))
    key = key_for(shipped_rules, "anthropic.api-key", random.Random(2))
    assert key not in done.stdout + done.stderr + json.dumps(data) + ET.tostring(junit, encoding="unicode")


def test_branch_push_scans_before_to_head(job: TemplateJob, remote: Remote, tmp_path: Path,
                                          shipped_rules: RuleSet) -> None:
    before = remote.sha("main")
    repo = developer(remote, tmp_path / "dev2")
    repo.write("clean.txt", "nothing here\n")
    repo.commit("clean work")
    repo.git("push", "-q", "origin", "main")
    head = remote.sha("main")
    workspace = runner_clone(remote, tmp_path / "builds", specs=refspecs(12, head, branch="main"), sha=head)
    done = job.run(workspace.path, variables("push", sha=head, before=before, branch="main",
                                             project_dir=workspace.path, pipeline_id=12))
    assert done.returncode == 0, done.stderr
    junit, data = reports(workspace.path)
    assert data["vulnerabilities"] == [] and data["scan"]["status"] == "success"
    assert [c.get("name") for c in junit.iter("testcase")] == ["no leaks found"]


def test_new_branch_scans_the_commits_on_no_other_branch(job: TemplateJob, remote: Remote, tmp_path: Path,
                                                         shipped_rules: RuleSet) -> None:
    head = feature(remote, tmp_path, shipped_rules, commits=2)
    workspace = runner_clone(remote, tmp_path / "builds", specs=refspecs(13, head, branch="feat"), sha=head)
    done = job.run(workspace.path, variables("push", sha=head, before=ZERO, branch="feat",
                                             project_dir=workspace.path, pipeline_id=13))
    assert done.returncode == 1, done.stderr
    _, data = reports(workspace.path)
    assert files(data) == {"new.env"}
    assert "no other branch or tag holds" in done.stderr


def test_tag_on_main_adds_nothing_new(job: TemplateJob, remote: Remote, tmp_path: Path) -> None:
    remote.git("tag", "v1.0", "main")
    head = remote.sha("main")
    workspace = runner_clone(remote, tmp_path / "builds", specs=refspecs(14, head, tag="v1.0"), sha=head)
    done = job.run(workspace.path, variables("push", sha=head, tag="v1.0", project_dir=workspace.path,
                                             pipeline_id=14))
    assert done.returncode == 0, done.stderr
    _, data = reports(workspace.path)
    assert data["vulnerabilities"] == []


def test_schedule_scans_the_whole_history(job: TemplateJob, remote: Remote, tmp_path: Path) -> None:
    head = remote.sha("main")
    workspace = runner_clone(remote, tmp_path / "builds", specs=refspecs(15, head, branch="main", depth=0), sha=head,
                             depth=0)
    done = job.run(workspace.path, variables("schedule", sha=head, branch="main", project_dir=workspace.path,
                                             pipeline_id=15))
    assert done.returncode == 1, done.stderr
    _, data = reports(workspace.path)
    assert files(data) == {"old.env"}


def test_a_head_that_cannot_be_fetched_is_incomplete(job: TemplateJob, remote: Remote, tmp_path: Path) -> None:
    head = remote.sha("main")
    workspace = runner_clone(remote, tmp_path / "builds", specs=refspecs(16, head), sha=head)
    missing = "1234567" * 5 + "89abc"
    done = job.run(workspace.path, variables("merge_request_event", sha=missing, project_dir=workspace.path,
                                             pipeline_id=16, mr_iid=2, diff_base=head, source_branch="gone"))
    assert done.returncode == 2, done.stderr
    assert "could not be fetched" in done.stderr
    junit, data = reports(workspace.path)
    assert data["scan"]["status"] == "failure"
    assert any(case.find("error") is not None for case in junit.iter("testcase"))

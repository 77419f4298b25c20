"""The plan `byok-ci check` makes from GitLab's predefined CI/CD variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok_ci.errors import PlanError
from byok_ci.gitlab_ci import plan_from_gitlab
from tests.realclient.gitlab import ZERO, variables

A, B = "a" * 40, "b" * 40


def test_not_gitlab() -> None:
    assert plan_from_gitlab({"CI": "true", "CI_COMMIT_SHA": A}) is None


def test_merge_request_pipeline_scans_diff_base_to_head(tmp_path: Path) -> None:
    env = variables("merge_request_event", sha=B, project_dir=tmp_path, mr_iid=7, diff_base=A, source_branch="feat")
    plan = plan_from_gitlab(env)
    assert plan is not None and (plan.mode, plan.base, plan.head, plan.main_branch) == ("range", A, B, "main")


def test_merged_results_pipeline_scans_the_source_branch_head(tmp_path: Path) -> None:
    merge = "c" * 40
    env = variables("merge_request_event", sha=merge, project_dir=tmp_path, mr_iid=7, diff_base=A, source_branch="feat")
    env.update(CI_MERGE_REQUEST_EVENT_TYPE="merged_result", CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=B)
    plan = plan_from_gitlab(env)
    assert plan is not None and (plan.base, plan.head) == (A, B)


@pytest.mark.parametrize(("before", "mode"), [(A, "range"), (ZERO, "commits"), (B, "nothing")])
def test_branch_pipeline(tmp_path: Path, before: str, mode: str) -> None:
    plan = plan_from_gitlab(variables("push", sha=B, before=before, branch="feat", project_dir=tmp_path))
    assert plan is not None and plan.mode == mode
    if mode != "nothing":
        assert plan.ref == "refs/heads/feat" and plan.head == B
    else:
        assert "nothing to scan" in plan.notice


def test_tag_pipeline_scans_commits_no_other_ref_holds(tmp_path: Path) -> None:
    plan = plan_from_gitlab(variables("push", sha=B, tag="v1.0", project_dir=tmp_path))
    assert plan is not None and (plan.mode, plan.ref) == ("commits", "refs/tags/v1.0")


@pytest.mark.parametrize("source", ["schedule", "web", "api", "trigger"])
def test_schedules_and_manual_pipelines_follow_the_scheduled_setting(tmp_path: Path, source: str) -> None:
    env = variables(source, sha=B, branch="main", project_dir=tmp_path)
    assert plan_from_gitlab(env).mode == "history"  # type: ignore[union-attr]
    assert plan_from_gitlab(env, scheduled="tree").mode == "tree"  # type: ignore[union-attr]


def test_no_commit_sha_is_an_error() -> None:
    with pytest.raises(PlanError, match="CI_COMMIT_SHA"):
        plan_from_gitlab({"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push"})


@pytest.mark.parametrize("name", ["CI_COMMIT_SHA", "CI_COMMIT_BEFORE_SHA", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
                                  "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"])
def test_a_sha_variable_that_is_no_sha_is_an_error_naming_it(tmp_path: Path, name: str) -> None:
    """Pipeline variables (a manual run, a trigger, a parent pipeline) can override the
    predefined ones: what is not a sha never reaches git, where `--upload-pack=CMD` would run CMD."""
    source = "merge_request_event" if "MERGE_REQUEST" in name else "push"
    env = variables(source, sha=B, before=A, branch="feat", project_dir=tmp_path, mr_iid=7, diff_base=A,
                    source_branch="feat") if source != "push" else variables("push", sha=B, before=A, branch="feat",
                                                                             project_dir=tmp_path)
    env[name] = "--upload-pack=touch pwned;false"
    with pytest.raises(PlanError, match=name):
        plan_from_gitlab(env)


def test_check_never_hands_an_option_to_git_as_a_commit(tmp_path: Path) -> None:
    from tests.gitrepo import GitRepo
    from tests.test_no_leak import run_in

    upstream = GitRepo(tmp_path / "up")
    head = upstream.commit("one")
    work = GitRepo(tmp_path / "work", init=False)
    GitRepo(tmp_path).git("clone", "-q", str(upstream.path), str(work.path))
    marker = tmp_path / "pwned"
    env = variables("push", sha=head, before=head, branch="main", project_dir=work.path)
    env["CI_COMMIT_SHA"] = f"--upload-pack=touch {marker};false"
    result = run_in(work.path, ["check"], env=env)
    assert not marker.exists()
    assert result.exit_code == 2 and "CI_COMMIT_SHA" in result.output

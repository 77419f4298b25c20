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

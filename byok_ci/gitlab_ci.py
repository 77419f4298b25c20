"""What a GitLab CI job should scan, from GitLab's predefined CI/CD variables.

The variables and what they hold are GitLab's "Predefined CI/CD variables reference"
(https://docs.gitlab.com/ee/ci/variables/predefined_variables.html):

- ``CI_PIPELINE_SOURCE`` says how the pipeline started: ``merge_request_event``, ``push``,
  ``schedule``, ``web``, ``api``, ``trigger``, ...
- merge request pipelines: ``CI_MERGE_REQUEST_DIFF_BASE_SHA`` is "the base SHA of the merge
  request diff", so the merge request's commits are ``DIFF_BASE..head``; the head is
  ``CI_COMMIT_SHA``, except in merged results pipelines, whose ``CI_COMMIT_SHA`` is a merge
  of the target branch into the source branch: there the source branch's own head is
  ``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` ("present only in merged results pipelines").
- branch and tag pipelines: ``CI_COMMIT_BEFORE_SHA`` is "the previous latest commit present
  on a branch or tag", and "always 0000000000000000000000000000000000000000 for merge request
  pipelines, the first commit in pipelines for branches or tags, or when manually running a
  pipeline" (and for schedules: gitlab-org/gitlab#493695). All zeros on a push means a new
  branch or the first pipeline: the commits no other branch or tag holds are scanned, as
  for a new branch on GitHub.

The shallow clone GitLab makes (``GIT_DEPTH``, 20 by default) is completed as far as the
plan needs by :func:`byok_ci.github_event.ensure_range`, exactly as on GitHub.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from byok_ci.errors import PlanError
from byok_ci.github_event import ZERO_SHA, ScanPlan

DOCS = "https://docs.gitlab.com/ee/ci/variables/predefined_variables.html"
# Pipelines a person or a program started without a push: like GitHub's workflow_dispatch.
MANUAL_SOURCES = ("schedule", "web", "api", "trigger", "pipeline", "parent_pipeline", "chat")


_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def _null(sha: str) -> bool:
    return not sha or sha == ZERO_SHA


def _sha(environ: Mapping[str, str], name: str) -> str:
    """The commit sha in variable ``name`` ("" when unset). Pipeline variables can override
    predefined ones, so anything else is an error: it must never reach git as an argument
    (``--upload-pack=CMD`` would run CMD)."""
    value = environ.get(name, "")
    if value and not _SHA.fullmatch(value):
        raise PlanError(f"{name} is not a commit sha (40 or 64 hex digits); see {DOCS}")
    return value


def plan_from_gitlab(environ: Mapping[str, str], *, scheduled: str = "history") -> ScanPlan | None:
    """The plan for this GitLab CI job, or None when not running under GitLab CI."""
    if environ.get("GITLAB_CI") != "true":
        return None
    source = environ.get("CI_PIPELINE_SOURCE", "")
    head = _sha(environ, "CI_COMMIT_SHA")
    if not head:
        raise PlanError(f"GITLAB_CI is set but CI_COMMIT_SHA is empty; see {DOCS}")
    default = environ.get("CI_DEFAULT_BRANCH", "")
    if source == "merge_request_event" or environ.get("CI_MERGE_REQUEST_IID"):
        base = _sha(environ, "CI_MERGE_REQUEST_DIFF_BASE_SHA")
        target = environ.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "")
        mr_head = _sha(environ, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or head
        ref = environ.get("CI_MERGE_REQUEST_REF_PATH", "")
        if _null(base):
            # No diff base (an old GitLab): what the source branch adds over the target. (No
            # ref: the clone's other branches include the source branch, which holds it all.)
            return ScanPlan("commits", None, mr_head, event="merge_request_event", main_branch=target)
        return ScanPlan("range", base, mr_head, event="merge_request_event", ref=ref, main_branch=target)
    if source == "external_pull_request_event":
        base = _sha(environ, "CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_SHA")
        pr_head = _sha(environ, "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA") or head
        if not _null(base):
            return ScanPlan("range", base, pr_head, event=source,
                            main_branch=environ.get("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME", ""))
    if source in MANUAL_SOURCES:
        return ScanPlan("history" if scheduled == "history" else "tree", event=source)
    tag = environ.get("CI_COMMIT_TAG", "")
    branch = environ.get("CI_COMMIT_BRANCH", "")
    if source == "push" or tag or branch:
        ref = f"refs/tags/{tag}" if tag else f"refs/heads/{branch}" if branch else ""
        before = _sha(environ, "CI_COMMIT_BEFORE_SHA")
        if before == head:
            return ScanPlan("nothing", notice="push added no commits (CI_COMMIT_BEFORE_SHA == CI_COMMIT_SHA): "
                                              "nothing to scan", event="push")
        if tag or _null(before):
            # A tag pipeline's before is always zeros; a new branch's too (or the first pipeline).
            return ScanPlan("commits", None, head, event="push", ref=ref, main_branch=default)
        return ScanPlan("range", before, head, event="push", ref=ref, main_branch=default)
    return ScanPlan("tree", notice=f"pipeline source {source or 'unknown'}: scanning the working tree", event=source)

"""A GitLab CI job, reproduced: the clone gitlab-runner makes and the variables GitLab sets.

- :func:`runner_clone`: gitlab-runner's get-sources step for ``GIT_STRATEGY: clone``
  (``shells/abstract.go``): ``git init``, ``git remote add origin``, one
  ``git fetch origin <refspecs> --depth <GIT_DEPTH> --prune --quiet``, then
  ``git checkout -f -q <sha>``. The refspecs are what GitLab hands the runner
  (``app/presenters/ci/build_runner_presenter.rb`` ``refspecs``): the pipeline's persistent
  ref ``+<sha>:refs/pipelines/<id>``, and with a depth only the pipeline's own branch
  (``+refs/heads/<b>:refs/remotes/origin/<b>``) or tag (``+refs/tags/<t>:refs/tags/<t>``);
  a merge request pipeline gets the persistent ref alone. With ``GIT_DEPTH`` 0, every
  branch and every tag.
- :func:`variables`: the predefined CI/CD variables of a merge request, push, tag or
  scheduled pipeline, as GitLab's "Predefined CI/CD variables reference" describes them.
- :func:`job_env`: the environment a job's script lines run in.
- :class:`TemplateJob`: the ``byok-ci`` job of ``ci/gitlab/byok-ci.gitlab-ci.yml``, its
  ``before_script`` and ``script`` lines run with bash as the runner's shell executor does.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.gitrepo import GitRepo, git_env
from tests.realclient.harness import Remote

TEMPLATE = yaml.safe_load((REPO / "ci" / "gitlab" / "byok-ci.gitlab-ci.yml").read_text())
ZERO = "0" * 40
DEFAULT_DEPTH = 20  # GitLab's default GIT_DEPTH for new projects


def refspecs(pipeline_id: int, sha: str, *, branch: str = "", tag: str = "", depth: int = DEFAULT_DEPTH) -> list[str]:
    specs = [f"+{sha}:refs/pipelines/{pipeline_id}"]
    if depth == 0:
        return [*specs, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
    if branch:
        specs.append(f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
    if tag:
        specs.append(f"+refs/tags/{tag}:refs/tags/{tag}")
    return specs


def runner_clone(remote: Remote, dest: Path, *, specs: list[str], sha: str, depth: int = DEFAULT_DEPTH) -> GitRepo:
    fetched = []
    for spec in specs:
        source, _, target = spec.lstrip("+").partition(":")
        if target.startswith("refs/pipelines/"):
            # GitLab keeps the persistent ref on its side; fetched by name here (a file://
            # remote, unlike GitLab, need not serve a bare sha).
            remote.git("update-ref", target, source)
            source = target
        fetched.append(f"+{source}:{target}")
    specs = fetched
    dest.mkdir(parents=True)
    repo = GitRepo(dest, init=False)
    repo.git("init", "-q")
    repo.git("remote", "add", "origin", remote.url)
    args = ["fetch", "origin", "--no-recurse-submodules", *specs]
    if depth > 0:
        args += ["--depth", str(depth)]
    repo.git(*args, "--prune", "--quiet")
    repo.git("checkout", "-f", "-q", sha)
    return repo


def variables(source: str, *, sha: str, project_dir: Path, pipeline_id: int = 1, before: str = ZERO,
              branch: str = "", tag: str = "", mr_iid: int = 0, diff_base: str = "", source_branch: str = "",
              target_branch: str = "main") -> dict[str, str]:
    env = {
        "CI": "true", "GITLAB_CI": "true", "CI_SERVER": "yes", "CI_PIPELINE_SOURCE": source,
        "CI_PIPELINE_ID": str(pipeline_id), "CI_COMMIT_SHA": sha, "CI_COMMIT_SHORT_SHA": sha[:8],
        "CI_COMMIT_BEFORE_SHA": before, "CI_DEFAULT_BRANCH": "main", "CI_PROJECT_DIR": str(project_dir),
        "CI_COMMIT_REF_NAME": tag or branch or source_branch, "GIT_DEPTH": str(DEFAULT_DEPTH),
    }
    if branch:
        env["CI_COMMIT_BRANCH"] = branch
    if tag:
        env["CI_COMMIT_TAG"] = tag
    if mr_iid:
        env.update({
            "CI_MERGE_REQUEST_IID": str(mr_iid), "CI_MERGE_REQUEST_ID": str(1000 + mr_iid),
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": diff_base, "CI_MERGE_REQUEST_EVENT_TYPE": "detached",
            "CI_MERGE_REQUEST_REF_PATH": f"refs/merge-requests/{mr_iid}/head",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": source_branch, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": target_branch,
        })
    return env


def job_env(*layers: dict[str, str]) -> dict[str, str]:
    """A GitLab job's environment: git's, then each of ``layers``, and nothing of the GitHub
    runner these tests may themselves run on (byok-ci would take itself for a GitHub job)."""
    env = {**git_env(), **{name: str(value) for layer in layers for name, value in layer.items()}, "NO_COLOR": "1"}
    return {name: value for name, value in env.items() if not name.startswith("GITHUB_")}


@dataclass
class TemplateJob:
    """The template's ``byok-ci`` job with its variables, installed once into ``venv``."""

    venv: Path
    base_env: dict[str, str]

    @staticmethod
    def job() -> dict:  # type: ignore[type-arg]
        return TEMPLATE["byok-ci"]

    @classmethod
    def install(cls, venv: Path, wheelhouse: Path) -> TemplateJob:
        env = {**os.environ, **{k: str(v) for k, v in cls.job()["variables"].items()},
               "BYOK_CI_VENV": str(venv), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse)}
        for line in cls.job()["before_script"]:
            done = subprocess.run(["bash", "-e", "-c", line], env=env, capture_output=True, text=True)
            assert done.returncode == 0, (line, done.stderr)
        return cls(venv, {k: str(v) for k, v in cls.job()["variables"].items()} | {"BYOK_CI_VENV": str(venv)})

    def run(self, workspace: Path, ci_vars: dict[str, str]) -> subprocess.CompletedProcess[str]:
        script = "\n".join(self.job()["script"])
        return subprocess.run(["bash", "-e", "-c", script], cwd=workspace, env=job_env(self.base_env, ci_vars),
                              capture_output=True, text=True)

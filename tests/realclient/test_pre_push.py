"""The push hooks as git runs them: real `git push` commands to a bare remote, with the
hook installed by the real pre-commit (``pre-commit install --hook-type pre-push``) or
with byok-ci itself as git's pre-push hook."""

from __future__ import annotations

import random
import stat
import subprocess
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.gitrepo import GitRepo
from tests.realclient.harness import ActionRunner, PreCommit, Remote, developer

pytestmark = pytest.mark.slow  # real pre-commit and git pushes


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path / "origin.git")


@pytest.fixture
def work(remote: Remote, tmp_path: Path, pre_commit_tool: PreCommit) -> GitRepo:
    """A clone of the empty remote with byok-ci-push installed as its pre-push hook."""
    repo = developer(remote, tmp_path / "work")
    pre_commit_tool.install(repo)
    return repo


@pytest.fixture
def leak(shipped_rules: RuleSet):  # type: ignore[no-untyped-def]
    rng = random.Random(11)

    def write(repo: GitRepo, name: str = ".env.production") -> str:
        key = key_for(shipped_rules, "openai.project-key", rng)
        repo.write(name, f"OPENAI_API_KEY={key}\n")
        return key

    return write


def on_remote(remote: Remote, ref: str) -> bool:
    return subprocess.run(["git", "rev-parse", "--verify", "--quiet", ref], cwd=remote.path,
                          capture_output=True).returncode == 0


def test_first_push_to_an_empty_remote_that_is_clean_passes(pre_commit_tool: PreCommit, work: GitRepo,
                                                            remote: Remote) -> None:
    """CI seams 2: pre-commit sets no PRE_COMMIT_FROM_REF/TO_REF here, and the hook exited 2."""
    work.write("README.md", "hello\n")
    work.commit("start")
    pushed = pre_commit_tool.push(work, "-u", "origin", "main")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert on_remote(remote, "refs/heads/main")


def test_first_push_to_an_empty_remote_with_a_key_is_blocked(pre_commit_tool: PreCommit, work: GitRepo,
                                                             remote: Remote, leak) -> None:  # type: ignore[no-untyped-def]
    key = leak(work)
    work.commit("start, with production settings")
    work.write("README.md", "hello\n")
    work.commit("readme")
    pushed = pre_commit_tool.push(work, "-u", "origin", "main")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0, output
    assert "openai.project-key" in output and ".env.production" in output and key[20:40] not in output
    assert not on_remote(remote, "refs/heads/main")


def test_push_to_an_existing_remote(pre_commit_tool: PreCommit, work: GitRepo, remote: Remote, leak) -> None:  # type: ignore[no-untyped-def]
    work.write("README.md", "hello\n")
    work.commit("start")
    assert pre_commit_tool.push(work, "-u", "origin", "main").returncode == 0
    leak(work)
    work.commit("settings")
    blocked = pre_commit_tool.push(work, "origin", "main")
    assert blocked.returncode != 0 and "openai.project-key" in blocked.stdout + blocked.stderr
    work.git("reset", "-q", "--hard", "HEAD~1")
    work.write("README.md", "hello again\n")
    work.commit("clean")
    clean = pre_commit_tool.push(work, "origin", "main")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_orphan_branch_with_a_key_is_blocked(pre_commit_tool: PreCommit, work: GitRepo, remote: Remote,  # type: ignore[no-untyped-def]
                                             leak) -> None:
    """A push that reaches a root commit the remote lacks: pre-commit's all-files case again."""
    work.write("README.md", "hello\n")
    work.commit("start")
    assert pre_commit_tool.push(work, "-u", "origin", "main").returncode == 0
    work.git("checkout", "-q", "--orphan", "pages")
    work.git("rm", "-q", "-r", "--cached", ".")
    leak(work, "site/.env")
    work.git("add", "site/.env", ".pre-commit-config.yaml")
    work.commit("pages")
    pushed = pre_commit_tool.push(work, "origin", "pages")
    assert pushed.returncode != 0 and "site/.env" in pushed.stdout + pushed.stderr, pushed.stdout + pushed.stderr
    assert not on_remote(remote, "refs/heads/pages")


def test_new_branch_from_main_with_a_key_is_blocked(pre_commit_tool: PreCommit, work: GitRepo, leak) -> None:  # type: ignore[no-untyped-def]
    work.write("README.md", "hello\n")
    work.commit("start")
    assert pre_commit_tool.push(work, "-u", "origin", "main").returncode == 0
    work.git("checkout", "-q", "-b", "feature")
    leak(work)
    work.commit("settings")
    pushed = pre_commit_tool.push(work, "origin", "feature")
    assert pushed.returncode != 0 and "openai.project-key" in pushed.stdout + pushed.stderr


@pytest.fixture
def own_hook(remote: Remote, tmp_path: Path, action_runner: ActionRunner) -> GitRepo:
    """A clone of the empty remote whose pre-push hook is byok-ci itself (no pre-commit)."""
    repo = developer(remote, tmp_path / "own")
    hook = repo.path / ".git" / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\nexec '{action_runner.venv_bin / 'byok-ci'}' scan --pre-push --no-color\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    return repo


def test_own_hook_reads_every_ref_being_pushed(pre_commit_tool: PreCommit, own_hook: GitRepo, remote: Remote,  # type: ignore[no-untyped-def]
                                               leak) -> None:
    """git hands the hook every ref of `git push --all` on standard input; pre-commit only
    passes the first one on, byok-ci as the hook itself checks them all."""
    own_hook.write("README.md", "hello\n")
    own_hook.commit("start")
    first = pre_commit_tool.push(own_hook, "-u", "origin", "main")
    assert first.returncode == 0, first.stdout + first.stderr
    for branch in ("a-clean", "b-clean", "c-leaky"):
        own_hook.git("checkout", "-q", "-b", branch, "main")
        own_hook.write(f"{branch}.txt", "work\n")
        if branch == "c-leaky":
            leak(own_hook)
        own_hook.commit(branch)
    pushed = pre_commit_tool.push(own_hook, "origin", "--all")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0 and ".env.production" in output, output
    assert not any(on_remote(remote, f"refs/heads/{b}") for b in ("a-clean", "b-clean", "c-leaky"))
    own_hook.git("checkout", "-q", "main")
    own_hook.git("branch", "-q", "-D", "c-leaky")
    clean = pre_commit_tool.push(own_hook, "origin", "--all")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_own_hook_on_the_first_push_to_an_empty_remote(pre_commit_tool: PreCommit, own_hook: GitRepo,  # type: ignore[no-untyped-def]
                                                        remote: Remote, leak) -> None:
    leak(own_hook)
    own_hook.commit("start")
    pushed = pre_commit_tool.push(own_hook, "-u", "origin", "main")
    assert pushed.returncode != 0 and "openai.project-key" in pushed.stdout + pushed.stderr
    assert not on_remote(remote, "refs/heads/main")


def test_a_tag_pushed_alone_runs_no_pre_commit_hook_but_git_own_hook_checks_it(  # type: ignore[no-untyped-def]
        pre_commit_tool: PreCommit, work: GitRepo, own_hook: GitRepo, remote: Remote, shipped_rules: RuleSet) -> None:
    """pre-commit runs no hook for a push that adds no commit the remote lacks: an annotated
    tag (its message, its name) on a commit already pushed goes out unchecked, as
    docs/git.md says; byok-ci as git's own hook reads the tag's message."""
    key = key_for(shipped_rules, "openai.project-key", random.Random(12))
    work.write("README.md", "hello\n")
    work.commit("start")
    assert pre_commit_tool.push(work, "-u", "origin", "main").returncode == 0
    own_hook.git("fetch", "-q", "origin")
    own_hook.git("reset", "-q", "--hard", "origin/main")
    for repo in (work, own_hook):
        repo.git("tag", "-a", f"v1-{repo.path.name}", "-m", f"release\n\nOPENAI_API_KEY={key}")
    unchecked = pre_commit_tool.push(work, "origin", "v1-work")
    assert unchecked.returncode == 0 and "byok-ci" not in unchecked.stdout + unchecked.stderr
    checked = pre_commit_tool.push(own_hook, "origin", "v1-own")
    output = checked.stdout + checked.stderr
    assert checked.returncode != 0 and "tag message" in output and key not in output, output
    assert not on_remote(remote, "refs/tags/v1-own")

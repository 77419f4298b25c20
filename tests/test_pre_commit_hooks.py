"""The hooks in .pre-commit-hooks.yaml, driven by the real pre-commit tool.

pre-commit pip-installs byok-ci into its own environment. A wheelhouse of byok-ci and its
dependencies is built once per session and pip is pointed at it (PIP_NO_INDEX), and one
snapshot of this checkout serves as the hook repository, so pre-commit builds the hook
environment once per session under one PRE_COMMIT_HOME.
"""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env

pytestmark = pytest.mark.slow  # the real pre-commit installs byok-ci into its own environment

pytest.importorskip("pre_commit")


@dataclass(frozen=True)
class Hooks:
    repo: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory, snapshot: Path, wheelhouse: Path) -> Hooks:
    env = {**git_env(), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse),
           "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT_FROM_REF", None)
    env.pop("PRE_COMMIT_TO_REF", None)
    return Hooks(snapshot, env)


def try_repo(hooks: Hooks, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks.repo), *args],
                          cwd=cwd, capture_output=True, text=True, env=hooks.env)


@pytest.fixture
def work(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "work")
    repo.write("README", "hello\n")
    repo.commit("start")
    return repo


def test_staged_key_fails_and_prints_only_the_redacted_form(
    hooks: Hooks, work: GitRepo, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    work.write("app.py", f'KEY = "{key}"\n')
    work.git("add", "app.py")
    result = try_repo(hooks, work.path, "byok-ci")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "app.py" in output and "openai.project-key" in output and f"…{key[-4:]}" in output
    assert key not in output and key[8:20] not in output


def test_clean_commit_passes_and_unstaged_keys_do_not_block(
    hooks: Hooks, work: GitRepo, shipped_rules: RuleSet, rng: random.Random
) -> None:
    work.write("app.py", "KEY = os.environ['OPENAI_API_KEY']\n")
    work.git("add", "app.py")
    clean = try_repo(hooks, work.path, "byok-ci")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # A key only in the working tree: pre-commit stashes it away, so the commit may go on.
    working_tree = f'KEY = "{key_for(shipped_rules, "groq.api-key", rng)}"\n'
    work.write("app.py", working_tree)
    unstaged = try_repo(hooks, work.path, "byok-ci")
    assert unstaged.returncode == 0, unstaged.stdout + unstaged.stderr
    assert (work.path / "app.py").read_text() == working_tree  # pre-commit put it back


def test_push_hook_scans_the_commits_being_pushed(
    hooks: Hooks, work: GitRepo, shipped_rules: RuleSet, rng: random.Random
) -> None:
    base = work.git("rev-parse", "HEAD")
    work.write("app.py", f'KEY = "{key_for(shipped_rules, "anthropic.api-key", rng)}"\n')
    leaky = work.commit("leak")
    result = try_repo(hooks, work.path, "byok-ci-push", "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", leaky)
    assert result.returncode == 1 and "anthropic.api-key" in result.stdout, result.stdout + result.stderr
    work.write("app.py", "fixed\n")
    fixed = work.commit("fix")
    result = try_repo(hooks, work.path, "byok-ci-push", "--hook-stage", "pre-push", "--from-ref", leaky, "--to-ref", fixed)
    assert result.returncode == 0, result.stdout + result.stderr

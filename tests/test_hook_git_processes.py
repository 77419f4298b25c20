"""The git processes a hook's scan starts (issue 16 §1): each costs 1 to 3 ms of CPU."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo


@pytest.fixture
def pushed(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> tuple[GitRepo, str, str]:
    """A repository whose newest commit (being pushed onto the one before) adds a key."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("README", "hello\n")
    base = repo.commit("clean start")
    repo.write("app.py", f'KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    return repo, base, repo.commit("leak")


def _scan(repo: GitRepo, tmp_path: Path, args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str],
                                                                                      list[str]]:
    """``byok-ci scan ARGS`` in ``repo`` with a ``git`` first on PATH that logs each command it runs."""
    real = shutil.which("git")
    assert real is not None
    wrapper = tmp_path / "bin"
    wrapper.mkdir(exist_ok=True)
    log = tmp_path / "git.log"
    log.write_text("")
    (wrapper / "git").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (wrapper / "git").chmod(0o755)
    done = subprocess.run([sys.executable, "-m", "byok_ci", "scan", "--format", "json", *args], cwd=repo.path,
                          capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV, **env, "PATH": f"{wrapper}{os.pathsep}{os.environ['PATH']}",
                               "BYOK_CI_CACHE_DIR": str(tmp_path / "cache")})
    return done, [line for line in log.read_text().splitlines() if line]


@pytest.mark.skipif(os.name != "posix", reason="a shell script as git")
def test_a_pre_push_names_each_pushed_commit_with_one_git(pushed: tuple[GitRepo, str, str], tmp_path: Path) -> None:
    """pre-commit hands over full shas: each is named and peeled to its commit by one
    `git rev-parse`, not two (8 git processes for a one-commit push before, 6 then, and 7
    since the pushed commits' messages are read by one `git cat-file --batch`)."""
    repo, base, head = pushed
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head,
           "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin"}
    done, gits = _scan(repo, tmp_path, ["--pre-push"], env)
    assert done.returncode == 1, done.stderr
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["commit"] == head and finding["path"] == "app.py"
    assert len([git for git in gits if " rev-parse --verify " in git]) == 2, gits
    assert len(gits) <= 7, gits
    assert len([git for git in gits if git.endswith(" cat-file --batch")]) == 1, gits


@pytest.mark.skipif(os.name != "posix", reason="a shell script as git")
@pytest.mark.parametrize("what", ["tree", "missing"])
def test_a_pushed_sha_that_is_no_commit_is_still_a_clear_error(pushed: tuple[GitRepo, str, str], tmp_path: Path,
                                                               what: str) -> None:
    """The one-git way for full shas falls back to the two-git one, whose messages say what is wrong."""
    repo, base, _ = pushed
    sha = repo.git("rev-parse", "HEAD^{tree}") if what == "tree" else "1" * 40
    env = {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": sha}
    done, _ = _scan(repo, tmp_path, ["--pre-push"], env)
    assert done.returncode == 2, done.stderr
    # (An object that is not here is "a object", as it was before this cut.)
    assert f"'{sha}' names a {'tree' if what == 'tree' else 'object'}, not a commit" in done.stderr


@pytest.mark.skipif(os.name != "posix", reason="a shell script as git")
def test_a_staged_scan_starts_two_gits(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """`scan --staged`: `git rev-parse --is-inside-work-tree` (a bare repository's `git diff
    --cached` says nothing, and inside a .git directory it diffs an index it should not), then
    the one `git diff --cached`."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", f'KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    repo.write("web/client.ts", "export const url = '/api/v1/items';\n")
    repo.git("add", ".")
    done, gits = _scan(repo, tmp_path, ["--staged"], {})
    assert done.returncode == 1, done.stderr
    assert [git.split(" -c ")[-1].split()[1] for git in gits] == ["rev-parse", "diff"], gits

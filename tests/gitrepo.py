"""Real git repositories built in a test's tmp_path."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path


def _empty_global_config() -> str:
    """An empty file of our own as git's global config. Not os.devnull: a git command that
    writes global config replaces the file it names by renaming a lock file over it, and
    as root that turned /dev/null into a regular file for every later process."""
    directory = tempfile.mkdtemp(prefix="byok-ci-tests-git-")
    atexit.register(shutil.rmtree, directory, True)
    path = os.path.join(directory, "gitconfig")
    open(path, "w").close()
    return path


GLOBAL_CONFIG = _empty_global_config()

# Tests must not depend on the machine's git config (signing, hooks, default branch).
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": GLOBAL_CONFIG,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


def git_env() -> dict[str, str]:
    return {**os.environ, **GIT_ENV}


class GitRepo:
    def __init__(self, path: Path, *, init: bool = True) -> None:
        self.path = path
        self._tick = 0
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com", *args],
            cwd=self.path, capture_output=True, text=True, env={**git_env(), **(env or {})},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def write(self, name: str | bytes, text: str | bytes) -> None:
        path = os.path.join(os.fsencode(self.path), os.fsencode(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(text.encode() if isinstance(text, str) else text)

    def commit(self, message: str, *args: str, env: dict[str, str] | None = None) -> str:
        self._tick += 1
        date = f"2024-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, *args,
                 env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, **(env or {})})
        return self.git("rev-parse", "HEAD")


def growing_history(path: Path, new_key: Callable[[], str], commits: int, key_names: int) -> GitRepo:
    """A history of ``commits`` commits over three files that grow (30 more lines a commit),
    each commit adding a key (``new_key()``) under one of ``key_names`` names: commits of
    different costs, for tests that cut a history into parts or runs."""
    repo = GitRepo(path)
    for n in range(commits):
        body = "".join(f"x{n}_{i} = {i}\n" for i in range(30 * (n + 1)))
        repo.write(f"m{n % 3}.py", body + f'K{n % key_names} = "{new_key()}"\n')
        repo.commit(f"commit {n}")
    return repo

"""Push hooks, driven by real `git push`, block a key whose provider context an earlier
commit wrote: byok-ci as git's own pre-push hook, and as a bare repository's
pre-receive hook, where the pushed objects sit in git's quarantine until the hook accepts
them (the whole file is read from there)."""

from __future__ import annotations

import random
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.gitrepo import GitRepo, git_env
from tests.realclient.harness import Remote, developer
from tests.sources.git.test_context_history import CASES, write_context, write_keys

pytestmark = pytest.mark.slow  # real pushes, a hook process per push

BYOK_CI = Path(sys.executable).parent / "byok-ci"


def push(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "push", "origin", *args], cwd=repo.path, capture_output=True, text=True,
                          env={**git_env(), "NO_COLOR": "1"})


def hook(path: Path, command: str) -> None:
    path.write_text(f"#!/bin/sh\nexec '{BYOK_CI}' {command}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def server(tmp_path: Path) -> Remote:
    return Remote(tmp_path / "server.git")


@pytest.fixture
def dev(server: Remote, tmp_path: Path) -> GitRepo:
    """A clone whose main, holding the settings without keys, is on the server already."""
    repo = developer(server, tmp_path / "dev")
    write_context(repo)
    assert push(repo, "-u", "main").returncode == 0
    return repo


def expected_lines(output: str, grouped: bool = False) -> None:
    """Each key reported at its file and line (the text report groups findings by file)."""
    for case in CASES:
        shown = rf"{re.escape(case.path)}\n\s+{case.line}:\d+\s+error\s+" if grouped else rf"{re.escape(case.path)}:{case.line}: "
        assert re.search(shown + re.escape(case.rule), output), output


def test_the_pre_push_hook_blocks_a_key_under_context_pushed_before(dev: GitRepo, server: Remote,
                                                                    shipped_rules: RuleSet) -> None:
    hook(dev.path / ".git" / "hooks" / "pre-push", "scan --pre-push --no-color")
    keys = write_keys(dev, shipped_rules, random.Random(8))
    dev.commit("the keys")
    before = server.sha("main")
    done = push(dev, "main")
    assert done.returncode != 0
    expected_lines(done.stdout + done.stderr, grouped=True)
    assert server.sha("main") == before
    assert not any(key in done.stdout + done.stderr for key in keys.values())


def test_the_pre_receive_hook_reads_the_whole_file_from_the_quarantine(dev: GitRepo, server: Remote,
                                                                        shipped_rules: RuleSet) -> None:
    hook(server.path / "hooks" / "pre-receive", "hook pre-receive")
    keys = write_keys(dev, shipped_rules, random.Random(9))
    dev.commit("the keys")
    before = server.sha("main")
    done = push(dev, "main")
    assert done.returncode != 0
    assert "(pre-receive hook declined)" in done.stderr
    expected_lines(done.stderr)
    assert "could not read" not in done.stderr  # the new blobs were read from the quarantine
    assert server.sha("main") == before
    assert not any(key in done.stdout + done.stderr for key in keys.values())

"""Push hooks, driven by real `git push`, block a key whose provider context a LATER commit
writes: the keys are on the server already (no rule could call them a provider's), and the
pushed commit writes only their context. byok-ci as git's own pre-push hook, and as a bare
repository's pre-receive hook (the pushed file read whole from git's quarantine)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.gitrepo import GitRepo
from tests.realclient.harness import Remote, developer
from tests.realclient.test_context_pushes import hook, push
from tests.sources.git.test_context_written_later import CASES, write_context, write_keys

pytestmark = pytest.mark.slow  # real pushes, a hook process per push


@pytest.fixture
def server(tmp_path: Path) -> Remote:
    return Remote(tmp_path / "server.git")


@pytest.fixture
def dev(server: Remote, tmp_path: Path, shipped_rules: RuleSet) -> tuple[GitRepo, dict[str, str]]:
    """A clone whose main, holding the keys with no context, is on the server already."""
    repo = developer(server, tmp_path / "dev")
    _, keys = write_keys(repo, shipped_rules, random.Random(11))
    assert push(repo, "-u", "main").returncode == 0
    return repo, keys


def expected_lines(output: str, grouped: bool = False) -> None:
    for case in CASES:
        shown = rf"{re.escape(case.path)}\n\s+{case.line}:\d+\s+error\s+" if grouped else rf"{re.escape(case.path)}:{case.line}: "
        assert re.search(shown + re.escape(case.rule), output), output


def test_the_pre_push_hook_blocks_context_written_over_keys_pushed_before(dev: tuple[GitRepo, dict[str, str]],
                                                                         server: Remote) -> None:
    repo, keys = dev
    hook(repo.path / ".git" / "hooks" / "pre-push", "scan --pre-push --no-color")
    write_context(repo, keys)
    repo.commit("the context")
    before = server.sha("main")
    done = push(repo, "main")
    assert done.returncode != 0
    expected_lines(done.stdout + done.stderr, grouped=True)
    assert server.sha("main") == before
    assert not any(key in done.stdout + done.stderr for key in keys.values())


def test_the_pre_receive_hook_blocks_it_reading_the_file_from_the_quarantine(dev: tuple[GitRepo, dict[str, str]],
                                                                              server: Remote) -> None:
    repo, keys = dev
    hook(server.path / "hooks" / "pre-receive", "hook pre-receive")
    write_context(repo, keys)
    repo.commit("the context")
    before = server.sha("main")
    done = push(repo, "main")
    assert done.returncode != 0
    assert "(pre-receive hook declined)" in done.stderr
    expected_lines(done.stderr)
    assert "could not read" not in done.stderr  # the new blobs were read from the quarantine
    assert server.sha("main") == before
    assert not any(key in done.stdout + done.stderr for key in keys.values())


def test_the_pre_receive_hook_blocks_a_rename_to_a_path_naming_the_provider(dev: tuple[GitRepo, dict[str, str]],
                                                                           server: Remote) -> None:
    """A pure rename: no blob id in git's patch, the version asked of git by commit and path."""
    repo, keys = dev
    hook(server.path / "hooks" / "pre-receive", "hook pre-receive")
    repo.git("mv", "settings.ini", "pinecone.ini")
    repo.commit("the file renamed")
    done = push(repo, "main")
    assert done.returncode != 0
    assert re.search(r"pinecone\.ini:3: pinecone\.legacy-key", done.stderr), done.stderr
    assert "could not read" not in done.stderr

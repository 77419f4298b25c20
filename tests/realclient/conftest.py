from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import git_env
from tests.realclient.harness import PreCommit


@pytest.fixture(scope="session")
def pre_commit_tool(tmp_path_factory: pytest.TempPathFactory, snapshot: Path, wheelhouse: Path) -> PreCommit:
    """The real pre-commit; its hook environment installs byok-ci from the wheelhouse (no
    index) and is built once per session under one PRE_COMMIT_HOME."""
    pytest.importorskip("pre_commit")
    env = {**git_env(), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "NO_COLOR": "1",
           "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    for name in list(env):
        if name.startswith("PRE_COMMIT_") and name != "PRE_COMMIT_HOME":
            del env[name]
    return PreCommit(snapshot, env)

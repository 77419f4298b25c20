from __future__ import annotations

import importlib.util

import pytest

from tests.gitrepo import GIT_ENV


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """byok-ci's own git processes must not read the machine's git config either."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=["hyperscan", "python"])
def prefilter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each prefilter a git scan can run with, which must find the same keys: Hyperscan's
    screen where its wheel is installed, and the pure-Python path (``BYOK_CI_PREFILTER=python``,
    as on a platform with no wheel), which screens no patch and knows no file's lineage."""
    if request.param == "python":
        monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    elif importlib.util.find_spec("hyperscan") is None:
        pytest.skip("no hyperscan wheel here: the python prefilter's run is the one that counts")
    else:
        monkeypatch.delenv("BYOK_CI_PREFILTER", raising=False)
    return str(request.param)

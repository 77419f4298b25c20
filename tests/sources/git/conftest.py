from __future__ import annotations

import pytest

from tests.gitrepo import GIT_ENV


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """byok-ci's own git processes must not read the machine's git config either."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)

from __future__ import annotations

import os
import random
import shutil
import socket
import stat
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from byok_ci.keygen import generate_key
from byok_ci.rules import RuleSet, load_rules

REPO = Path(__file__).resolve().parent.parent


# Fixtures that install byok-ci the way users do (a snapshot of the checkout, wheels of it):
# every test using them runs a real tool (pre-commit, the Action's venv) and is `slow`.
_INSTALLS = {"snapshot", "wheelhouse", "action_runner", "pre_commit_tool"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from tests.platforms.skips import MACOS, WINDOWS, reason_to_skip

    # The variable lets tests/test_tests_workflow.py see the tables applied on Linux.
    platform = os.environ.get("BYOK_CI_TESTS_SKIP_AS", sys.platform)
    table = WINDOWS if platform == "win32" else MACOS if platform == "darwin" else {}
    for item in items:
        if _INSTALLS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        reason = reason_to_skip(item.nodeid, table) if table else None
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"not on {platform}: {reason}"))


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach beyond 127.0.0.1 / ::1 (provider APIs are never called from tests)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                raise RuntimeError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _not_under_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide for themselves whether they run "under GitHub Actions"."""
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _shared_files_stay_intact(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that turns /dev/null into a regular file (as root, a rename over it does) breaks
    every later test that uses it: restore it and fail the test that did it, by name. The
    tests' own global git config must stay empty too (a git command that wrote it would
    otherwise change what the next tests see: it is emptied, with a warning)."""
    yield
    from tests.gitrepo import GLOBAL_CONFIG

    problems = []
    if os.name == "posix" and not stat.S_ISCHR(os.stat(os.devnull).st_mode):
        if os.geteuid() == 0:
            os.remove(os.devnull)
            os.mknod(os.devnull, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.chmod(os.devnull, 0o666)
        problems.append(f"{os.devnull} is no longer a device")
    if os.path.getsize(GLOBAL_CONFIG):
        # Harmless now that it is our own file; said so the next tests start from empty again.
        written = Path(GLOBAL_CONFIG).read_text(errors="replace")[:200]
        open(GLOBAL_CONFIG, "w").close()
        warnings.warn(f"{request.node.nodeid}: git wrote the tests' global config: {written!r}", stacklevel=1)
    if problems:
        pytest.fail(f"{request.node.nodeid}: " + "; ".join(problems))


@pytest.fixture(scope="session")
def shipped_rules() -> RuleSet:
    return load_rules()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


def key_for(ruleset: RuleSet, rule_id: str, rng: random.Random) -> str:
    rule = ruleset.get(rule_id)
    assert rule is not None, rule_id
    return generate_key(rule, rng)


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this checkout (uncommitted edits included), for tools that
    install byok-ci the way users do (pre-commit, the Action)."""
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path_factory.mktemp("byok-ci-snapshot"))
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            target = repo.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    repo.commit("snapshot of the checkout under test")
    return repo.path


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory, snapshot: Path) -> Path:
    """Wheels of byok-ci and its dependencies, built once, so installs need no index."""
    house = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(house), str(snapshot), "hatchling"],
                   check=True, capture_output=True)
    return house


@pytest.fixture(scope="session")
def action_runner(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, snapshot: Path):  # type: ignore[no-untyped-def]
    """action.yml's install step, run once per session into a virtual environment of its own."""
    from tests.realclient.harness import ActionRunner

    return ActionRunner.install(tmp_path_factory.mktemp("runner") / "venv", snapshot, wheelhouse)

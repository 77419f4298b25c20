"""The project's own test workflow (.github/workflows/tests.yml): valid for GitHub, a matrix
of the three OSes and the Python versions pyproject.toml supports, running README's quick
start as it stands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.platforms.skips import MACOS, WINDOWS
from tests.test_readme import quick_start

WORKFLOW = REPO / ".github" / "workflows" / "tests.yml"
SPEC = yaml.safe_load(WORKFLOW.read_text())
BIN = Path(sys.executable).parent
OSES = {"ubuntu-latest", "macos-latest", "windows-latest"}


def test_the_workflow_validates_against_githubs_schema() -> None:
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _supported_pythons() -> set[str]:
    text = (REPO / "pyproject.toml").read_text()
    oldest = re.search(r'requires-python = ">=3\.(\d+)"', text)
    assert oldest
    return {f"3.{oldest.group(1)}", "3.12"}


def test_the_tests_run_on_every_os_and_supported_python() -> None:
    matrix = SPEC["jobs"]["tests"]["strategy"]["matrix"]
    assert set(matrix["os"]) == OSES and set(matrix["python"]) == _supported_pythons()
    assert SPEC["jobs"]["tests"]["strategy"]["fail-fast"] is False
    assert set(SPEC["jobs"]["quick-start"]["strategy"]["matrix"]["os"]) == OSES


def test_each_job_runs_readmes_quick_start_as_it_stands() -> None:
    install_and_scan, install_and_test = quick_start()
    runs = {name: [step["run"] for step in job["steps"] if "run" in step] for name, job in SPEC["jobs"].items()}
    assert runs["tests"][-1] == install_and_test
    assert runs["quick-start"] == [install_and_scan]
    for job in SPEC["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", "")
            if "run" in step and step["run"] in (install_and_scan, install_and_test):
                assert step["shell"] == "bash"  # the same command line on Windows


def test_every_skip_names_a_test_that_exists() -> None:
    for key in [*WINDOWS, *MACOS]:
        module, _, name = key.partition("::")
        path = REPO / module
        assert path.exists(), key
        if name:
            assert re.search(rf"^def {re.escape(name)}\(", path.read_text(), re.M), key


def test_skip_reasons_match_modules_directories_and_parametrized_tests() -> None:
    from tests.platforms.skips import reason_to_skip

    table = {"tests/realclient": "bash", "tests/a.py": "module", "tests/b.py::test_x": "one"}
    assert reason_to_skip("tests/realclient/test_pre_push.py::test_y[1]", table) == "bash"
    assert reason_to_skip("tests/a.py::test_z", table) == "module"
    assert reason_to_skip("tests/b.py::test_x[crlf-2]", table) == "one"
    assert reason_to_skip("tests/b.py::test_xy", table) is None
    assert reason_to_skip("tests/a.pyc::test_z", table) is None


def test_the_suite_skips_them_when_it_runs_on_that_os() -> None:
    args = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/test_huge_yaml.py",
            "tests/sources/test_files.py::test_symlinks_are_not_followed_in_walks"]
    for platform, reason in (("darwin", "macOS does not enforce RLIMIT_AS"), ("win32", "makes symlinks")):
        done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "BYOK_CI_TESTS_SKIP_AS": platform})
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"not on {platform}: {reason}" in done.stdout
        assert (" passed" in done.stdout) == (platform == "darwin")  # the symlink test runs on macOS

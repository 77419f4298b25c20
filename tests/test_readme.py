"""README's quick start and .ci/run agree; the repository passes its own scanner."""

from __future__ import annotations

import re
import subprocess

from byok_ci.scan import scan_paths
from tests.conftest import REPO


def quick_start() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(r"## Quick start\n.*?```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert block, "README must open with a Quick start code block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_has_two_commands() -> None:
    install_and_scan, install_and_test = quick_start()
    assert "byok-ci scan" in install_and_scan and "pip install" in install_and_scan
    assert "pytest" in install_and_test and "[test]" in install_and_test


def test_ci_runs_exactly_readmes_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert quick_start()[1] in ci


def test_repository_passes_its_own_scanner() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    files = [str(REPO / f) for f in tracked if (REPO / f).is_file()]
    report = scan_paths(files, root=REPO)
    assert [(f.path, f.line, f.rule_id) for f in report.findings] == []

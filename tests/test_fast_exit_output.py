"""`byok-ci scan` ends with os._exit (byok_ci._startup): every report format, large, on a
pipe read to its end or closed early, and the --output file, are the same as the usual exit
gives, with the same exit code (review-3: nothing found lost)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.test_hook_imports import _EXIT_PROBE


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_large_reports_on_a_pipe_are_whole_with_the_fast_exit(tmp_path: Path, shipped_rules: RuleSet,
                                                               rng: random.Random, fmt: str) -> None:
    lines = [f"OPENAI_API_KEY_{n} = '{key_for(shipped_rules, 'openai.project-key', rng)}'" for n in range(400)]
    (tmp_path / "app.py").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def run(argv0: str, *args: str, closed_early: bool = False) -> tuple[int, bytes, str]:
        command = [sys.executable, "-c", _EXIT_PROBE, argv0, "scan", "--format", fmt, *args, "app.py"]
        if not closed_early:
            done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True)
            return done.returncode, done.stdout, done.stderr.decode()
        with subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            head = proc.stdout.read(100)
            proc.stdout.close()
            err = proc.stderr.read().decode()
            return proc.wait(), head, err

    fast = run("/venv/bin/byok-ci")
    usual = run("/usr/bin/python3")
    assert "torn down" not in fast[2] and "torn down" in usual[2]  # each path really taken
    assert fast[0] == usual[0] == 1
    assert len(fast[1]) > 100_000 and fast[1].count(b"openai.project-key") == usual[1].count(b"openai.project-key") >= 400
    closed_fast, closed_usual = run("/venv/bin/byok-ci", closed_early=True), run("/usr/bin/python3", closed_early=True)
    assert closed_fast[0] == closed_usual[0] and len(closed_fast[1]) == len(closed_usual[1]) == 100  # (times differ)
    out = tmp_path / f"report.{fmt}"
    written = run("/venv/bin/byok-ci", "--output", str(out))
    assert written[0] == 1 and "torn down" not in written[2]
    assert out.read_bytes().count(b"openai.project-key") == usual[1].count(b"openai.project-key")


_WORKERS_PROBE = """
import os, sys
sys.argv = [sys.argv[1], *sys.argv[2:]]
parent, real_exit = os.getpid(), os._exit


def children():
    found = 0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                found += entry.isdigit() and handle.read().rsplit(")", 1)[1].split()[1] == str(parent)
        except OSError:
            pass
    return found


def exit_counting_children(code):
    if os.getpid() == parent:
        sys.stderr.write(f"children left: {children()}\\n")
        sys.stderr.flush()
    real_exit(code)


os._exit = exit_counting_children
import byok_ci.scan
byok_ci.scan.PARALLEL_MIN_BYTES = {"python": 0, "hyperscan": 0}
byok_ci.scan.BATCH_FILES = 3
from byok_ci.cli import main
main()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_scan_in_workers_ends_fast_with_every_worker_reaped_and_its_report_whole(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """The fast exit applies to a scan that forked workers (they are not multiprocessing's):
    every worker is waited for before it, and the report holds every batch's findings, as
    a scan with no workers gives them."""
    for n in range(40):
        key = key_for(shipped_rules, "openai.project-key", rng) if n % 3 == 0 else "none"
        (tmp_path / f"f{n:02}.py").write_text(f"x = 1\nOPENAI_API_KEY = '{key}'\n")
    env = {**os.environ, "BYOK_CI_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def run(jobs: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-c", _WORKERS_PROBE, "/venv/bin/byok-ci", "scan", "--format", "json",
                               "-j", jobs, "."], cwd=tmp_path, env=env, capture_output=True)

    alone, shared = run("1"), run("2")
    assert alone.returncode == shared.returncode == 1
    assert b"children left: 0" in shared.stderr, shared.stderr  # the fast exit, taken with no worker left
    findings = [json.loads(done.stdout)["findings"] for done in (alone, shared)]
    assert findings[0] == findings[1] and len(findings[0]) == 14

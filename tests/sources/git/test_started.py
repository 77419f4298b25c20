"""A history's git started before detection loads (issue 16 §3): the same report, and no
git left running when no one reads it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources.git.commits import start_history
from byok_ci.sources.git.process import drained
from tests.conftest import key_for
from tests.gitrepo import GitRepo


def _history(path: Path, shipped_rules: RuleSet, rng: random.Random) -> GitRepo:
    repo = GitRepo(path)
    for n in range(6):
        repo.write(f"f{n}.py", f'K = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
        repo.commit(f"commit {n}")
        if n == 2:
            repo.git("checkout", "-q", "-b", "topic")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "topic")
    repo.git("rm", "-q", "f0.py")
    repo.commit("a deletion")
    return repo


@pytest.mark.parametrize("jobs", [1, 3])
def test_a_started_history_reports_what_a_history_scan_reports(tmp_path: Path, shipped_rules: RuleSet,
                                                              rng: random.Random, jobs: int) -> None:
    repo = _history(tmp_path, shipped_rules, rng)
    settings = Settings(jobs=jobs)
    plain = scan_git(GitTarget("history"), rules=shipped_rules, settings=settings, cwd=str(repo.path))
    started = start_history((), settings.max_file_size, jobs, cwd=str(repo.path))
    assert started is not None and len(started.started or ()) == jobs
    early = scan_git(GitTarget("history"), rules=shipped_rules, settings=settings, cwd=str(repo.path),
                     started=started)
    assert len(plain.findings) == 6 and early.findings == plain.findings
    assert early.stats.commits == plain.stats.commits == 8


def _git_children() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/comm", "rb") as comm:
                name = comm.read().strip()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and name == b"git":
            found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_a_started_git_no_one_reads_is_stopped(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = _history(tmp_path, shipped_rules, rng)
    before = _git_children()
    started = start_history((), Settings().max_file_size, 2, cwd=str(repo.path))
    assert started is not None
    # A shard's scan cannot use a whole history's git: refused, and that git stopped.
    with pytest.raises(ValueError, match="whole history"):
        scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(repo.path), state=tmp_path / "state.json",
                 started=started)
    assert _git_children() == before


def test_a_history_outside_a_repository_is_not_started(tmp_path: Path) -> None:
    assert start_history((), Settings().max_file_size, cwd=str(tmp_path)) is None


def test_what_a_process_writes_is_drained_while_no_one_reads(tmp_path: Path) -> None:
    # More than any pipe holds: the writer ends before the reader takes anything.
    size = 8 << 20
    proc = subprocess.Popen([sys.executable, "-c", f"import sys; sys.stdout.buffer.write(b'x' * {size})"],
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None
    held = drained(proc.stdout, 1 << 16)
    assert proc.wait(timeout=60) == 0
    assert sum(len(block) for block in held) == size
    proc.stdout.close()

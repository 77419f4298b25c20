"""Faults while reporting: a full disk, a closed pipe, Ctrl-C. Real processes, real signals."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.exitcodes import CLOSED_PIPE
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.procs import slow_tree, wait_until_reading

# File size limits (SIGXFSZ), closed pipes (SIGPIPE) and Ctrl-C by signal are POSIX.
resource = pytest.importorskip("resource", reason="POSIX resource limits and signals")


@pytest.fixture
def many_leaks(tmp_path: Path, shipped_rules: RuleSet) -> Path:
    rng = random.Random(5)
    for n in range(40):
        (tmp_path / f"f{n:02d}.py").write_text(f'KEY = "{key_for(shipped_rules, "groq.api-key", rng)}"\n')
    return tmp_path


def _small_files_only(limit: int):  # type: ignore[no-untyped-def]
    def setup() -> None:
        # A full disk, as far as this process can tell: writes past `limit` bytes fail with
        # EFBIG instead of the process being killed by SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


def byok(args: list[str], cwd: Path, limit: int | None = None, **kw):  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "byok_ci", *args], cwd=cwd, capture_output=True, text=True,
                          preexec_fn=_small_files_only(limit) if limit else None,
                          env={**os.environ, "NO_COLOR": "1"}, **kw)


def test_a_report_file_on_a_full_disk(many_leaks: Path) -> None:
    done = byok(["scan", ".", "--json", "r.json", "--junit", "r.xml", "-q"], many_leaks, limit=4096)
    assert done.returncode == 1, done.stderr
    assert "byok-ci: error: r.json: cannot write json report: file too large" in done.stderr
    assert "Traceback" not in done.stderr and "groq.api-key" in done.stdout
    assert not (many_leaks / "r.json").exists() and not list(many_leaks.glob(".byok-ci-*"))


def test_standard_output_on_a_full_disk(many_leaks: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`byok-ci scan > file` on a full disk: a clear error and the exit code still says leaks."""
    out = tmp_path_factory.mktemp("out") / "stdout.txt"
    with open(out, "w") as handle:
        done = subprocess.run([sys.executable, "-m", "byok_ci", "scan", ".", "--format", "json", "--junit", "r.xml"],
                              cwd=many_leaks, stdout=handle, stderr=subprocess.PIPE, text=True,
                              preexec_fn=_small_files_only(4096), env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1, done.stderr
    assert "byok-ci: error: <stdout>: cannot write json report: file too large" in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert out.stat().st_size <= 4096


@pytest.fixture
def lots_of_leaks(many_leaks: Path, shipped_rules: RuleSet) -> Path:
    """Far more output than a pipe buffers, so writes fail once the reader is gone."""
    rng = random.Random(6)
    (many_leaks / "lots.env").write_text(
        "".join(f"K{n}={key_for(shipped_rules, 'groq.api-key', rng)}\n" for n in range(3000)))
    return many_leaks


@pytest.mark.parametrize("command", ["scan . --format text", "scan . --format json", "scan . --format sarif",
                                     "check --run scan --paths . --annotate"])
def test_a_closed_pipe_keeps_the_exit_code_and_prints_no_traceback(lots_of_leaks: Path, command: str) -> None:
    """`byok-ci scan | head -1`: the reader went away; the scan's result (leaks: 1) still decides."""
    done = subprocess.run(f"{sys.executable} -m byok_ci {command} | head -1; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", cwd=lots_of_leaks, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("\n") == 1
    assert done.stderr == ""


def _read_a_line_then_close(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run byok-ci with its standard output on a real pipe; read one line and close the pipe."""
    proc = subprocess.Popen([sys.executable, "-m", "byok_ci", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    return proc.wait(timeout=120), first, err


def test_rules_list_into_a_closed_pipe(tmp_path: Path) -> None:
    """`byok-ci rules list | head -1` used to end in "internal error" and exit 3; cut short, it
    exits 141 (128 + SIGPIPE) as git does."""
    lines = ["provider: acme", "name: Acme", "rules:"]
    for n in range(900):  # ~100 kB of listing: more than a pipe holds
        lines += [f"  - id: acme.key-{n:04d}", f"    description: Acme internal key {n} of a rule set that fills a pipe",
                  f"    keywords: ['acme{n:04d}_']", f"    pattern: 'acme{n:04d}_[A-Za-z0-9]{{32}}'",
                  f"    format: ['acme{n:04d}_', {{alnum: 32}}]"]
    (tmp_path / "acme.yaml").write_text("\n".join(lines) + "\n")
    code, first, err = _read_a_line_then_close(["rules", "list", "--rules", str(tmp_path / "acme.yaml")], tmp_path)
    assert (code, err) == (CLOSED_PIPE, "")
    assert first.strip()


def test_scan_json_into_a_closed_pipe_leaves_complete_report_files(lots_of_leaks: Path) -> None:
    code, first, err = _read_a_line_then_close(
        ["scan", ".", "--format", "json", "--sarif", "r.sarif", "--junit", "r.xml"], lots_of_leaks)
    assert (code, err) == (1, "")
    assert first.strip() == "{"
    sarif = json.loads((lots_of_leaks / "r.sarif").read_text())  # whole, not cut
    assert len(sarif["runs"][0]["results"]) == 3040
    assert (lots_of_leaks / "r.xml").read_text().rstrip().endswith("</testsuites>")
    assert not list(lots_of_leaks.glob(".byok-ci-*"))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_mid_scan_leaves_no_report(many_leaks: Path, jobs: str) -> None:
    slow_tree(many_leaks)
    proc = subprocess.Popen(
        [sys.executable, "-m", "byok_ci", "scan", ".", "--jobs", jobs, "--json", "r.json", "--sarif", "r.sarif"],
        cwd=many_leaks, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BYOK_CI_PREFILTER": "python"},
    )
    wait_until_reading(proc.pid, many_leaks / "big")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    if proc.returncode in (0, 1):
        pytest.skip("the scan finished before the signal arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "byok-ci: interrupted; no report was completed"
    assert "Traceback" not in err and out == ""
    assert not (many_leaks / "r.json").exists() and not (many_leaks / "r.sarif").exists()
    assert not list(many_leaks.glob(".byok-ci-*"))

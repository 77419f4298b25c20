"""Report files: written whole or not at all, and never in place of what is not a regular file.

`--output /dev/null` used to be replaced by a regular file (a temporary file renamed over it):
as root that destroyed /dev/null. These tests make their own FIFO, symlink and device in
tmp_path; none touches the real /dev/null.
"""

from __future__ import annotations

import json
import os
import random
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.conftest import key_for


@pytest.fixture
def leaky(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text(f'KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    return tree


def scan_to(tree: Path, target: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["scan", str(tree), "--format", "json", "--output", str(target)],
                              catch_exceptions=False)


def partials(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.glob(".byok-ci-*")]


def test_a_symlink_stays_a_symlink_and_its_target_gets_the_report(tmp_path: Path, leaky: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "scan.json").write_text("old\n")
    link = tmp_path / "latest.json"
    link.symlink_to(reports / "scan.json")
    result = scan_to(leaky, link)
    assert result.exit_code == 1, result.output
    assert link.is_symlink() and os.readlink(link) == str(reports / "scan.json")
    assert [f["rule_id"] for f in json.loads((reports / "scan.json").read_text())["findings"]] == ["openai.project-key"]
    assert partials(tmp_path, reports) == []


def test_a_dangling_symlink_gets_its_target_made(tmp_path: Path, leaky: Path) -> None:
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "new.json")
    assert scan_to(leaky, link).exit_code == 1
    assert link.is_symlink() and json.loads((tmp_path / "new.json").read_text())["command"] == "scan"


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path, leaky: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = scan_to(leaky, fifo)
    reader.join(timeout=20)
    assert not reader.is_alive(), "the report never reached the FIFO's reader"
    assert result.exit_code == 1, result.output
    assert json.loads(received[0])["findings"][0]["rule_id"] == "openai.project-key"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert partials(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_written_through_and_stays_a_device(tmp_path: Path, leaky: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device, under another name
    result = scan_to(leaky, null)
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert partials(tmp_path) == []
    # The report reached the device (unless this file system refuses device nodes: then it
    # says so, and the run is not clean either way).
    assert result.exit_code == 1, result.output
    assert "cannot write" not in result.stderr or "permission denied" in result.stderr


@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_symlink_committed_to_the_checkout_is_not_written_through(tmp_path: Path, where: str) -> None:
    """The CI templates write reports into the checkout (`byok-ci-junit.xml`,
    `gl-secret-detection-report.json`): a commit that puts a symbolic link there must not
    make byok-ci overwrite (or create) a file of its choosing outside it."""
    from tests.gitrepo import GitRepo
    from tests.test_no_leak import run_in

    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "profile").write_text("precious\n")
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.txt", "a\n")
    if where == "file":
        (repo.path / "report.xml").symlink_to(victim / "profile")
        (repo.path / "made.xml").symlink_to(victim / "new")  # dangling: its target would be made
        targets = ["report.xml", "made.xml"]
    else:
        (repo.path / "reports").symlink_to(victim)
        targets = ["reports/profile", "reports/new"]
    repo.commit("links")
    result = run_in(repo.path, ["scan", ".", "--junit", targets[0], "--json", targets[1]])
    assert (victim / "profile").read_text() == "precious\n"
    assert not (victim / "new").exists()
    assert result.exit_code == 2, result.output
    assert "symbolic link" in result.stderr and "tracked by git" in result.stderr


def test_a_symlink_the_user_made_is_still_written_through(tmp_path: Path, leaky: Path) -> None:
    """Untracked links (a user's own `latest.json`) keep the documented behaviour, in a repository too."""
    from tests.gitrepo import GitRepo

    repo = GitRepo(tmp_path / "repo")
    (tmp_path / "out.json").write_text("old\n")
    (repo.path / "latest.json").symlink_to(tmp_path / "out.json")
    assert scan_to(leaky, repo.path / "latest.json").exit_code == 1
    assert json.loads((tmp_path / "out.json").read_text())["command"] == "scan"


def test_a_report_file_is_made_without_tempfile_and_only_its_owner_reads_it(tmp_path: Path, leaky: Path) -> None:
    """The partial report is made as ``tempfile.mkstemp`` made it (owner-only, created anew,
    never through a link), without importing tempfile, shutil and random, nor subprocess for
    a path without links: 10-20 ms at the end of every scan with ``--output``."""
    import subprocess
    import sys

    probe = ("import sys\nfrom byok_ci.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    target = tmp_path / "out" / "scan.json"
    target.parent.mkdir()
    done = subprocess.run([sys.executable, "-c", probe, "scan", str(leaky), "--format", "json", "--output", str(target)],
                          capture_output=True, text=True, check=False)
    loaded = set(next(line for line in done.stderr.splitlines() if line.startswith("MODULES ")).split()[1:])
    assert sorted({"tempfile", "shutil", "random", "subprocess"} & loaded) == []
    assert json.loads(target.read_text())["findings"][0]["rule_id"] == "openai.project-key"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert partials(target.parent) == []


def test_a_partial_name_taken_is_not_written_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name already taken (by a file, or a link planted there) is passed over for another."""
    from byok_ci.report import output

    draws = iter([b"\x00" * 6, b"\x01" * 6])
    monkeypatch.setattr(output.os, "urandom", lambda n: next(draws))
    (tmp_path / "elsewhere").write_text("precious\n")
    (tmp_path / f".byok-ci-{'00' * 6}.partial").symlink_to(tmp_path / "elsewhere")
    fd, partial = output._new_partial(str(tmp_path))
    os.close(fd)
    assert partial == str(tmp_path / f".byok-ci-{'01' * 6}.partial")
    assert (tmp_path / "elsewhere").read_text() == "precious\n"

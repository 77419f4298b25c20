"""Content git would hide from a scan: blobs it will not diff for their size, and commits
swapped by `git replace` or grafts. Each is read, or reported; never skipped in silence."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.config import Settings
from byok_ci.rules import RuleSet, load_rules
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources.git import process
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random):  # type: ignore[no-untyped-def]
    return lambda rule="groq.api-key": key_for(shipped_rules, rule, rng)


def cli(cwd: Path, *args: str):  # type: ignore[no-untyped-def]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), env={**GIT_ENV, "NO_COLOR": None})
    finally:
        os.chdir(old)


def big_file_repo(path: Path, key: str, *, stage_only: bool = False) -> GitRepo:
    """A 5 kB text file with a key on its last line, in a repository whose config makes git
    call anything over 1 kB binary (as a checkout's config may)."""
    repo = GitRepo(path)
    repo.commit("start")
    repo.git("config", "core.bigFileThreshold", "1k")
    repo.write("data/big.txt", "x" * 5000 + f"\nGROQ_API_KEY={key}\n")
    if stage_only:
        repo.git("add", "-A")
    else:
        repo.commit("big file")
    return repo


@pytest.mark.parametrize("mode", [["--history"], ["--since", "HEAD~1"], ["--staged"]], ids=" ".join)
@pytest.mark.parametrize("size", [[], ["--max-file-size", "1GB"]], ids=["default-size", "1GB"])
def test_a_blob_over_gits_big_file_threshold_is_read(tmp_path: Path, keys, mode: list[str], size: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Security round 2, item 6: git treated it as binary and byok-ci skipped it silently."""
    big_file_repo(tmp_path, keys(), stage_only=mode == ["--staged"])
    result = cli(tmp_path, "scan", *mode, *size, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [(f["path"], f["line"]) for f in data["findings"]] == [("data/big.txt", 2)]


@pytest.mark.parametrize("mode", ["history", "staged"])
def test_a_blob_git_will_not_diff_is_an_error(tmp_path: Path, keys, mode: str,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Over git's threshold and over --max-file-size: one error naming it, not a silent skip.
    (The 512 MiB default is lowered so the test stays small.)"""
    monkeypatch.setattr(process, "DEFAULT_BIG_FILE_THRESHOLD", 1024)
    big_file_repo(tmp_path, keys(), stage_only=mode == "staged")
    report = scan_git(GitTarget(mode), rules=load_rules(), settings=Settings(max_file_size=2048), cwd=str(tmp_path))
    assert report.findings == ()
    (error,) = report.errors
    assert error.path.split("@")[0] == "data/big.txt" and "over the maximum file size 2,048" in error.message
    assert report.stats.skipped_large == 1 and report.stats.skipped_binary == 0


def test_a_real_binary_is_still_skipped_quietly(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    repo.write("logo.png", b"\x89PNG\r\n\x1a\n\0\0" + bytes(range(256)) * 8)
    repo.commit("logo")
    report = scan_git(GitTarget("history"), rules=load_rules(), cwd=str(tmp_path))
    assert report.errors == () and report.stats.skipped_binary == 1


def test_replace_refs_do_not_hide_the_commit_with_the_key(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    """Security round 2, item 7: `git replace` swaps the leaking commit for a clean one."""
    repo = GitRepo(tmp_path)
    repo.commit("start")
    repo.write("app.env", f"K={keys()}\n")
    leaking = repo.commit("leak")
    repo.write("app.env", "K=from-the-vault\n")
    repo.commit("fix")
    # A clean stand-in with the same parent, then `git replace` the leaking commit by it.
    repo.git("checkout", "-q", "--detach", "HEAD~2")
    repo.write("app.env", "K=nothing-here\n")
    clean = repo.commit("innocent")
    repo.git("checkout", "-q", "main")
    repo.git("replace", leaking, clean)
    assert "nothing-here" in repo.git("show", f"{leaking}:app.env")  # what git shows now
    for args in (["--history"], ["--since", "HEAD~2"], ["--range", "HEAD~2..HEAD"]):
        result = cli(tmp_path, "scan", *args, "--format", "json")
        assert result.exit_code == 1, (args, result.output)
        assert [f["commit"] for f in json.loads(result.stdout)["findings"]] == [leaking], args
        assert "replace" in result.stderr  # says what it ignored


def test_grafts_do_not_hide_the_commit_with_the_key(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    """A grafts file that cuts the history above the leaking commit."""
    repo = GitRepo(tmp_path)
    repo.write("app.env", f"K={keys()}\n")
    leaking = repo.commit("leak")
    repo.write("app.env", "K=from-the-vault\n")
    fixed = repo.commit("fix")
    repo.write("README", "hello\n")
    repo.commit("more")
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "grafts").write_text(f"{fixed}\n")  # "fix" now has no parent
    assert repo.git("rev-list", "--count", "HEAD") == "2"
    result = cli(tmp_path, "scan", "--history", "--format", "json")
    assert result.exit_code == 1, result.output
    assert [f["commit"] for f in json.loads(result.stdout)["findings"]] == [leaking]
    assert "grafts" in result.stderr


@pytest.mark.parametrize("attribute", ["-diff", "binary", "diff=lockfile"])
@pytest.mark.parametrize("mode", [["--history"], ["--since", "HEAD~1"], ["--staged"]], ids=" ".join)
def test_a_text_file_gitattributes_call_binary_is_read(tmp_path: Path, keys, attribute: str,  # type: ignore[no-untyped-def]
                                                        mode: list[str]) -> None:
    """`*.env -diff` (or `binary`, or a diff driver marked binary) in .gitattributes makes git
    print "Binary files differ" for text: byok-ci reads the file itself."""
    repo = GitRepo(tmp_path)
    repo.write(".gitattributes", f"*.env {attribute}\n")
    repo.git("config", "diff.lockfile.binary", "true")
    repo.commit("attributes")
    repo.write("config/app.env", f"DEBUG=0\nGROQ_API_KEY={keys()}\n")
    if mode == ["--staged"]:
        repo.git("add", "-A")
    else:
        repo.commit("settings")
    result = cli(tmp_path, "scan", *mode, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [(f["path"], f["line"]) for f in data["findings"]] == [("config/app.env", 2)]
    assert data["stats"]["skipped_binary"] == 0


@pytest.mark.parametrize("mode", [["--history"], ["--staged"]], ids=" ".join)
def test_scan_binary_reads_the_printable_text_of_binary_files(tmp_path: Path, shipped_rules: RuleSet,
                                                              mode: list[str]) -> None:
    key = key_for(shipped_rules, "openai.project-key", random.Random(12))
    repo = GitRepo(tmp_path / "repo")
    (repo.path / "blob.bin").write_bytes(b"\x00\x01\x02header\n\x7f" + f"OPENAI_API_KEY={key}".encode() + b"\x00\xfe\n")
    repo.git("add", "-A")
    if mode == ["--history"]:
        repo.commit("a binary file")
    skipped = json.loads(cli(repo.path, "scan", *mode, "--format", "json").stdout)
    assert skipped["findings"] == [] and skipped["stats"]["skipped_binary"] == 1
    read = cli(repo.path, "scan", *mode, "--scan-binary", "--format", "json")
    report = json.loads(read.stdout)
    assert [(f["path"], f["line"], f["rule_id"]) for f in report["findings"]] == [("blob.bin", 2, "openai.project-key")]
    assert report["stats"]["skipped_binary"] == 0 and key not in read.stdout

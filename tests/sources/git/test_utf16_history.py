"""UTF-16 files (Windows tools write .ini, .reg and .ps1 files so) in diff-based scans.

git diffs UTF-16 as binary ("Binary files differ"), so the added lines a history, range,
staged or pushed scan reads never held their keys; a directory scan decodes them. Each
version git diffs as binary is now told UTF-16 or not as a directory scan tells it,
decoded, and reports only the keys none of the versions it was diffed against holds.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.exitcodes import INCOMPLETE, exit_code
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo

HISTORY = GitTarget("history")


def _ini(*keys: str, encoding: str = "utf-16") -> bytes:
    lines = ["[openai]"] + [f"key{n} = {key}" for n, key in enumerate(keys)]
    return "\r\n".join(lines + [""]).encode(encoding)


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random) -> list[str]:
    return [key_for(shipped_rules, "openai.project-key", rng) for _ in range(3)]


def test_each_key_of_a_utf16_file_is_reported_once_at_the_commit_that_added_it(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("win/settings.ini", _ini())
    repo.commit("empty settings")
    repo.write("win/settings.ini", _ini(keys[0]))
    first = repo.commit("one key")
    repo.write("win/settings.ini", _ini(keys[0], keys[1]))
    second = repo.commit("two keys")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    found = sorted((f.line, f.commit) for f in report.findings)
    assert found == [(2, first), (3, second)]  # the decoded text's lines; the first key not again
    assert not any(f.history_only for f in report.findings)  # both keys are still there at HEAD
    assert not report.errors
    assert all(key not in repr(report) for key in keys)


def test_a_range_reports_only_what_its_commits_added_to_a_utf16_file(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("setup.ps1", _ini(keys[0]))
    base = repo.commit("first key, before the range")
    repo.write("setup.ps1", _ini(keys[0], keys[1]))
    added = repo.commit("second key")
    report = scan_git(GitTarget("range", revision=f"{base}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line, f.commit) for f in report.findings] == [("setup.ps1", 3, added)]


def test_staged_utf16_keys_are_found_and_those_at_head_are_not_reported_again(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.reg", _ini(keys[0]))
    repo.git("add", "app.reg")
    staged = scan_git(GitTarget("staged"), rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line) for f in staged.findings] == [("app.reg", 2)]
    repo.commit("first key")
    repo.write("app.reg", _ini(keys[0], keys[2]))
    repo.git("add", "app.reg")
    staged = scan_git(GitTarget("staged"), rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line) for f in staged.findings] == [("app.reg", 3)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_as_a_directory_scan_reads_it(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str], encoding: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("settings.ini", _ini(keys[0], encoding=encoding))
    commit = repo.commit("no BOM")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line, f.commit) for f in report.findings] == [("settings.ini", 2, commit)]



def test_utf8_lines_after_a_utf16_files_text_are_read_as_utf8(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    """A UTF-16 file appended to in UTF-8 (`echo KEY=... >> settings.ini` after PowerShell
    wrote it): what follows its last NUL byte is read as UTF-8, as a directory scan reads it."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("settings.ini", _ini(keys[0]) + f"key9 = {keys[1]}\r\n".encode())
    commit = repo.commit("appended")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert sorted((f.line, f.commit) for f in report.findings) == [(2, commit), (3, commit)]


def test_a_binary_file_that_is_not_utf16_is_still_skipped_unless_binaries_are_read(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("blob.bin", b"\x00\x01\x02\x03\xff\xfe" * 50 + f"\nOPENAI_API_KEY={keys[0]}\n".encode())
    repo.commit("a binary holding a key as ASCII")
    skipped = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert list(skipped.findings) == []
    assert skipped.stats.skipped_binary == 1
    read = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(scan_binary=True))
    assert [f.path for f in read.findings] == ["blob.bin"]


def test_a_utf16_file_over_the_maximum_size_is_an_error_naming_it_at_its_commit(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("big.ini", _ini(keys[0]) + "; padding\r\n".encode("utf-16-le") * 200)
    commit = repo.commit("large UTF-16")
    repo.write("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 20)
    repo.commit("a large binary: not text, so not an error")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(max_file_size=1000))
    assert [(e.path, e.message.split(" is over")[0]) for e in report.errors] == [
        (f"big.ini@{commit[:12]}", f"skipped: {len(_ini(keys[0])) + 22 * 200:,} bytes")]
    assert exit_code(report) == INCOMPLETE


def test_a_merge_reports_only_the_utf16_keys_neither_parent_had(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("win/settings.ini", _ini())
    repo.commit("start")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("win/settings.ini", _ini(keys[0]))
    side = repo.commit("side adds a key")
    repo.git("checkout", "-q", "main")
    repo.write("win/settings.ini", _ini("none"))
    repo.commit("main edits the file")
    repo.git("merge", "-q", "-s", "ours", "--no-commit", "side")
    repo.write("win/settings.ini", _ini(keys[0], keys[1]))  # resolved by hand, with a key no parent had
    merge = repo.commit("merge side")
    report = scan_git(GitTarget("range", revision=f"{side}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert [(f.line, f.commit) for f in report.findings] == [(3, merge)]
    history = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert sorted((f.line, f.commit) for f in history.findings) == sorted([(2, side), (3, merge)])


@pytest.mark.parametrize("options", [{}, {"scan_binary": True}])
def test_a_diff_marked_text_file_over_the_maximum_size_is_an_error_not_a_silent_skip(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str], options: dict[str, bool]) -> None:
    """Text .gitattributes marks -diff is read whole (git shows no lines); one over
    --max-file-size was skipped with no word, so the scan read as clean."""
    repo = GitRepo(tmp_path / "repo")
    repo.write(".gitattributes", "*.cfg -diff\n")
    repo.write("big.cfg", "OPENAI_API_KEY=" + keys[0] + "\n" + "# padding line\n" * 200)
    commit = repo.commit("a large config git does not diff")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path),
                      settings=Settings(max_file_size=1000, **options))
    assert [e.path for e in report.errors] == [f"big.cfg@{commit[:12]}"]
    assert "over the maximum file size" in report.errors[0].message and keys[0] not in report.errors[0].message
    assert exit_code(report) == INCOMPLETE

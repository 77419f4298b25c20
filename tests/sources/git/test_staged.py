"""--staged: the index's added lines, numbered as they will be committed."""

from __future__ import annotations

import random
from pathlib import Path

from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo

STAGED = GitTarget("staged")


def test_first_commit_with_no_history(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = GitRepo(tmp_path)
    repo.write("app.py", f'import os\n\nKEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    repo.git("add", "app.py")
    report = scan_git(STAGED, rules=shipped_rules, cwd=str(tmp_path))
    assert report.errors == ()
    (finding,) = report.findings
    assert (finding.path, finding.line, finding.commit) == ("app.py", 3, None)


def test_only_added_lines_of_the_index(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = GitRepo(tmp_path)
    old_key = key_for(shipped_rules, "groq.api-key", rng)
    repo.write("settings.py", "".join(f"line{i} = {i}\n" for i in range(10)) + f'OLD = "{old_key}"\n')
    repo.commit("first")
    lines = [f"line{i} = {i}\n" for i in range(10)]
    lines.insert(4, f'NEW = "{key_for(shipped_rules, "anthropic.api-key", rng)}"\n')
    repo.write("settings.py", "".join(lines) + f'OLD = "{old_key}"\n')
    repo.git("add", "settings.py")
    # Unstaged: a key in the working tree only, and a later edit of the staged file.
    repo.write("notes.txt", f"GROQ={key_for(shipped_rules, 'groq.api-key', rng)}\n")
    repo.write("settings.py", "clean now\n")
    report = scan_git(STAGED, rules=shipped_rules, cwd=str(tmp_path))
    assert [(f.path, f.line, f.rule_id) for f in report.findings] == [("settings.py", 5, "anthropic.api-key")]


def test_pathspecs_limit_the_scan(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = GitRepo(tmp_path)
    repo.write("a/x.py", f'K = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    repo.write("b/y.py", f'K = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    repo.git("add", "-A")
    report = scan_git(STAGED, ["b"], rules=shipped_rules, cwd=str(tmp_path))
    assert [f.path for f in report.findings] == ["b/y.py"]


def test_odd_objects_are_counted_not_scanned(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = GitRepo(tmp_path)
    base = repo.commit("empty start")
    repo.write("blob.bin", b"\0\1\2" + key_for(shipped_rules, "openai.project-key", rng).encode())
    repo.write("model.onnx", "version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab" * 32 + "\nsize 12\n")
    repo.write(b"caf\xe9.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', rng)}\n".encode())
    repo.git("add", "-A")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{base},vendor/lib")
    notes: list[str] = []
    report = scan_git(STAGED, rules=shipped_rules, cwd=str(tmp_path), on_note=notes.append)
    stats = report.stats
    assert (stats.skipped_binary, stats.skipped_submodules, stats.lfs_pointers) == (1, 1, 1)
    assert [f.path for f in report.findings] == ["caf\\xe9.env"]
    assert any("submodule" in n and "vendor/lib" in n for n in notes)
    assert any("LFS" in n for n in notes)


def test_outside_a_repository(tmp_path: Path, shipped_rules: RuleSet) -> None:
    report = scan_git(STAGED, rules=shipped_rules, cwd=str(tmp_path))
    (error,) = report.errors
    assert "not a git repository" in error.message and str(tmp_path) in error.message


def test_bare_repository_has_no_index(tmp_path: Path, shipped_rules: RuleSet) -> None:
    GitRepo(tmp_path / "bare", init=False).path.mkdir()
    GitRepo(tmp_path / "bare", init=False).git("init", "-q", "--bare")
    report = scan_git(STAGED, rules=shipped_rules, cwd=str(tmp_path / "bare"))
    assert "bare repository" in report.errors[0].message


def test_config_excludes_apply(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    from byok_ci.config import Settings

    repo = GitRepo(tmp_path)
    repo.write("tests/fixtures/fake.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', rng)}\n")
    repo.git("add", "-A")
    report = scan_git(STAGED, rules=shipped_rules, cwd=str(tmp_path), settings=Settings(exclude=("tests/fixtures",)))
    assert report.findings == () and report.stats.skipped_excluded == 1

"""--range, --since, pre-push and --history: what each commit adds, attributed to it."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env

HISTORY = GitTarget("history")


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random):  # type: ignore[no-untyped-def]
    return lambda rule="openai.project-key": key_for(shipped_rules, rule, rng)


def test_range_attributes_each_finding_to_its_commit(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.write("a.py", "x = 1\ny = 2\n")
    base = repo.commit("base")
    repo.write("a.py", f'x = 1\nKEY = "{keys()}"\ny = 2\n')
    second = repo.commit("add a key")
    repo.write("b.py", "\n" * 6 + f'GROQ = "{keys("groq.api-key")}"\n')
    third = repo.commit("add another")
    report = scan_git(GitTarget("range", f"{base}..HEAD"), rules=shipped_rules, cwd=str(tmp_path))
    assert report.errors == () and report.stats.commits == 2
    got = [(f.path, f.line, f.commit) for f in report.findings]
    assert got == [("a.py", 2, second), ("b.py", 7, third)]
    info = report.findings[0].commit_info
    assert info is not None and info.author == "Ada Lovelace <ada@example.com>" and info.date.startswith("2024-01-01T")
    since = scan_git(GitTarget("since", second), rules=shipped_rules, cwd=str(tmp_path))
    assert [f.commit for f in since.findings] == [third]


def test_merges_do_not_rereport_their_parents(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.write("a.py", "a\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("b.py", f'K = "{keys()}"\n')
    on_branch = repo.commit("topic adds a key")
    repo.git("checkout", "-q", "main")
    repo.write("c.py", "c\n")
    repo.commit("main moves on")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "topic")
    report = scan_git(GitTarget("range", f"{base}..HEAD"), rules=shipped_rules, cwd=str(tmp_path))
    assert [f.commit for f in report.findings] == [on_branch]
    # An "evil merge": the merge itself adds a key neither parent had.
    repo.write("a.py", f'a\nK = "{keys("groq.api-key")}"\n')
    repo.git("add", "a.py")
    repo.git("commit", "-q", "--amend", "--no-edit")
    merge = repo.git("rev-parse", "HEAD")
    report = scan_git(GitTarget("range", f"{base}..HEAD"), rules=shipped_rules, cwd=str(tmp_path))
    assert sorted((f.path, f.line, f.commit) for f in report.findings) == [("a.py", 2, merge), ("b.py", 1, on_branch)]


def test_pre_push_ranges(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    remote = GitRepo(tmp_path / "remote.git", init=False)
    remote.path.mkdir()
    remote.git("init", "-q", "--bare")
    repo = GitRepo(tmp_path / "work")
    repo.write("a.py", f'K = "{keys()}"\n')
    pushed = repo.commit("already on the remote")
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "-q", "origin", "main")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("b.py", f'K = "{keys("groq.api-key")}"\n')
    new = repo.commit("new work")
    zero = "0" * 40
    cwd = str(repo.path)
    new_branch = scan_git(GitTarget("pre-push", push_from=zero, push_to=new), rules=shipped_rules, cwd=cwd)
    assert [f.commit for f in new_branch.findings] == [new]
    update = scan_git(GitTarget("pre-push", push_from=pushed, push_to=new), rules=shipped_rules, cwd=cwd)
    assert [f.commit for f in update.findings] == [new]
    notes: list[str] = []
    deletion = scan_git(GitTarget("pre-push", push_from=new, push_to=zero), rules=shipped_rules, cwd=cwd,
                        on_note=notes.append)
    assert deletion.findings == () and deletion.errors == () and "deletion" in notes[0]


@pytest.mark.parametrize("revision, message", [
    ("nope..HEAD", "unknown revision 'nope'"),
    ("HEAD", "--range wants BASE..HEAD"),
    ("--output=x..HEAD", "is not a revision"),
])
def test_bad_ranges(tmp_path: Path, shipped_rules: RuleSet, revision: str, message: str) -> None:
    repo = GitRepo(tmp_path)
    repo.commit("one")
    report = scan_git(GitTarget("range", revision), rules=shipped_rules, cwd=str(tmp_path))
    (error,) = report.errors
    assert message in error.message and error.path == "git"


def test_unborn_head(tmp_path: Path, shipped_rules: RuleSet) -> None:
    GitRepo(tmp_path)
    report = scan_git(GitTarget("since", "HEAD"), rules=shipped_rules, cwd=str(tmp_path))
    assert "no commits yet" in report.errors[0].message


def test_history_finds_deleted_keys_once_at_their_introducing_commit(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    gone, kept = keys(), keys("groq.api-key")
    repo.write("config.py", f'A = 1\nKEY = "{gone}"\n')
    repo.write("app.py", f'GROQ = "{kept}"\n')
    introduced = repo.commit("oops")
    for i in range(3):  # the key sits in every later version of the file
        repo.write("config.py", f'A = {i}\nKEY = "{gone}"\nB = {i}\n')
        repo.commit(f"edit {i}")
    repo.write("config.py", "A = 1\n")
    repo.commit("remove the key")
    repo.git("checkout", "-q", "-b", "side", "HEAD~2")
    repo.write("side.py", f'K = "{keys("anthropic.api-key")}"\n')
    side = repo.commit("only on a branch")
    repo.git("checkout", "-q", "main")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path))
    assert report.errors == () and report.stats.commits == 6
    got = {(f.path, f.line, f.commit, f.history_only) for f in report.findings}
    assert got == {
        ("app.py", 1, introduced, False),
        ("config.py", 2, introduced, True),
        ("side.py", 1, side, True),
    }


def test_history_reports_a_key_in_each_path(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    key = keys()
    repo.write("a.env", f"OPENAI_API_KEY={key}\n")
    repo.commit("one")
    repo.write("b.env", f"OPENAI_API_KEY={key}\n")
    repo.commit("copy")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path))
    assert sorted(f.path for f in report.findings) == ["a.env", "b.env"]
    assert len({f.fingerprint for f in report.findings}) == 1


def test_empty_repository(tmp_path: Path, shipped_rules: RuleSet) -> None:
    GitRepo(tmp_path)
    notes: list[str] = []
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path), on_note=notes.append)
    assert report.errors == () and report.findings == () and "empty repository" in notes[0]


def test_shallow_clone(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    origin = GitRepo(tmp_path / "origin")
    origin.write("old.py", f'K = "{keys()}"\n')
    origin.commit("old")
    origin.write("new.py", "clean\n")
    origin.commit("new")
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin.path}", str(tmp_path / "clone")],
                   check=True, env=git_env())
    cwd = str(tmp_path / "clone")
    strict = scan_git(HISTORY, rules=shipped_rules, cwd=cwd)
    (error,) = strict.errors
    assert "shallow clone" in error.message and "git fetch --unshallow" in error.message
    # What is there is still scanned: the boundary commit holds the whole tree.
    assert [f.path for f in strict.findings] == ["old.py"]
    notes: list[str] = []
    allowed = scan_git(HISTORY, rules=shipped_rules, cwd=cwd, allow_shallow=True, on_note=notes.append)
    assert allowed.errors == () and "shallow clone" in notes[0]


def test_history_progress(tmp_path: Path, shipped_rules: RuleSet) -> None:
    repo = GitRepo(tmp_path)
    for i in range(3):
        repo.write("f.txt", f"{i}\n")
        repo.commit(str(i))
    calls: list[tuple[int, int]] = []
    scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_history_split_across_git_processes_finds_the_same(
    tmp_path: Path, shipped_rules: RuleSet, keys, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    import byok_ci.sources.git.commits as commits

    repo = GitRepo(tmp_path)
    key = keys()
    for i in range(7):
        repo.write("a.py", f"v = {i}\n" + (f'K = "{key}"\n' if 2 <= i <= 4 else ""))
        repo.write(f"f{i}.py", f'G = "{keys("groq.api-key")}"\n' if i % 3 == 0 else "x\n")
        repo.commit(str(i))
    repo.git("checkout", "-q", "-b", "side", "HEAD~3")
    repo.write("a.py", f'v = 9\nK = "{key}"\n')
    repo.commit("same key again on a branch")
    repo.git("checkout", "-q", "main")

    def scan() -> set[tuple[object, ...]]:
        report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path))
        assert report.errors == () and report.stats.commits == 8
        return {(f.path, f.line, f.commit, f.fingerprint, f.history_only) for f in report.findings}

    whole = scan()
    monkeypatch.setattr(commits, "MIN_COMMITS_PER_PART", 1)
    # three parts, each newest first
    monkeypatch.setattr(commits.os, "cpu_count", lambda: 3)
    assert scan() == whole and len(whole) == 4


def test_history_odd_paths_binaries_and_size_limit(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    from byok_ci.config import Settings

    repo = GitRepo(tmp_path)
    repo.write(b"caf\xe9.env", f"OPENAI_API_KEY={keys()}\n".encode())
    repo.write("logo.png", b"\x89PNG\0\0" + keys().encode())
    repo.write("big.txt", "filler line\n" * 2000 + f"GROQ={keys('groq.api-key')}\n")
    sha = repo.commit("odd things")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path), settings=Settings(max_file_size=10_000))
    (finding,) = report.findings
    assert (finding.path, finding.history_only) == ("caf\\xe9.env", False)  # still at HEAD
    assert (report.stats.skipped_binary, report.stats.skipped_large) == (1, 1)
    (error,) = report.errors
    assert error.path == f"big.txt@{sha[:12]}" and "--max-file-size" in error.message


def test_shallow_clone_ranges(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    origin = GitRepo(tmp_path / "origin")
    for i in range(4):
        origin.write("f.py", f"v = {i}\n")
        origin.commit(str(i))
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{origin.path}", str(tmp_path / "clone")],
                   check=True, env=git_env())
    cwd = str(tmp_path / "clone")
    inside = scan_git(GitTarget("range", "HEAD~1..HEAD"), rules=shipped_rules, cwd=cwd)
    assert inside.errors == ()  # every commit of the range has its parents here
    reaching = scan_git(GitTarget("since", "HEAD~1"), rules=shipped_rules, cwd=cwd)
    assert reaching.errors == ()
    missing = scan_git(GitTarget("range", "HEAD~3..HEAD"), rules=shipped_rules, cwd=cwd)
    assert "shallow clone" in missing.errors[0].message and "fetch-depth: 0" in missing.errors[0].message


def _merged_branch_that_added_and_removed_a_key(repo: GitRepo, key: str) -> tuple[str, str]:
    """base, then a branch whose first commit adds ``key`` under src/ and whose second removes
    it, merged (--no-ff) and deleted; base and the commit that added the key."""
    repo.write("src/app.py", "x = 1\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("src/settings.env", f"OPENAI_API_KEY={key}\n")
    leaky = repo.commit("settings")
    repo.git("rm", "-q", "src/settings.env")
    repo.commit("oops, remove them")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "feature", "-m", "Merge feature")
    repo.git("branch", "-q", "-D", "feature")
    return base, leaky


@pytest.mark.parametrize("paths", [[], ["."], ["src/"], ["src/settings.env"]], ids=repr)
def test_paths_do_not_prune_a_merged_branch_that_added_and_removed_a_key(  # type: ignore[no-untyped-def]
        tmp_path: Path, shipped_rules: RuleSet, keys, paths: list[str]) -> None:
    """The classic leak: a key committed, removed in the next commit, the branch merged and
    deleted. The merge leaves the tree as it was, so git's default history simplification
    under a pathspec follows only the merge's first parent and never lists the branch."""
    repo = GitRepo(tmp_path)
    base, leaky = _merged_branch_that_added_and_removed_a_key(repo, keys())
    for target in (HISTORY, GitTarget("range", f"{base}..HEAD")):
        report = scan_git(target, paths, rules=shipped_rules, cwd=str(tmp_path))
        assert [(f.path, f.commit) for f in report.findings] == [("src/settings.env", leaky)], target


def test_a_state_written_when_paths_pruned_a_merged_branch_scans_everything_again(  # type: ignore[no-untyped-def]
        tmp_path: Path, shipped_rules: RuleSet, keys, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its heads hold the merge, so the branch's commits, never listed, would never be scanned."""
    import importlib

    from byok_ci.sources.git import commits

    scanning = importlib.import_module("byok_ci.scan_git")  # the module (the package exports a function so named)
    repo = GitRepo(tmp_path / "repo")
    _, leaky = _merged_branch_that_added_and_removed_a_key(repo, keys())
    repo.write("src/app.py", "x = 2\n")
    repo.commit("after the merge")  # recorded as a head: every commit behind it counts as scanned
    state = tmp_path / "state.json"
    current = scanning._finding_settings
    monkeypatch.setattr(scanning, "_finding_settings", lambda *args: [p for p in current(*args) if "full-history" not in p])
    monkeypatch.setattr(commits, "LISTING", tuple(a for a in commits.LISTING if a != "--full-history"))
    assert scan_git(HISTORY, ["src/"], rules=shipped_rules, cwd=str(repo.path), state=state).findings == ()
    monkeypatch.undo()
    report = scan_git(HISTORY, ["src/"], rules=shipped_rules, cwd=str(repo.path), state=state)
    assert [(f.path, f.commit) for f in report.findings] == [("src/settings.env", leaky)]


def test_user_config_does_not_change_what_is_read(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.write("root.env", f"OPENAI_API_KEY={keys()}\n")
    root = repo.commit("root commit")
    for setting in ("log.showRoot=false", "diff.noprefix=true", "diff.mnemonicPrefix=true", "color.ui=always",
                    "diff.submodule=log", "diff.relative=true", "core.quotePath=false", "diff.algorithm=histogram"):
        repo.git("config", *setting.split("="))
    (tmp_path / "sub").mkdir()
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path / "sub"))
    assert [(f.path, f.commit) for f in report.findings] == [("root.env", root)]


def test_history_only_is_not_claimed_for_a_file_too_big_to_reread(
    tmp_path: Path, shipped_rules: RuleSet, keys  # type: ignore[no-untyped-def]
) -> None:
    from byok_ci.config import Settings

    repo = GitRepo(tmp_path)
    repo.write("data.env", f"OPENAI_API_KEY={keys()}\n")
    leak = repo.commit("key")
    repo.write("data.env", (tmp_path / "data.env").read_text() + "padding line\n" * 3000)
    repo.commit("grows")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path), settings=Settings(max_file_size=20_000))
    (finding,) = report.findings
    assert finding.commit == leak and finding.history_only is False
    assert report.stats.skipped_large == 1

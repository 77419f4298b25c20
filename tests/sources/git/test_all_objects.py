"""--history --all-objects: every commit of the object database, findings marked by what
reaches their commit (issue 16 §4)."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import click
import pytest

from byok_ci.cli import main as cli
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo

HISTORY = GitTarget("history")
ALL_OBJECTS = GitTarget("history", all_objects=True)


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random):  # type: ignore[no-untyped-def]
    return lambda rule="openai.project-key": key_for(shipped_rules, rule, rng)


def _dangling(repo: GitRepo, parent: str, path: str, text: str) -> str:
    """A commit on top of ``parent`` adding ``path``, that no ref or reflog names (as a
    rebased-away commit is once its reflog expires)."""
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], input=text, text=True, capture_output=True,
                          cwd=repo.path, check=True).stdout.strip()
    tree = repo.git("rev-parse", f"{parent}^{{tree}}")
    listing = repo.git("ls-tree", tree)
    made = subprocess.run(["git", "mktree"], input=f"{listing}\n100644 blob {blob}\t{path}\n", text=True,
                          capture_output=True, cwd=repo.path, check=True).stdout.strip()
    return repo.git("commit-tree", made, "-p", parent, "-m", "never on a branch")


@pytest.fixture
def mirror(tmp_path: Path, keys):  # type: ignore[no-untyped-def]
    """An origin with a pull-request ref whose key is on no branch, and its mirror with a
    dangling commit holding another key; plus a normal clone of the origin."""
    origin = GitRepo(tmp_path / "origin")
    origin.write("app.py", "x = 1\n")
    base = origin.commit("base")
    origin.git("checkout", "-q", "-b", "contributor")
    origin.write("settings.py", f'OPENAI_API_KEY = "{keys()}"\n')
    pull = origin.commit("a pull request that adds a key")
    origin.git("checkout", "-q", "main")
    origin.git("update-ref", "refs/pull/1/head", pull)  # as GitHub keeps it
    origin.git("branch", "-q", "-D", "contributor")
    origin.write("app.py", "x = 2\n")
    origin.commit("main moves on")
    subprocess.run(["git", "clone", "-q", "--mirror", "--no-local", str(origin.path), str(tmp_path / "mirror.git")],
                   check=True, capture_output=True)
    subprocess.run(["git", "clone", "-q", "--no-local", str(origin.path), str(tmp_path / "clone")],
                   check=True, capture_output=True)
    mirrored = GitRepo(tmp_path / "mirror.git", init=False)
    dangling = _dangling(mirrored, base, "leak.py", f'GROQ_API_KEY = "{keys("groq.api-key")}"\n')
    return {"mirror": mirrored.path, "clone": tmp_path / "clone", "pull": pull, "dangling": dangling}


def test_a_reachable_history_misses_pull_request_and_dangling_commits(mirror, shipped_rules: RuleSet) -> None:  # type: ignore[no-untyped-def]
    clone = scan_git(HISTORY, rules=shipped_rules, cwd=str(mirror["clone"]))
    assert clone.errors == () and clone.findings == ()
    # A mirror's refs include refs/pull/*: --history reaches that commit (and marks it),
    # never the dangling one.
    reachable = scan_git(HISTORY, rules=shipped_rules, cwd=str(mirror["mirror"]))
    assert [(f.commit, f.reachability) for f in reachable.findings] == [(mirror["pull"], "pull-request")]


def test_all_objects_finds_and_marks_every_commit(mirror, shipped_rules: RuleSet) -> None:  # type: ignore[no-untyped-def]
    report = scan_git(ALL_OBJECTS, rules=shipped_rules, cwd=str(mirror["mirror"]))
    assert report.errors == ()
    got = sorted((f.path, f.commit, f.reachability, f.rule_id) for f in report.findings)
    assert got == sorted([("leak.py", mirror["dangling"], "unreachable", "groq.api-key"),
                          ("settings.py", mirror["pull"], "pull-request", "openai.project-key")])
    assert report.stats.commits == 4


def test_the_mark_is_in_every_report_format(mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(mirror["mirror"])
    out = {name: tmp_path / f"report.{name}" for name in ("json", "sarif", "junit")}
    with pytest.raises(SystemExit) as done:
        cli.main(["scan", "--history", "--all-objects", "--json", str(out["json"]), "--sarif", str(out["sarif"]),
                  "--junit", str(out["junit"]), "--no-color"], standalone_mode=False)
    assert done.value.code == 1
    text = capsys.readouterr().out
    assert "in no ref or reflog" in text and "only in pull-request refs" in text
    findings = json.loads(out["json"].read_text())["findings"]
    assert sorted(f["reachability"] for f in findings) == ["pull-request", "unreachable"]
    results = json.loads(out["sarif"].read_text())["runs"][0]["results"]
    assert sorted(r["properties"]["reachability"] for r in results) == ["pull-request", "unreachable"]
    assert "reachability: unreachable" in out["junit"].read_text()


def test_a_stash_is_other_ref_and_a_dropped_one_unreachable(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.write("app.py", "x = 1\n")
    repo.commit("base")
    repo.write("app.py", f'x = 1\nKEY = "{keys()}"\n')
    repo.git("stash", "-q")
    stashed = scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path))
    assert {f.reachability for f in stashed.findings} == {"other-ref"}
    repo.git("stash", "drop", "-q")
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(tmp_path)).findings == ()
    dropped = scan_git(ALL_OBJECTS, rules=shipped_rules, cwd=str(tmp_path))
    assert dropped.findings and {f.reachability for f in dropped.findings} == {"unreachable"}


def test_a_key_on_a_branch_is_reported_there_not_in_its_dangling_copy(tmp_path: Path, shipped_rules: RuleSet,  # type: ignore[no-untyped-def]
                                                                      keys) -> None:
    repo = GitRepo(tmp_path)
    repo.write("app.py", "x = 1\n")
    base = repo.commit("base")
    line = f'KEY = "{keys()}"\n'
    copy = _dangling(repo, base, "leak.py", line)  # the same key and path, rebased away
    repo.write("leak.py", line)
    kept = repo.commit("the key on main")
    report = scan_git(ALL_OBJECTS, rules=shipped_rules, cwd=str(tmp_path))
    assert copy != kept
    assert [(f.commit, f.reachability) for f in report.findings] == [(kept, None)]


@pytest.mark.parametrize("args", [["--all-objects"], ["--staged", "--all-objects"]])
def test_all_objects_needs_history(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    GitRepo(tmp_path).commit("base")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.UsageError) as raised:
        cli.main(["scan", *args], standalone_mode=False)
    assert "--all-objects applies only with --history" in str(raised.value)


def test_an_incremental_all_objects_run_finds_a_new_dangling_commit(tmp_path: Path, shipped_rules: RuleSet,  # type: ignore[no-untyped-def]
                                                                     keys) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "x = 1\n")
    base = repo.commit("base")
    state = tmp_path / "state.json"
    first = scan_git(ALL_OBJECTS, rules=shipped_rules, cwd=str(repo.path), state=state)
    assert first.findings == () and first.stats.commits == 1
    dangling = _dangling(repo, base, "leak.py", f'KEY = "{keys()}"\n')
    again = scan_git(ALL_OBJECTS, rules=shipped_rules, cwd=str(repo.path), state=state)
    assert [(f.commit, f.reachability) for f in again.findings] == [(dangling, "unreachable")]
    assert again.stats.commits == 1
    # A reachable-only state is another setting: it does not stand for an all-objects one.
    notes: list[str] = []
    scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state, on_note=notes.append)
    assert any("rules or settings changed" in note for note in notes)

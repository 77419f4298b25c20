"""--history --state FILE: an incremental history scans only the commits not scanned
before with the same rules and settings (issue 16 §3)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.config import Settings
from byok_ci.rules import RuleSet, load_rules
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources.git.commits import CommitSource
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo
from tests.sources.git.test_damaged_repos import damaged_history  # noqa: F401 - a fixture

HISTORY = GitTarget("history")


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random):  # type: ignore[no-untyped-def]
    return lambda rule="openai.project-key": key_for(shipped_rules, rule, rng)


def _scan(repo: GitRepo, state: Path, rules: RuleSet, full: bool = False, settings: Settings | None = None):  # type: ignore[no-untyped-def]
    notes: list[str] = []
    report = scan_git(HISTORY, rules=rules, settings=settings, cwd=str(repo.path), state=state, full=full,
                      on_note=notes.append)
    return report, notes


def test_the_next_run_scans_only_new_commits(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    state = tmp_path / "cache" / "history-state.json"
    state.parent.mkdir()
    repo.write("a.py", f'K = "{keys()}"\n')
    old = repo.commit("an old leak")
    first, notes = _scan(repo, state, shipped_rules)
    assert [f.commit for f in first.findings] == [old] and first.stats.commits == 1
    assert any("no history state" in note for note in notes)
    saved = state.read_text()
    assert "K =" not in saved and first.findings[0].fingerprint not in saved
    assert json.loads(saved)["heads"] == [old]

    again, notes = _scan(repo, state, shipped_rules)
    assert again.findings == () and again.stats.commits == 0 and again.errors == ()

    repo.write("b.py", f'G = "{keys("groq.api-key")}"\n')
    new = repo.commit("a new leak")
    repo.git("checkout", "-q", "-b", "side", old)
    repo.write("c.py", "c = 1\n")
    side = repo.commit("a branch off the old commit")
    nightly, notes = _scan(repo, state, shipped_rules)
    assert [f.commit for f in nightly.findings] == [new] and nightly.stats.commits == 2
    assert any("2 commit(s) not scanned before" in note for note in notes)
    assert sorted(json.loads(state.read_text())["heads"]) == sorted([new, side])

    full, notes = _scan(repo, state, shipped_rules, full=True)
    assert sorted(f.commit for f in full.findings) == sorted([old, new]) and full.stats.commits == 3
    assert any("--full" in note for note in notes)


def _rescans(repo: GitRepo, state: Path, rules: RuleSet, expect: str, settings: Settings | None = None) -> None:
    report, notes = _scan(repo, state, rules, settings=settings)
    assert report.stats.commits == 2, notes
    assert [note for note in notes if expect in note], notes


def test_what_does_not_match_rescans_everything(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    state = tmp_path / "state.json"
    repo.write("a.py", "a = 1\n")
    repo.commit("one")
    repo.write("a.py", "a = 2\n")
    repo.commit("two")
    _scan(repo, state, shipped_rules)
    good = state.read_text()

    # Rules or settings that change findings.
    _rescans(repo, state, load_rules(disabled=("groq.api-key",)), "rules or settings changed")
    state.write_text(good)
    _rescans(repo, state, shipped_rules, "rules or settings changed", Settings(exclude=("docs/**",)))
    state.write_text(good)
    _rescans(repo, state, shipped_rules, "rules or settings changed", Settings(allow_fingerprints=("0" * 16,)))
    # Damaged, edited, not JSON, another repository.
    state.write_text(good)
    edited = json.loads(good)
    edited["heads"] = [repo.git("rev-parse", "HEAD~1")]
    state.write_text(json.dumps(edited))
    _rescans(repo, state, shipped_rules, "damaged or was edited")
    state.write_text(good[: len(good) // 2])
    _rescans(repo, state, shipped_rules, "damaged or was edited")
    state.write_text("[1, 2]")
    _rescans(repo, state, shipped_rules, "damaged or was edited")
    other = GitRepo(tmp_path / "other")
    other.write("x.py", "x = 1\n")
    other.commit("elsewhere")
    other_state = tmp_path / "other.json"
    _scan(other, other_state, shipped_rules)
    state.write_bytes(other_state.read_bytes())
    _rescans(repo, state, shipped_rules, "names no commit of this repository")
    # After any of these, the state is written again and the next run scans nothing.
    report, notes = _scan(repo, state, shipped_rules)
    assert report.stats.commits == 0 and notes == ["incremental history: 0 commit(s) not scanned before"]


def test_a_force_push_rescans_only_what_its_gone_commits_covered(tmp_path: Path, shipped_rules: RuleSet) -> None:
    repo = GitRepo(tmp_path / "repo")
    state = tmp_path / "state.json"
    repo.write("a.py", "a = 1\n")
    repo.commit("one")
    repo.write("a.py", "a = 2\n")
    repo.commit("two")
    _scan(repo, state, shipped_rules)
    body = json.loads(state.read_text())
    gone = "f" * 40  # a head rewritten away and pruned
    body["heads"] = sorted([*body["heads"], gone])
    from byok_ci.sources.git.state import _checksum

    body["checksum"] = _checksum({k: body[k] for k in ("kind", "version", "settings", "shallow", "heads")})
    state.write_text(json.dumps(body))
    report, notes = _scan(repo, state, shipped_rules)
    assert report.stats.commits == 0 and any("1 commit(s) of the history state" in note for note in notes)


def test_a_scan_that_could_not_read_every_commit_keeps_the_old_state(damaged_history, tmp_path: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                                                       shipped_rules: RuleSet) -> None:
    repo = damaged_history[0]
    state = tmp_path / "state.json"
    report, _ = _scan(repo, state, shipped_rules)
    assert report.errors and len(report.findings) == 2 and not state.exists()


def test_the_state_file_is_written_atomically_and_errors_name_it(tmp_path: Path, shipped_rules: RuleSet) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "a = 1\n")
    repo.commit("one")
    state = tmp_path / "state.json"
    _scan(repo, state, shipped_rules)
    assert [p.name for p in tmp_path.iterdir() if p.name != "repo"] == ["state.json"]  # no temporary file left
    missing_dir = tmp_path / "no" / "such" / "state.json"
    report, _ = _scan(repo, missing_dir, shipped_rules)
    assert [e.path for e in report.errors] == [missing_dir.as_posix()]
    assert "could not write the history state" in report.errors[0].message


@pytest.mark.parametrize("args, message", [
    (["--state", "s.json"], "--state applies only with --history"),
    (["--range", "HEAD~1..HEAD", "--state", "s.json"], "--state applies only with --history"),
    (["--history", "--full"], "--full applies only with --state"),
])
def test_state_options_need_history(args: list[str], message: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    GitRepo(tmp_path).commit("base")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.UsageError, match=message):
        main.main(["scan", *args], standalone_mode=False)


def test_the_command_line_round_trip(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", f'K = "{keys()}"\n')
    repo.commit("a leak")
    state = tmp_path / "state.json"
    runner = CliRunner()

    def scan(*extra: str):  # type: ignore[no-untyped-def]
        import os

        here = os.getcwd()
        os.chdir(repo.path)
        try:
            return runner.invoke(main, ["scan", "--history", "--state", str(state), "--format", "json", *extra],
                                 env={**GIT_ENV, "NO_COLOR": "1"}, catch_exceptions=False)
        finally:
            os.chdir(here)

    assert scan().exit_code == 1
    second = scan()
    assert second.exit_code == 0 and json.loads(second.stdout)["stats"]["commits"] == 0
    assert scan("--full").exit_code == 1


def test_jobs_sets_the_number_of_git_processes(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    for n in range(5):
        repo.write("a.py", f"a = {n}\n")
        repo.commit(f"commit {n}")
    assert [len(CommitSource(all_refs=True, cwd=str(tmp_path), max_parts=jobs).parts()) for jobs in (1, 3, 9)] == [1, 3, 5]
    assert len(CommitSource(all_refs=True, cwd=str(tmp_path)).parts()) == 1  # left to byok-ci: too few commits to split


def test_a_state_file_committed_to_the_repository_is_not_trusted(tmp_path: Path, shipped_rules: RuleSet,
                                                                 keys) -> None:  # type: ignore[no-untyped-def]
    """The checksum is no signature: a commit can carry a valid state that names its own
    parent, the one with the key. In a fresh clone (a CI cache miss) the checkout's file is
    where --state looks, and the key's commit would be skipped: a tracked file is refused."""
    author = GitRepo(tmp_path / "fork")
    author.write("a.py", f'K = "{keys()}"\n')
    leak = author.commit("a leak")
    crafted = author.path / ".byok-ci-history.json"
    _scan(author, crafted, shipped_rules)  # what anyone can compute: heads [leak]
    assert json.loads(crafted.read_text())["heads"] == [leak]
    author.commit("add a state that says the leak was scanned")

    clone = GitRepo(tmp_path / "ci", init=False)
    GitRepo(tmp_path).git("clone", "-q", str(author.path), str(clone.path))
    report, notes = _scan(clone, clone.path / ".byok-ci-history.json", shipped_rules)
    assert [f.commit for f in report.findings] == [leak], notes
    assert any("is tracked by git" in note for note in notes), notes


def test_an_incomplete_scan_keeps_the_old_state(tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    """A file version too large to read is an error (exit 2): recording its commit as scanned
    would make the next run say "no leaks found" without ever reading it."""
    repo = GitRepo(tmp_path / "repo")
    state = tmp_path / "state.json"
    repo.write("big.env", "x" * 3000 + f'\nK = "{keys()}"\n')
    repo.commit("a key past the size limit")
    small = Settings(max_file_size=1024)
    first, _ = _scan(repo, state, shipped_rules, settings=small)
    assert any(e.blocking and "over the maximum file size" in e.message for e in first.errors)
    again, notes = _scan(repo, state, shipped_rules, settings=small)
    assert again.stats.commits == 1 and any(e.blocking for e in again.errors), notes


def test_a_state_nested_too_deeply_is_damaged_not_a_crash(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """A poisoned cache is data: nesting past the recursion limit means scanning everything."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "a = 1\n")
    repo.commit("one")
    state = tmp_path / "state.json"
    state.write_text("[" * 100_000 + "]" * 100_000)
    report, notes = _scan(repo, state, shipped_rules)
    assert report.stats.commits == 1 and any("damaged or was edited" in note for note in notes)


def test_a_committed_state_reached_through_a_committed_directory_link_is_not_trusted(
        tmp_path: Path, shipped_rules: RuleSet, keys) -> None:  # type: ignore[no-untyped-def]
    """--state .cache/history.json, where a commit made .cache a link to a directory of its own."""
    author = GitRepo(tmp_path / "fork")
    author.write("a.py", f'K = "{keys()}"\n')
    leak = author.commit("a leak")
    (author.path / "crafted").mkdir()
    _scan(author, author.path / "crafted" / "history.json", shipped_rules)
    (author.path / ".cache").symlink_to("crafted")
    author.commit("a state that says the leak was scanned, behind a link")
    clone = GitRepo(tmp_path / "ci", init=False)
    GitRepo(tmp_path).git("clone", "-q", str(author.path), str(clone.path))
    report, notes = _scan(clone, clone.path / ".cache" / "history.json", shipped_rules)
    assert [f.commit for f in report.findings] == [leak], notes

"""A history scan's whole-file reads for context shared with a forked process.

After git's diffs, reading the versions whose context only the whole file gives (and
``found_later``) ran on one core while the other idled; with many versions a forked
process takes part of that work. What it finds, and the errors it meets, are what the
scan finds alone, in the same order.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo

HISTORY = GitTarget("history")
from byok_ci.pipeline import context as shared_reads


def history(tmp_path: Path, rules: RuleSet, rng: random.Random) -> GitRepo:
    """Files whose keys an earlier commit's context confirms, one whose context a later
    commit writes, and one too large to read whole."""
    repo = GitRepo(tmp_path / "repo")
    for n in range(6):
        repo.write(f"conf/settings{n}.ini", f"[pinecone]\nregion = us{n}\n\n[other]\nname = x\n")
    kept = key_for(rules, "pinecone.legacy-key", rng)
    repo.write("later.ini", f"[default]\napi_key = {kept}\n")
    repo.commit("context first")
    for n in range(6):
        key = key_for(rules, "pinecone.legacy-key", rng)
        repo.write(f"conf/settings{n}.ini", f"[pinecone]\nregion = us{n}\napi_key = {key}\n\n[other]\nname = x\n")
    repo.commit("the keys")
    repo.write("later.ini", f"[pinecone]\napi_key = {kept}\n")
    repo.commit("the context, later")
    return repo


def scanned(repo: GitRepo, rules: RuleSet, monkeypatch: pytest.MonkeyPatch, share: bool) -> tuple[list, list]:
    monkeypatch.setattr(shared_reads, "SHARE_MIN_VERSIONS", 1 if share else 10**9)
    monkeypatch.setattr(shared_reads, "SHARE_EVERY", 2)
    report = scan_git(HISTORY, rules=rules, cwd=str(repo.path), settings=None)
    return ([(f.path, f.line, f.rule_id, f.commit, f.fingerprint) for f in report.findings],
            [(e.path, e.message) for e in report.errors])


def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from byok_ci.pipeline import workers

    made: list[int] = []
    real = workers.Child.__init__

    def counted(self, function):  # type: ignore[no-untyped-def]
        made.append(1)
        real(self, function)

    monkeypatch.setattr(workers.Child, "__init__", counted)
    return made


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_shares_the_reads_and_finds_the_same(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = history(tmp_path, shipped_rules, rng)
    alone = scanned(repo, shipped_rules, monkeypatch, share=False)
    made = forks(monkeypatch)
    shared = scanned(repo, shipped_rules, monkeypatch, share=True)
    assert made == [1]
    assert shared == alone
    paths = {path for path, *_ in alone[0]}
    assert paths == {*(f"conf/settings{n}.ini" for n in range(6)), "later.ini"}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_what_the_forked_process_raises_is_raised(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    from byok_ci.sources.git import later

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("detection failed")

    repo = history(tmp_path, shipped_rules, rng)
    monkeypatch.setattr(later, "_detected", broken)  # found_later runs in the forked process
    with pytest.raises(RuntimeError, match="detection failed"):
        scanned(repo, shipped_rules, monkeypatch, share=True)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_lost_leaves_its_share_to_the_scan(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = history(tmp_path, shipped_rules, rng)
    alone = scanned(repo, shipped_rules, monkeypatch, share=False)
    monkeypatch.setattr(shared_reads, "_elsewhere", lambda *args: os._exit(9))  # killed, say
    assert scanned(repo, shipped_rules, monkeypatch, share=True) == alone


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_git_failing_in_both_processes_is_one_error(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    from byok_ci.sources.git import blobs

    repo = history(tmp_path, shipped_rules, rng)
    monkeypatch.setattr(blobs, "command", lambda args: ["false"])  # git cat-file gone, in each process
    alone = scanned(repo, shipped_rules, monkeypatch, share=False)
    made = forks(monkeypatch)
    shared = scanned(repo, shipped_rules, monkeypatch, share=True)
    assert made == [1]
    assert shared == alone
    assert [path for path, _ in alone[1]] == ["git", "git"]  # found_later's and the reads' own


def test_the_forked_process_takes_the_share_that_balances_found_later() -> None:
    """It runs found_later too: where that is most of the tail (haystack: 7,016 versions for
    found_later, 849 to read, 6.8 and 6.2 CPU-s) it reads none; with little for found_later
    it reads about half (bench/README.md, "Round 5 — hist-sched")."""
    assert shared_reads._every(7016, 849) == 0
    assert shared_reads._every(1182, 357) == 4  # openai-python: about every fifth was best
    assert shared_reads._every(0, 100) == 2
    assert shared_reads._every(10, 1) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("every", [0, 3])
def test_a_forked_process_with_any_share_finds_the_same(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch,
        every: int) -> None:
    repo = history(tmp_path, shipped_rules, rng)
    alone = scanned(repo, shipped_rules, monkeypatch, share=False)
    made = forks(monkeypatch)
    monkeypatch.setattr(shared_reads, "SHARE_MIN_VERSIONS", 1)
    monkeypatch.setattr(shared_reads, "SHARE_EVERY", every)  # 0: the balancing share
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=None)
    assert made == [1]
    assert ([(f.path, f.line, f.rule_id, f.commit, f.fingerprint) for f in report.findings],
            [(e.path, e.message) for e in report.errors]) == alone


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_the_forked_process_starts_before_the_versions_to_read_are_settled(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    """found_later needs no lineage of the versions to read: the forked process starts it
    while this one settles them (`ContextReader.wanted`, 0.03 CPU-s on openai-python, about
    0.5 on haystack, where found_later is the tail's longer side); its share comes after."""
    from byok_ci.sources.git.blobs import ContextReader

    repo = history(tmp_path, shipped_rules, rng)
    alone = scanned(repo, shipped_rules, monkeypatch, share=False)
    made = forks(monkeypatch)
    forked_before: list[bool] = []
    real = ContextReader.wanted

    def wanted(self):  # type: ignore[no-untyped-def]
        forked_before.append(bool(made))
        return real(self)

    monkeypatch.setattr(ContextReader, "wanted", wanted)
    assert scanned(repo, shipped_rules, monkeypatch, share=True) == alone
    assert made == [1] and forked_before == [True]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_with_no_versions_to_read_runs_found_later_alone(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fork is decided before the versions to read are settled: none at all is a share of none."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.ini", "[default]\nname = x\n")
    repo.commit("no context")
    repo.write("a.ini", "[pinecone]\nname = x\n")
    repo.commit("context, no key")
    alone = scanned(repo, shipped_rules, monkeypatch, share=False)
    made = forks(monkeypatch)
    monkeypatch.setattr(shared_reads, "SHARE_MIN_VERSIONS", 0)
    monkeypatch.setattr(shared_reads, "SHARE_EVERY", 0)
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=None)
    assert made == [1]
    assert ([(f.path, f.line, f.rule_id, f.commit, f.fingerprint) for f in report.findings],
            [(e.path, e.message) for e in report.errors]) == alone == ([], [])


def test_a_share_larger_than_a_pipe_holds_is_told_without_waiting() -> None:
    """The scan tells the forked process its share over a pipe while that process runs
    found_later: a share of more positions than the pipe holds (64 KiB: 16,384) kept the
    scan waiting until found_later ended there, unless the process reads as it comes."""
    import threading

    hear, tell = os.pipe()
    heard = shared_reads._listen(hear)  # what the forked process does before found_later
    positions = list(range(0, 200_000, 3))
    teller = threading.Thread(target=shared_reads._told, args=(tell, positions), daemon=True)
    teller.start()
    teller.join(timeout=10)
    assert not teller.is_alive(), "the share was not taken while found_later ran"
    assert list(heard()) == positions

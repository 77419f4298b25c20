"""A history's commits are cut into more consecutive runs than git processes, and each
process takes the next run (newest first) when its own ends (issue 16 §3): on 2 cores the
commits were cut into 2 parts by count, and where git's work is lopsided (haystack's newest
6 % of commits are 84 % of it) the older part's git ended early and a core idled."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.model import Chunk
from byok_ci.pipeline.detection import detect_concurrently
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources import Reading
from byok_ci.sources.git import commits, runs
from byok_ci.sources.git.commits import CommitSource
from tests.conftest import key_for
from tests.gitrepo import GitRepo, growing_history


def _lopsided(path: Path, old: int, new: int) -> GitRepo:
    """``old`` commits of one line each, then ``new`` commits that rewrite a large file."""
    repo = GitRepo(path)
    for n in range(old):
        repo.write(f"small{n}.txt", f"line {n}\n")
        repo.commit(f"small {n}")
    for n in range(new):
        repo.write("large.txt", "".join(f"line {n} {i}\n" for i in range(20000)))
        repo.commit(f"large {n}")
    return repo


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(runs, "COMMITS_PER_RUN", 4)
    monkeypatch.setattr(runs, "BYTES_PER_RUN", 1)
    monkeypatch.setattr(commits, "MIN_COMMITS_PER_PART", 10)


def test_a_lopsided_history_is_cut_into_more_runs_than_processes_taken_newest_first(
        tmp_path: Path, two_cores: None) -> None:
    repo = _lopsided(tmp_path, old=24, new=8)
    source = CommitSource(all_refs=True, cwd=str(repo.path))
    parts = source.parts()
    assert source.processes == 2
    assert [part.count for part in parts] == [4] * 8  # 32 commits, runs of at least 4
    # Consecutive runs of the parents-first list, each newest first for its git.
    listed = repo.git("rev-list", "--topo-order", "--reverse", "--all").split()
    assert [sha.decode() for part in parts for sha in reversed(part.shas.split())] == listed
    # The processes take the newest run first: the large commits, which hold nearly all of
    # git's work, are begun at once, and the small runs are left for the end.
    assert [part.index for part in runs.taken(parts)] == list(range(7, -1, -1))
    newest = runs.taken(parts)[0].shas.split()
    assert {sha.decode() for sha in newest} == set(listed[-4:])


def test_runs_are_at_most_a_number_per_process_and_one_git_reads_all(tmp_path: Path, two_cores: None,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _lopsided(tmp_path, old=24, new=0)
    monkeypatch.setattr(runs, "RUNS_PER_PROCESS", 2)
    assert len(CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2).parts()) == 4  # not 24 // 4
    assert len(CommitSource(all_refs=True, cwd=str(repo.path), max_parts=1).parts()) == 1  # -j 1: one git, no cut
    monkeypatch.setattr(runs, "COMMITS_PER_RUN", 12)
    source = CommitSource(all_refs=True, cwd=str(repo.path), max_parts=3)
    assert len(source.parts()) == 3 and source.processes == 3  # 24 // 12 runs: at least one a process


def test_a_shard_with_known_costs_is_cut_by_them_into_one_run_a_process(tmp_path: Path, two_cores: None) -> None:
    """A shard knows each commit's predicted cost: cut by it, two runs end together, and
    more runs would each walk the shard's commits again under its pathspecs."""
    repo = _lopsided(tmp_path, old=24, new=8)
    listed = repo.git("rev-list", "--topo-order", "--reverse", "--all").split()
    costs = {sha.encode(): (10**9 if index >= 24 else 1) for index, sha in enumerate(listed)}
    parts = CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2, costs=costs).parts()
    assert len(parts) == 2
    assert [part.count for part in parts] == [28, 4]  # cut where half the known cost lies


def test_a_small_repository_is_cut_into_no_more_runs_than_processes(tmp_path: Path, two_cores: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run's git costs a start-up that a small repository's whole history does not repay."""
    repo = _lopsided(tmp_path, old=24, new=8)
    size = runs.object_bytes(str(repo.path))
    assert size > 0
    monkeypatch.setattr(runs, "BYTES_PER_RUN", size)
    assert len(CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2).parts()) == 2
    monkeypatch.setattr(runs, "BYTES_PER_RUN", size // 3)  # one run more than processes: not worth it
    assert len(CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2).parts()) == 2
    monkeypatch.setattr(runs, "BYTES_PER_RUN", size // 5)
    assert len(CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2).parts()) == 5


def test_started_history_starts_only_the_runs_taken_first(tmp_path: Path, two_cores: None) -> None:
    repo = _lopsided(tmp_path, old=12, new=4)
    source = CommitSource(all_refs=True, cwd=str(repo.path), max_parts=2)
    try:
        parts = source.start()
        assert len(parts) == 4
        assert [part.index for part in parts if part._started is not None] == [2, 3]
    finally:
        source.close()


class _Held:
    """A source that ends only once ``until`` is set (or at once), and says when it ended."""

    def __init__(self, until: threading.Event | None = None) -> None:
        self.until = until
        self.ended = threading.Event()
        self.reading = Reading()
        self.thread = 0

    def chunks(self) -> Iterator[Chunk]:
        self.thread = threading.get_ident()
        if self.until is not None:
            assert self.until.wait(20), "the other thread never took the sources after this one"
        self.ended.set()
        return iter(())


def test_a_thread_takes_the_next_source_when_its_own_ends(shipped_rules: RuleSet) -> None:
    from byok_ci.detect.engine import Detector

    release = threading.Event()
    long = _Held(until=release)
    short = [_Held() for _ in range(5)]
    # The last short source releases the long one: only a thread that takes every short
    # source in turn, while the other is held by the long one, gets there (a fixed share of
    # sources per thread would hold some back behind the long one).
    last = short[-1]
    original = last.chunks

    def chunks_then_release() -> Iterator[Chunk]:
        out = original()
        release.set()
        return out

    last.chunks = chunks_then_release  # type: ignore[method-assign]
    found, failure = detect_concurrently([long, *short], Detector(shipped_rules), workers=2)
    assert failure is None
    assert found == [[]] * 6
    assert all(source.ended.is_set() for source in [long, *short])
    assert {source.thread for source in short} == {short[0].thread} != {long.thread}


class _Written(_Held):
    """A source whose producer (git) says it has written everything before its chunks end."""

    def __init__(self, log: list[str], name: str) -> None:
        super().__init__()
        self.log, self.name = log, name
        self.then: Callable[[], None] | None = None

    def start(self) -> None:
        self.log.append(f"start {self.name}")

    def when_written(self, then: Callable[[], None]) -> None:
        self.then = then

    def chunks(self) -> Iterator[Chunk]:
        self.log.append(f"read {self.name}")
        if self.then is not None:
            self.then()  # (git's output ended: the next source's git starts while this one is read)
        self.log.append(f"end {self.name}")
        return super().chunks()


def test_the_next_source_starts_when_the_current_one_is_written_not_read(shipped_rules: RuleSet) -> None:
    from byok_ci.detect.engine import Detector

    log: list[str] = []
    sources = [_Written(log, name) for name in "abc"]
    found, failure = detect_concurrently(sources, Detector(shipped_rules), workers=1)
    assert failure is None and found == [[], [], []]
    assert log == ["read a", "start b", "end a", "read b", "start c", "end b", "read c", "end c"]


@pytest.mark.parametrize("jobs", [2, 3])
def test_findings_and_counts_do_not_depend_on_the_runs(tmp_path: Path, shipped_rules: RuleSet,
                                                       rng: random.Random, jobs: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    repo = growing_history(tmp_path, lambda: key_for(shipped_rules, "openai.project-key", rng), 12,
                           key_names=5)
    single = scan_git(GitTarget("history"), cwd=str(repo.path), rules=shipped_rules, settings=Settings(jobs=1))
    monkeypatch.setattr(runs, "COMMITS_PER_RUN", 1)  # every commit a run of its own
    monkeypatch.setattr(runs, "BYTES_PER_RUN", 1)
    report = scan_git(GitTarget("history"), cwd=str(repo.path), rules=shipped_rules, settings=Settings(jobs=jobs))
    assert len(single.findings) == 12
    assert [(f.fingerprint, f.path, f.commit, f.line) for f in report.findings] == \
        [(f.fingerprint, f.path, f.commit, f.line) for f in single.findings]
    assert replace(report.stats, seconds=0) == replace(single.stats, seconds=0)
    assert report.errors == single.errors


def _random_history(path: Path, rules: RuleSet, rng: random.Random, commits: int) -> GitRepo:
    """Keys added, removed, added again, renamed, on a file's last line without a newline,
    bare (their provider named on another line, in an earlier or a later commit), on side
    branches merged back (a merge adding a key of its own), and a damaged blob."""
    named = [f'OPENAI_API_KEY = "{key_for(rules, "openai.project-key", rng)}"' for _ in range(3)]
    bare = [f'token = "{key_for(rules, rule, rng)}"' for rule in ("mistral.api-key", "cohere.api-key") for _ in range(2)]
    context = ["from mistralai import Mistral", "import cohere"]
    filler = ["x = 1", "import os", "# note", f'sha = "{"%040x" % rng.getrandbits(160)}"']
    repo = GitRepo(path)
    files: dict[str, list[str]] = {}

    def edit(names: list[str]) -> None:
        name = rng.choice(names)
        lines = files.setdefault(name, [])
        roll = rng.random()
        if roll < 0.15 and lines:
            moved = name + ".old" if not name.endswith(".old") else name[:-4]
            if moved not in files and (repo.path / name).exists():
                repo.git("mv", name, moved)
                files[moved] = files.pop(name)
                return
        if roll < 0.35 and lines:
            del lines[rng.randrange(len(lines))]
        else:
            lines.insert(rng.randint(0, len(lines)), rng.choice([*named, *bare, *bare, *context, *filler]))
        text = "\n".join(lines)
        repo.write(name, text if rng.random() < 0.4 or not text else text + "\n")

    main_names, side_names = ["a.py", "b/c.env", "d.txt"], ["e.py", "f/g.yaml"]
    n = 0
    while n < commits:
        if n and n % 9 == 0:
            repo.git("checkout", "-q", "-b", f"side{n}")
            for _ in range(2):
                edit(side_names)
                repo.commit(f"side {n}")
            repo.git("checkout", "-q", "main")
            edit(main_names)
            repo.commit(f"main {n}")
            repo.git("merge", "-q", "--no-ff", "--no-commit", f"side{n}")
            if n % 2:  # the merge adds a line neither parent has
                repo.write("merged.py", rng.choice([*named, *bare]) + "\n")
            repo.commit(f"merge {n}")
            n += 4
        else:
            edit(main_names)
            repo.commit(f"c {n}")
            n += 1
    damaged = repo.git("rev-parse", "HEAD~5:a.py")
    loose = repo.path / ".git" / "objects" / damaged[:2] / damaged[2:]
    loose.chmod(0o644)
    loose.write_bytes(b"not zlib at all")
    return repo


@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_history_scans_the_same_whatever_the_runs_and_processes(
        tmp_path: Path, shipped_rules: RuleSet, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Introducing commits, each key once per path, history_only, the damaged commits'
    errors and the counts do not depend on where runs of commits end, how many git
    processes take them, nor on the forked process sharing the reads for context."""
    from byok_ci.pipeline import context

    repo = _random_history(tmp_path / "repo", shipped_rules, random.Random(seed), commits=40)

    def scanned(jobs: int) -> tuple[object, ...]:
        report = scan_git(GitTarget("history"), cwd=str(repo.path), rules=shipped_rules, settings=Settings(jobs=jobs))
        # (The library's errors come in the order the runs met them: reports sort them.)
        return ([(f.fingerprint, f.path, f.commit, f.line, f.column, f.history_only) for f in report.findings],
                sorted(report.errors, key=lambda e: (e.path, e.message)), replace(report.stats, seconds=0))

    single = scanned(1)
    assert len(single[0]) >= 5 and single[1]  # keys found, and the damaged blob's commits said so
    assert any(finding[5] for finding in single[0])  # (a key a later commit removed)
    monkeypatch.setattr(runs, "COMMITS_PER_RUN", 1)  # every commit a run of its own
    monkeypatch.setattr(runs, "BYTES_PER_RUN", 1)
    monkeypatch.setattr(context, "SHARE_MIN_VERSIONS", 2)  # the reads for context shared with a fork
    for jobs in (2, 3):
        assert scanned(jobs) == single, jobs

"""A history's shard plan made once (`byok-ci shard-plan N`) and read by every shard
(`scan --history --shard K/N --shard-plan FILE`): the same shards as each shard computing the
plan itself, and a plan that does not fit the scan is an incomplete run, never a clean one."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.exitcodes import exit_code
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.shard import Shard
from byok_ci.sources.git.plan_file import ShardPlanUnusable, _content_id, make_plan, read_plan
from byok_ci.sources.git.sharding import history_listing, narrowed
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo
from tests.sources.git.test_shard_commits import _history as _merges_history
from tests.test_shard import _findings_json, _history, _keys, _merged, _stats


def _plan_file(tmp_path: Path, repo: GitRepo, count: int, pathspecs: tuple[str, ...] = ()) -> Path:
    path = tmp_path / f"plan-{count}.json"
    path.write_text(json.dumps(make_plan(count, str(repo.path), pathspecs)), encoding="utf-8")
    return path


def _invoke(args: list[str], cwd: Path):  # type: ignore[no-untyped-def]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, env={**GIT_ENV, "NO_COLOR": "1"}, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.mark.parametrize("count", (2, 3, 7))
def test_shards_reading_one_plan_are_the_shards_that_list_the_history(tmp_path: Path, shipped_rules: RuleSet,
                                                                        rng: random.Random, count: int) -> None:
    """Keys added, copied, moved, deleted, in a pull-request ref, in odd names; each shard
    with the plan reports what it reports without, and the merge is the single scan."""
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    target = GitTarget("history")
    single = scan_git(target, cwd=str(repo.path))
    plan = read_plan(str(_plan_file(tmp_path, repo, count)))
    planned, listed = [], []
    for k in range(1, count + 1):
        planned.append(scan_git(target, cwd=str(repo.path), shard=Shard(k, count), plan=plan))
        listed.append(scan_git(target, cwd=str(repo.path), shard=Shard(k, count)))
        assert planned[-1].scanned == listed[-1].scanned  # the same commits, refs and assignment
        assert _findings_json(planned[-1]) == _findings_json(listed[-1])
        assert not planned[-1].errors
    merged = _merged(planned, tmp_path)
    assert not merged.errors, merged.errors
    assert _findings_json(merged) == _findings_json(single)
    assert _stats(merged) == _stats(single)


@pytest.mark.parametrize("count", (2, 5))
def test_a_plan_gives_each_shard_the_commits_its_listing_would(tmp_path: Path, shipped_rules: RuleSet,
                                                              rng: random.Random, count: int) -> None:
    """A merge that alone adds a path, a deletion only, a key as an author's name: each shard
    is given the commits that change its paths, as when it lists the history itself."""
    keys = [key_for(shipped_rules, ("openai.project-key", "groq.api-key")[i % 2], rng) for i in range(7)]
    repo = _merges_history(tmp_path / "repo", key_for(shipped_rules, "anthropic.api-key", rng), keys)
    cwd = str(repo.path)
    plan = read_plan(str(_plan_file(tmp_path, repo, count)))
    listing = history_listing(cwd, False)
    assert plan.costs is not None
    for k in range(1, count + 1):
        with narrowed(Shard(k, count), listing.weights(), (), cwd) as narrowing:
            assert plan.plan.digest() == narrowing.plan
            assert plan.costs.get(k, {}) == listing.commit_costs(narrowing.owns)
    single = scan_git(GitTarget("history"), cwd=cwd)
    shards = [scan_git(GitTarget("history"), cwd=cwd, shard=Shard(k, count), plan=plan) for k in range(1, count + 1)]
    merged = _merged(shards, tmp_path)
    assert not merged.errors and _findings_json(merged) == _findings_json(single)


def test_the_command_line_plans_once_and_the_shards_merge_to_the_single_scan(tmp_path: Path, shipped_rules: RuleSet,
                                                                             rng: random.Random) -> None:
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    plan = tmp_path / "plan.json"
    made = _invoke(["shard-plan", "3", "--output", str(plan)], repo.path)
    assert made.exit_code == 0, made.output
    assert json.loads(plan.read_text())["count"] == 3
    reports = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard-{k}.json"
        done = _invoke(["scan", "--history", "--shard", f"{k}/3", "--shard-plan", str(plan), "-q", "--format", "json",
                        "--output", str(out)], repo.path)
        assert done.exit_code in (0, 1), done.output
        reports.append(str(out))
    single = tmp_path / "single.json"
    _invoke(["scan", "--history", "-q", "--format", "json", "--output", str(single)], repo.path)
    merged = tmp_path / "merged.json"
    done = _invoke(["report", "merge", *reports, "-q", "--format", "json", "--output", str(merged)], repo.path)
    assert done.exit_code == 1  # the keys: found, complete
    assert json.loads(merged.read_text())["findings"] == json.loads(single.read_text())["findings"]


def test_a_plan_made_before_a_new_commit_makes_the_shard_incomplete_not_clean(tmp_path: Path, shipped_rules: RuleSet,
                                                                             rng: random.Random) -> None:
    """A commit made after the plan could add a path no shard's pathspecs name: the shard
    reports that the plan is another history's and scans nothing (exit 2)."""
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    plan = _plan_file(tmp_path, repo, 2)
    repo.write("new/leak.py", f"KEY = '{_keys(shipped_rules, rng, 1)[0]}'\n")
    repo.commit("after the plan")
    report = scan_git(GitTarget("history"), cwd=str(repo.path), shard=Shard(1, 2), plan=read_plan(str(plan)))
    assert exit_code(report) == 2 and not report.findings
    assert any("made for another history" in e.message and str(plan) in e.message for e in report.errors)
    done = _invoke(["scan", "--history", "--shard", "2/2", "--shard-plan", str(plan), "-q"], repo.path)
    assert done.exit_code == 2
    assert "made for another history" in done.output


def test_a_plan_for_other_paths_objects_or_directory_is_refused(tmp_path: Path, shipped_rules: RuleSet,
                                                               rng: random.Random) -> None:
    """Pathspecs are read from the directory a scan runs in, and --all-objects reads commits
    no ref names: a plan made otherwise could leave them to no shard."""
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    plan = read_plan(str(_plan_file(tmp_path, repo, 2, pathspecs=("src",))))
    for target, pathspecs, cwd, expected in (
            (GitTarget("history"), (), repo.path, "made for other paths"),
            (GitTarget("history"), ("src",), repo.path / "src", "made for other paths"),
            (GitTarget("history", all_objects=True), ("src",), repo.path, "without --all-objects")):
        report = scan_git(target, pathspecs, cwd=str(cwd), shard=Shard(1, 2), plan=plan)
        assert exit_code(report) == 2 and any(expected in e.message for e in report.errors), report.errors
        assert not report.findings
    done = _invoke(["scan", "--history", "--all-objects", "--shard", "1/2", "--shard-plan", plan.source, "-q"],
                   repo.path)
    assert done.exit_code == 2 and "not --all-objects" in done.output


def test_a_plan_with_pathspecs_gives_what_the_listing_shards_give(tmp_path: Path, shipped_rules: RuleSet,
                                                                 rng: random.Random) -> None:
    """With pathspecs of the scan's own, a shard with a plan has git diff the other shards'
    paths too (no listing names them to spare) and drops them: the same findings and counts."""
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    specs = ("src", "lib", "app")
    plan = read_plan(str(_plan_file(tmp_path, repo, 3, pathspecs=specs)))
    target = GitTarget("history")
    planned = [scan_git(target, specs, cwd=str(repo.path), shard=Shard(k, 3), plan=plan) for k in (1, 2, 3)]
    listed = [scan_git(target, specs, cwd=str(repo.path), shard=Shard(k, 3)) for k in (1, 2, 3)]
    for mine, theirs in zip(planned, listed):
        assert not mine.errors and mine.scanned == theirs.scanned
        assert _findings_json(mine) == _findings_json(theirs) and _stats(mine) == _stats(theirs)
    single = scan_git(target, specs, cwd=str(repo.path))
    assert single.findings and _findings_json(_merged(planned, tmp_path)) == _findings_json(single)


@pytest.mark.parametrize("count", (2, 3))
def test_a_name_holding_an_escape_as_text_stays_its_shards(tmp_path: Path, shipped_rules: RuleSet,
                                                          rng: random.Random, count: int) -> None:
    """Reports show a byte that is not UTF-8 as \\xNN, so a name whose own text is \\x41 reads
    back as `aA.txt`: a shard told only the shown names would give it another shard's owner."""
    keys = _keys(shipped_rules, rng, 3)
    repo = GitRepo(tmp_path / "repo")
    repo.write("a\\x41.txt", "x\n" * 4000 + f"KEY = '{keys[0]}'\n")
    repo.write("aA.txt", "y\n" * 4000 + f"KEY = '{keys[1]}'\n")
    repo.write("b.txt", f"KEY = '{keys[2]}'\n")
    repo.commit("names")
    plan = read_plan(str(_plan_file(tmp_path, repo, count)))
    assert plan.shown  # the name that does not give its bytes back is in the plan
    shards = [scan_git(GitTarget("history"), cwd=str(repo.path), shard=Shard(k, count), plan=plan)
              for k in range(1, count + 1)]
    single = scan_git(GitTarget("history"), cwd=str(repo.path))
    assert len(single.findings) == 3
    assert _findings_json(_merged(shards, tmp_path)) == _findings_json(single)


def test_a_shallow_clone_is_not_planned(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """A plan made where the older commits are missing would leave them out of every shard."""
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(shallow)], check=True,
                   env={**os.environ, **GIT_ENV})
    done = _invoke(["shard-plan", "2", "--output", str(tmp_path / "plan.json")], shallow)
    assert done.exit_code == 2 and "shallow clone" in done.output
    assert not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("case", ("not json", "edited", "edited commits", "not a plan", "other count", "no shard",
                                  "missing", "infinite cost", "huge number"))
def test_a_plan_file_that_cannot_be_used_is_a_one_line_usage_error(tmp_path: Path, shipped_rules: RuleSet,
                                                                  rng: random.Random, case: str) -> None:
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    plan = _plan_file(tmp_path, repo, 3)
    data = json.loads(plan.read_text())
    shard = ["--shard", "1/3"]
    if case == "not json":
        plan.write_text('{"format": "byok-ci-shard-plan/1",\n"count": 3,\n', encoding="utf-8")
        expected = f"{plan}:3: not a shard plan"
    elif case == "edited":  # a unit moved to another shard by hand: its id no longer matches
        unit = next(iter(data["units"]))
        data["units"][unit] = data["units"][unit] % 3 + 1
        plan.write_text(json.dumps(data), encoding="utf-8")
        expected = "does not match its id"
    elif case == "edited commits":  # a shard's commits emptied: it would diff nothing
        data["commits"]["2"] = {}
        plan.write_text(json.dumps(data), encoding="utf-8")
        expected = "does not match its id"
    elif case == "infinite cost":  # forged with its id: still refused
        data["commits"]["1"] = {"0" * 40: float("inf")}
        data["id"] = _content_id({key: value for key, value in data.items() if key != "id"})
        plan.write_text(json.dumps(data), encoding="utf-8")
        expected = "inf is not a cost"
    elif case == "huge number":
        plan.write_text('{"count": ' + "9" * 5000 + "}", encoding="utf-8")
        expected = "not a shard plan"
    elif case == "not a plan":
        plan.write_text(json.dumps({"findings": []}), encoding="utf-8")
        expected = "not a shard plan"
    elif case == "other count":
        shard = ["--shard", "1/2"]
        expected = "a plan for 3 shards, not 2"
    elif case == "no shard":
        shard = []
        expected = "--shard-plan applies to --history with --shard"
    else:
        plan = tmp_path / "absent.json"
        expected = "cannot read the shard plan"
    done = _invoke(["scan", "--history", *shard, "--shard-plan", str(plan), "-q"], repo.path)
    assert done.exit_code == 2, done.output
    assert len([line for line in done.output.splitlines() if expected in line]) == 1, done.output  # one line


def test_a_plan_file_is_checked_for_shard_numbers(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    plan = _plan_file(tmp_path, repo, 2)
    data = json.loads(plan.read_text())
    data["units"][next(iter(data["units"]))] = 9
    data["id"] = _content_id({key: value for key, value in data.items() if key != "id"})  # forged, not damaged
    plan.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ShardPlanUnusable, match="9 is not a shard of 2"):
        read_plan(str(plan))


def test_a_shard_with_a_plan_does_not_list_the_history(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What the plan is for: the shard reads it instead of listing and sizing every change."""
    from byok_ci.sources.git import sharding

    repo = _history(tmp_path / "repo", _keys(shipped_rules, rng, 6))
    plan = read_plan(str(_plan_file(tmp_path, repo, 2)))
    listed = scan_git(GitTarget("history"), cwd=str(repo.path), shard=Shard(2, 2))

    def no_listing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a shard with a plan listed the history")

    monkeypatch.setattr(sharding, "history_listing", no_listing)
    planned = scan_git(GitTarget("history"), cwd=str(repo.path), shard=Shard(2, 2), plan=plan)
    assert not planned.errors and _findings_json(planned) == _findings_json(listed)
    assert planned.scanned == listed.scanned


def test_a_key_in_a_path_or_pathspec_is_never_written_whole(tmp_path: Path, shipped_rules: RuleSet,
                                                           rng: random.Random) -> None:
    """The plan names paths and pathspecs (as hex), and the error that quotes a plan's
    pathspecs is redacted like every message."""
    key = _keys(shipped_rules, rng, 1)[0]
    repo = GitRepo(tmp_path / "repo")
    for i in range(3):
        repo.write(f"keys-{key}/n{i}.txt", "x\n" * (i * 100 + 1))
    repo.write("other/a.txt", "y\n" * 50)
    repo.commit("a key as a directory's name")
    plan = tmp_path / "plan.json"
    done = _invoke(["shard-plan", "2", f"keys-{key}", "other", "--output", str(plan)], repo.path)
    assert done.exit_code == 0, done.output
    assert key not in plan.read_text() and key not in done.output
    assert read_plan(str(plan)).pathspecs == (f"keys-{key}", "other")
    out = tmp_path / "shard.json"
    done = _invoke(["scan", "--history", "--shard", "1/2", "--shard-plan", str(plan), "--format", "json",
                    "--output", str(out)], repo.path)
    assert done.exit_code == 2 and "made for other paths" in done.output
    assert key not in done.output and key not in out.read_text()
    assert "made for other paths" in out.read_text()

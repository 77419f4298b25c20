"""The Action on the workspace actions/checkout really leaves, for each kind of event.

Every test pushes to a bare "GitHub" remote, lays out the workspace as actions/checkout
does (depth 1 unless said otherwise: the pushed branch is then itself a remote-tracking
ref), writes a real-shaped event payload and runs action.yml's check step.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.gitrepo import GitRepo
from tests.realclient.harness import ZERO, ActionRunner, Remote, actions_checkout, developer, event, push_event

pytestmark = pytest.mark.slow  # the Action's venv, real git remotes


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path / "origin.git")


@pytest.fixture
def dev(remote: Remote, tmp_path: Path) -> GitRepo:
    """A developer clone whose clean ``main`` (three commits) is on the remote."""
    repo = developer(remote, tmp_path / "dev")
    for n in range(3):
        repo.write("README.md", f"hello {n}\n")
        repo.commit(f"main {n}")
    repo.git("push", "-q", "origin", "main")
    return repo


@pytest.fixture
def leak(shipped_rules: RuleSet):  # type: ignore[no-untyped-def]
    """Write ``.env.production`` holding a fresh OpenAI key into a repository."""
    rng = random.Random(7)

    def write(repo: GitRepo, name: str = ".env.production") -> str:
        key = key_for(shipped_rules, "openai.project-key", rng)
        repo.write(name, f"OPENAI_API_KEY={key}\n")
        return key

    return write


def run_push(runner: ActionRunner, remote: Remote, tmp_path: Path, payload: dict, *,  # type: ignore[type-arg]
             fetch_depth: int = 1, inputs: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """actions/checkout for the pushed ref and sha, then the check step."""
    ref = payload["ref"]
    sha = payload["after"] if payload["after"] != ZERO else remote.sha(payload["repository"]["default_branch"])
    workspace = actions_checkout(remote, tmp_path / "workspace", ref=ref, sha=sha, fetch_depth=fetch_depth)
    return runner.run_check(workspace.path, tmp_path / "run", "push", payload, ref=ref, sha=sha,
                            inputs={"run": "scan", **(inputs or {})})


def run_pull_request(runner: ActionRunner, remote: Remote, tmp_path: Path, number: int, base: str, head: str, *,  # type: ignore[no-untyped-def]
                     inputs: dict[str, str] | None = None):
    """GitHub's merge ref for pull request ``number`` (``base``...``head``), actions/checkout of
    it, then the check step with a pull_request event."""
    merge = remote.pull_request(number, head)
    payload = event("pull_request-synchronize", **{"pull_request.head.sha": head, "pull_request.base.sha": base,
                                                   "after": head})
    ref = f"refs/pull/{number}/merge"
    workspace = actions_checkout(remote, tmp_path / "workspace", ref=ref, sha=merge)
    return runner.run_check(workspace.path, tmp_path / "run", "pull_request", payload, ref=ref, sha=merge,
                            inputs={"run": "scan", **(inputs or {})})


def findings(run) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return json.loads(run.report("json"))["findings"]  # type: ignore[no-any-return]


def test_new_branch_that_adds_a_key_fails(action_runner: ActionRunner, remote: Remote, dev: GitRepo, leak,  # type: ignore[no-untyped-def]
                                          tmp_path: Path) -> None:
    """CI seams 1: the pushed branch is itself origin/newbranch after actions/checkout."""
    dev.git("checkout", "-q", "-b", "newbranch")
    key = leak(dev)
    sha = dev.commit("add production settings")
    dev.git("push", "-q", "origin", "newbranch")
    run = run_push(action_runner, remote, tmp_path, push_event("push-new-branch", ref="refs/heads/newbranch",
                                                               before=ZERO, after=sha))
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    assert run.outputs["result"] == "fail" and run.outputs["leaks"] == "1"
    assert [(f["path"], f["commit"]) for f in findings(run)] == [(".env.production", sha)]
    assert "| .env.production | 1 | openai.project-key |" in run.summary
    assert key[20:40] not in run.done.stdout + run.done.stderr + run.summary


def test_new_branch_scans_only_its_own_commits(action_runner: ActionRunner, remote: Remote, dev: GitRepo, leak,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    """A key already on main (reported when main was pushed) is not this push's doing."""
    leak(dev, "old.env")
    dev.commit("an old key, already on main")
    dev.git("push", "-q", "origin", "main")
    dev.git("checkout", "-q", "-b", "feature")
    dev.write("feature.txt", "clean\n")
    first = dev.commit("feature 1")
    dev.write("feature.txt", "still clean\n")
    sha = dev.commit("feature 2")
    dev.git("push", "-q", "origin", "feature")
    run = run_push(action_runner, remote, tmp_path, push_event("push-new-branch", ref="refs/heads/feature",
                                                               before=ZERO, after=sha))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    data = json.loads(run.report("json"))
    assert data["findings"] == [] and data["stats"]["commits"] == 2, data
    assert first  # both feature commits, and nothing of main's history


def test_tag_push_of_a_commit_on_no_branch_fails(action_runner: ActionRunner, remote: Remote, dev: GitRepo, leak,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    """A release tag on a commit no branch holds: the tag is the only way to it."""
    dev.git("checkout", "-q", "--detach")
    leak(dev)
    sha = dev.commit("release build settings")
    dev.git("tag", "v1.0")
    dev.git("push", "-q", "origin", "v1.0")
    run = run_push(action_runner, remote, tmp_path, push_event("push-tag", ref="refs/tags/v1.0", before=ZERO, after=sha))
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    assert [f["commit"] for f in findings(run)] == [sha]


def test_tag_push_of_mains_tip_has_nothing_new(action_runner: ActionRunner, remote: Remote, dev: GitRepo,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    dev.git("tag", "-a", "-m", "release", "v2.0")
    dev.git("push", "-q", "origin", "v2.0")
    sha = dev.git("rev-parse", "HEAD")
    run = run_push(action_runner, remote, tmp_path, push_event("push-tag", ref="refs/tags/v2.0", before=ZERO, after=sha))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    assert json.loads(run.report("json"))["stats"]["commits"] == 0


def test_new_branch_of_a_fork_that_adds_a_key_fails(action_runner: ActionRunner, remote: Remote, dev: GitRepo, leak,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    """The workflow runs in the fork; its origin is the fork, which has upstream's branches."""
    fork = Remote(tmp_path / "fork.git")
    fork.git("fetch", "-q", remote.url, "+refs/heads/*:refs/heads/*")
    contributor = developer(fork, tmp_path / "contributor")
    contributor.git("checkout", "-q", "-b", "fix-typo")
    contributor.write("README.md", "hello, fixed\n")
    contributor.commit("fix typo")
    leak(contributor)
    sha = contributor.commit("oops")
    contributor.git("push", "-q", "origin", "fix-typo")
    payload = push_event("push-new-branch", ref="refs/heads/fix-typo", before=ZERO, after=sha,
                         **{"repository.fork": True, "repository.full_name": "contributor/Hello-World"})
    run = run_push(action_runner, fork, tmp_path, payload)
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    data = json.loads(run.report("json"))
    assert [f["commit"] for f in data["findings"]] == [sha] and data["stats"]["commits"] == 2


def test_first_push_of_a_repository_scans_all_of_it(action_runner: ActionRunner, remote: Remote, leak,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    """No other branch exists: every commit of the pushed branch is new, and a notice says so."""
    repo = developer(remote, tmp_path / "first")
    leak(repo)
    old = repo.commit("start, with a key")
    repo.git("rm", "-q", ".env.production")
    sha = repo.commit("remove it")
    repo.git("push", "-q", "origin", "main")
    run = run_push(action_runner, remote, tmp_path, push_event("push-new-branch", ref="refs/heads/main",
                                                               before=ZERO, after=sha))
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    assert [f["commit"] for f in findings(run)] == [old]
    assert "no other branch" in run.summary


def test_force_push_whose_old_commit_is_gone_scans_what_is_new(action_runner: ActionRunner, remote: Remote,  # type: ignore[no-untyped-def]
                                                               dev: GitRepo, leak, tmp_path: Path) -> None:
    """CI seams 3: ``before`` was garbage-collected; say so, scan the rest, no fetch-depth advice."""
    before = dev.git("rev-parse", "HEAD")
    dev.git("reset", "-q", "--hard", "HEAD~2")
    leak(dev)
    sha = dev.commit("rewritten")
    dev.git("push", "-q", "--force", "origin", "main")
    remote.git("reflog", "expire", "--expire=now", "--all")
    remote.git("gc", "-q", "--prune=now")
    payload = push_event("push-forced", ref="refs/heads/main", before=before, after=sha)
    for depth in (1, 0):
        run = run_push(action_runner, remote, tmp_path / f"depth{depth}", payload, fetch_depth=depth)
        output = run.done.stdout + run.done.stderr + run.summary
        assert run.done.returncode == 1, output
        assert [f["commit"] for f in findings(run)] == [sha]
        assert f"{before[:12]}" in output and "unreachable" in output
        assert "fetch-depth" not in output


def test_branch_deletion_has_nothing_to_scan(action_runner: ActionRunner, remote: Remote, dev: GitRepo,  # type: ignore[no-untyped-def]
                                             tmp_path: Path) -> None:
    dev.git("push", "-q", "origin", "main:gone")
    gone = dev.git("rev-parse", "HEAD")
    dev.git("push", "-q", "origin", ":gone")
    # GitHub runs the workflow at the default branch's sha for a deleted ref.
    run = run_push(action_runner, remote, tmp_path, push_event("push-deleted", ref="refs/heads/gone",
                                                               before=gone, after=ZERO))
    assert run.done.returncode == 0, run.done.stdout + run.done.stderr
    assert run.outputs["result"] == "pass" and "nothing to scan" in run.summary


def test_push_to_an_existing_branch(action_runner: ActionRunner, remote: Remote, dev: GitRepo, leak,  # type: ignore[no-untyped-def]
                                    tmp_path: Path) -> None:
    before = dev.git("rev-parse", "HEAD")
    for n in range(3):
        dev.write(f"n{n}.txt", f"{n}\n")
        dev.commit(f"work {n}")
    leak(dev)
    sha = dev.commit("settings")
    dev.git("push", "-q", "origin", "main")
    run = run_push(action_runner, remote, tmp_path, push_event("push", ref="refs/heads/main", before=before, after=sha))
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    data = json.loads(run.report("json"))
    assert [f["commit"] for f in data["findings"]] == [sha] and data["stats"]["commits"] == 4


def test_pull_request_checks_out_the_merge_ref(action_runner: ActionRunner, remote: Remote, dev: GitRepo, leak,  # type: ignore[no-untyped-def]
                                               tmp_path: Path) -> None:
    base = dev.git("rev-parse", "HEAD")
    dev.git("checkout", "-q", "-b", "changes")
    leak(dev)
    head = dev.commit("settings")
    dev.write("more.txt", "more\n")
    head = dev.commit("more")
    dev.git("push", "-q", "origin", "changes")
    run = run_pull_request(action_runner, remote, tmp_path, 2, base, head)
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    assert [f["path"] for f in findings(run)] == [".env.production"]


def test_new_branch_when_the_other_branches_cannot_be_fetched(action_runner: ActionRunner, remote: Remote,  # type: ignore[no-untyped-def]
                                                              dev: GitRepo, leak, tmp_path: Path) -> None:
    """A remote ref to a missing object makes fetching refs/heads/* fail: only the default
    branch (from the payload) is known, and the notice says so."""
    dev.git("checkout", "-q", "-b", "newbranch")
    leak(dev)
    sha = dev.commit("add production settings")
    dev.git("push", "-q", "origin", "newbranch")
    (remote.path / "refs" / "heads" / "broken").write_text("0123456789" * 4 + "\n")
    run = run_push(action_runner, remote, tmp_path, push_event("push-new-branch", ref="refs/heads/newbranch",
                                                               before=ZERO, after=sha))
    assert run.done.returncode == 1, run.done.stdout + run.done.stderr
    data = json.loads(run.report("json"))
    assert [f["commit"] for f in data["findings"]] == [sha] and data["stats"]["commits"] == 1
    assert "could not be fetched" in run.summary and "main, the default branch" in run.summary


@pytest.mark.parametrize("inline_allow", ["true", "false"])
def test_a_pull_request_cannot_allow_its_own_key_when_the_workflow_says_so(
        action_runner: ActionRunner, remote: Remote, dev: GitRepo, shipped_rules: RuleSet, tmp_path: Path,
        inline_allow: str) -> None:
    """The marker is written by the change under review: with `inline-allow: "false"` it
    waves nothing through, and the key fails the pull request."""
    base = dev.git("rev-parse", "HEAD")
    dev.git("checkout", "-q", "-b", "changes")
    key = key_for(shipped_rules, "openai.project-key", random.Random(11))
    dev.write("settings.env", f"OPENAI_API_KEY={key}  # byok-ci: allow\n")
    head = dev.commit("settings, marked allowed by their author")
    dev.git("push", "-q", "origin", "changes")
    run = run_pull_request(action_runner, remote, tmp_path, 3, base, head, inputs={"inline-allow": inline_allow})
    output = run.done.stdout + run.done.stderr
    if inline_allow == "true":
        assert run.done.returncode == 0 and findings(run) == [], output
    else:
        assert run.done.returncode == 1, output
        assert [(f["path"], f["rule_id"]) for f in findings(run)] == [("settings.env", "openai.project-key")]
    assert key[20:40] not in output + run.summary

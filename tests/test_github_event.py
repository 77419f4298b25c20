"""Range selection from GitHub event payloads, including shallow checkouts (real git)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from byok_ci.github_event import ZERO_SHA, PlanError, ensure_range, has_commit, plan_from_event, write_outputs

GIT = ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main",
       "-c", "protocol.file.allow=always"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def event(tmp_path: Path, name: str, payload: dict) -> dict[str, str]:  # type: ignore[type-arg]
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path)}


def test_not_github() -> None:
    assert plan_from_event({}) is None


def test_pull_request(tmp_path: Path) -> None:
    plan = plan_from_event(event(tmp_path, "pull_request", {"pull_request": {"base": {"sha": "a" * 40}, "head": {"sha": "b" * 40}}}))
    assert plan is not None and (plan.mode, plan.base, plan.head) == ("range", "a" * 40, "b" * 40)


@pytest.mark.parametrize(
    ("before", "after", "mode"),
    [("a" * 40, "b" * 40, "range"), (ZERO_SHA, "b" * 40, "commits"), ("b" * 40, "b" * 40, "nothing"), ("a" * 40, ZERO_SHA, "nothing")],
)
def test_push(tmp_path: Path, before: str, after: str, mode: str) -> None:
    plan = plan_from_event(event(tmp_path, "push", {"before": before, "after": after}))
    assert plan is not None and plan.mode == mode
    if mode == "nothing":
        assert plan.notice


def test_schedule_and_dispatch(tmp_path: Path) -> None:
    assert plan_from_event(event(tmp_path, "schedule", {})).mode == "history"  # type: ignore[union-attr]
    assert plan_from_event(event(tmp_path, "workflow_dispatch", {}), scheduled="tree").mode == "tree"  # type: ignore[union-attr]


def test_unreadable_payload(tmp_path: Path) -> None:
    with pytest.raises(PlanError):
        plan_from_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(tmp_path / "missing.json")})


def test_shallow_checkout_fetches_base_and_deepens_to_the_merge_base(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    for n in range(30):
        (origin / "f.txt").write_text(f"{n}\n")
        git(origin, "add", ".")
        git(origin, "commit", "-qm", f"main {n}")
    git(origin, "checkout", "-qb", "feature")
    for n in range(45):
        (origin / "g.txt").write_text(f"{n}\n")
        git(origin, "add", ".")
        git(origin, "commit", "-qm", f"feature {n}")
    head = git(origin, "rev-parse", "feature")
    git(origin, "checkout", "-q", "main")
    (origin / "f.txt").write_text("moved on\n")
    git(origin, "commit", "-qam", "main moves on")
    base = git(origin, "rev-parse", "main")

    clone = tmp_path / "clone"
    subprocess.run([*GIT, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{origin}", str(clone)], check=True)
    assert not has_commit(clone, base)
    plan = plan_from_event(event(tmp_path, "pull_request", {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}))
    assert plan is not None
    ensure_range(clone, plan)
    assert has_commit(clone, base)
    assert subprocess.run(["git", "merge-base", base, head], cwd=clone, capture_output=True).returncode == 0
    assert git(clone, "rev-list", "--count", f"{base}..{head}") == "45"


def test_missing_base_that_cannot_be_fetched_scans_what_is_new(tmp_path: Path) -> None:
    """A base no remote has (garbage-collected after a force-push): no advice about clone
    depth in a complete clone, but the commits on no other branch, and a notice why."""
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a").write_text("a")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a")
    head = git(repo, "rev-parse", "HEAD")
    plan = plan_from_event(event(tmp_path, "push", {"ref": "refs/heads/main", "before": "c" * 40, "after": head}))
    assert plan is not None
    plan = ensure_range(repo, plan)
    assert plan.mode == "commits" and plan.head == head
    assert "cccccccccccc" in plan.notice and "unreachable" in plan.notice and "fetch-depth" not in plan.notice


def test_missing_head_that_cannot_be_fetched(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    plan = plan_from_event(event(tmp_path, "pull_request", {"pull_request": {"base": {"sha": "c" * 40},
                                                                             "head": {"sha": "d" * 40}}}))
    with pytest.raises(PlanError, match="dddddddddddd") as caught:
        ensure_range(repo, plan)  # type: ignore[arg-type]
    assert "fetch-depth" not in str(caught.value)  # not a shallow clone: that advice would not help


def test_outputs_file(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(str(path), {"findings": 3, "summary": "a\nb"})
    text = path.read_text()
    assert text.startswith("findings=3\nsummary<<") and "\na\nb\n" in text


def test_new_branch_without_a_ref_compares_with_the_default_branch_only(tmp_path: Path) -> None:
    """Without the pushed ref its own refs cannot be told from the others (which would hide
    every new commit): only the default branch counts as known."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    (origin / "a").write_text("a")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "a")
    git(origin, "checkout", "-qb", "feature")
    (origin / "b").write_text("b")
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "b")
    head = git(origin, "rev-parse", "HEAD")
    clone = tmp_path / "clone"
    subprocess.run([*GIT, "clone", "-q", "--branch", "feature", f"file://{origin}", str(clone)], check=True)
    plan = plan_from_event(event(tmp_path, "push", {"before": ZERO_SHA, "after": head,
                                                    "repository": {"default_branch": "main"}}))
    assert plan is not None
    plan = ensure_range(clone, plan)
    assert plan.known == ("refs/remotes/origin/main",) and "main, the default branch" in plan.notice
    assert git(clone, "rev-list", head, "--not", *plan.known) == head


def test_unknown_base_of_an_explicit_range_is_an_error(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a").write_text("a")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "a")
    from byok_ci.github_event import ScanPlan

    with pytest.raises(PlanError, match="cccccccccccc is not in the checkout") as caught:
        ensure_range(repo, ScanPlan("range", "c" * 40, git(repo, "rev-parse", "HEAD")))
    assert "fetch-depth" not in str(caught.value)

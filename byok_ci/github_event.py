"""What a CI run should scan, from the GitHub event payload (never the paginated API).

pull_request → base sha..head sha (every commit, however many); push → before..after,
with an empty push (``before == after``) and a deletion handled. A new branch or tag (all-zero
``before``), and a push whose ``before`` is no longer in the repository (a force-push leaves
it to garbage collection), scan the pushed commits that no *other* branch or tag holds:
actions/checkout leaves the pushed branch itself as ``origin/<branch>``, so "not on any
remote ref" would be nothing at all. schedule / workflow_dispatch → full history or the
working tree, as configured.

A shallow checkout is completed as far as the plan needs: the base of a range is fetched
and the history deepened until the merge base is present; for new commits the other
branches are fetched and the pushed commit deepened until its history meets theirs.
Other CI systems pass ``--range`` instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from byok_ci.errors import PlanError
from byok_ci.sources.git.process import environment

ZERO_SHA = "0" * 40
DEEPEN_STEPS = (50, 200, 1000)
FETCH_DEPTH_HINT = "use actions/checkout with fetch-depth: 0"


@dataclass(frozen=True)
class ScanPlan:
    """What to scan. ``mode``: range (base..head), commits (head minus what ``known`` names),
    history, tree, or nothing.

    ``ref`` is the ref the event is about (``refs/heads/x``, ``refs/tags/v1``,
    ``refs/pull/2/merge``); ``main_branch`` the branch whose history counts as already
    scanned when nothing better is known (the push payload's default branch, a pull
    request's base branch). ``known`` holds `git rev-list` arguments naming the commits
    that are not new, once :func:`ensure_range` has worked them out.
    """

    mode: str
    base: str | None = None
    head: str | None = None
    notice: str = ""
    event: str = ""
    ref: str = ""
    main_branch: str = ""
    known: tuple[str, ...] | None = None


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False, env=environment())


def has_commit(repo: Path, sha: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def _is_shallow(repo: Path) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def plan_from_event(environ: Mapping[str, str], *, scheduled: str = "history") -> ScanPlan | None:
    """The plan for this GitHub event, or None when not running under GitHub Actions."""
    name = environ.get("GITHUB_EVENT_NAME", "")
    path = environ.get("GITHUB_EVENT_PATH", "")
    if not name or not path:
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PlanError(f"{path}: cannot read the GitHub event payload ({type(exc).__name__})") from None
    if not isinstance(payload, dict):
        raise PlanError(f"{path}: the GitHub event payload is not a JSON object")
    ref = str(payload.get("ref") or environ.get("GITHUB_REF", ""))
    if name in ("pull_request", "pull_request_target", "merge_group"):
        pr = payload.get("pull_request") or {}
        base = (pr.get("base") or {}).get("sha") or (payload.get("merge_group") or {}).get("base_sha")
        head = (pr.get("head") or {}).get("sha") or (payload.get("merge_group") or {}).get("head_sha")
        if not base or not head:
            raise PlanError(f"{path}: the {name} payload has no base/head sha")
        base_branch = str((pr.get("base") or {}).get("ref") or "")
        return ScanPlan("range", base, head, event=name, ref=environ.get("GITHUB_REF", ""), main_branch=base_branch)
    if name == "push":
        before, after = payload.get("before") or "", payload.get("after") or ""
        default = str((payload.get("repository") or {}).get("default_branch") or "")
        if payload.get("deleted") is True or not after or after == ZERO_SHA:
            return ScanPlan("nothing", notice=f"{ref or 'ref'} deleted: nothing to scan", event=name)
        if before == after:
            return ScanPlan("nothing", notice="push added no commits (before == after): nothing to scan", event=name)
        if not before or before == ZERO_SHA:
            return ScanPlan("commits", None, after, event=name, ref=ref, main_branch=default)
        return ScanPlan("range", before, after, event=name, ref=ref, main_branch=default)
    if name in ("schedule", "workflow_dispatch"):
        mode = "history" if scheduled == "history" else "tree"
        return ScanPlan(mode, event=name)
    return ScanPlan("tree", notice=f"event {name}: scanning the working tree", event=name)


def ensure_range(repo: Path, plan: ScanPlan, remote: str = "origin") -> ScanPlan:
    """Fetch what a shallow checkout lacks so ``plan`` can be scanned; raise PlanError if impossible.

    Returns the plan to scan: a range whose base cannot be had becomes "the commits on no
    other branch", with a notice saying why.
    """
    for rev in (plan.base, plan.head):
        if rev and rev.startswith("-"):
            # git would read it as an option (`--upload-pack=CMD` runs CMD): never a commit.
            raise PlanError(f"{rev[:12]!r}… is not a commit: a revision never starts with '-'")
    if plan.mode == "commits":
        return _new_commits(repo, plan, remote)
    if plan.mode != "range" or plan.base is None or plan.head is None:
        return plan
    if not has_commit(repo, plan.head):
        _git(repo, "fetch", "--no-tags", "--quiet", remote, plan.head)
        if not has_commit(repo, plan.head):
            hint = f"; {FETCH_DEPTH_HINT}" if _is_shallow(repo) else ""
            raise PlanError(f"commit {plan.head[:12]} (the event's head) is not in the checkout and could not be "
                            f"fetched from {remote}{hint}")
    if not has_commit(repo, plan.base):
        _git(repo, "fetch", "--no-tags", "--quiet", remote, plan.base)
        if not has_commit(repo, plan.base):
            if not plan.event:  # --range: the user named it, so a typo is an error
                hint = f"; {FETCH_DEPTH_HINT}" if _is_shallow(repo) else ""
                raise PlanError(f"commit {plan.base[:12]} is not in the checkout and could not be fetched "
                                f"from {remote}{hint}")
            # A force-push (or a rebased base branch) leaves the old commit to git's garbage
            # collection: no depth of clone brings it back. What is new is still well defined.
            why = (f"commit {plan.base[:12]} (the event's base) is unreachable: {remote} no longer has it "
                   "(a force-push leaves the old commit to garbage collection)")
            return _new_commits(repo, replace(plan, mode="commits", base=None), remote, why,
                                other_refs=plan.event == "push")
    if _git(repo, "merge-base", plan.base, plan.head).returncode == 0:
        return plan
    if _is_shallow(repo):
        for depth in DEEPEN_STEPS:
            _git(repo, "fetch", "--no-tags", "--quiet", f"--deepen={depth}", remote, plan.base, plan.head)
            if _git(repo, "merge-base", plan.base, plan.head).returncode == 0:
                return plan
        _git(repo, "fetch", "--no-tags", "--quiet", "--unshallow", remote)
        if _git(repo, "merge-base", plan.base, plan.head).returncode == 0:
            return plan
    # Unrelated histories (e.g. a force-push that replaced everything): base..head is still
    # well defined as "reachable from head, not from base", so scan it.
    return plan


def _own_refs(ref: str, remote: str) -> tuple[list[str], list[str], list[str]]:
    """The refs a checkout of ``ref`` holds for the event itself, as `--exclude` patterns for
    --branches, --remotes and --tags: the pushed branch, its remote-tracking twin, the tag, or
    the pull request's refs (actions/checkout src/ref-helper.ts getRefSpec)."""
    if ref.startswith("refs/heads/"):
        branch = ref[len("refs/heads/"):]
        return [branch], [f"{remote}/{branch}"], []
    if ref.startswith("refs/tags/"):
        return [], [], [ref[len("refs/tags/"):]]
    if ref.startswith("refs/pull/"):
        return [], [f"pull/{ref.split('/')[2]}/*"], []
    return [], [], []


def _other_refs_args(ref: str, remote: str) -> tuple[str, ...]:
    """`git rev-list` arguments naming every branch, remote-tracking ref and tag but the event's own."""
    args: list[str] = []
    for names, flag in zip(_own_refs(ref, remote), ("--branches", "--remotes", "--tags")):
        args += [f"--exclude={name}" for name in names]
        args.append(flag)
    return tuple(args)


def _new_commits(repo: Path, plan: ScanPlan, remote: str, why: str = "", *, other_refs: bool = True) -> ScanPlan:
    """The plan for "the commits of ``plan.head`` that no other branch or tag holds"."""
    assert plan.head is not None
    what = plan.ref or plan.head[:12]
    known: tuple[str, ...] | None = None
    notice = ""
    unlisted = ""
    if other_refs and plan.ref:  # (without the event's ref, its own refs cannot be told from the others)
        # A shallow checkout has no other branch; fetch them all (their whole history: what
        # they reach is what is not new).
        fetched = _git(repo, "fetch", "--no-tags", "--quiet", remote, f"+refs/heads/*:refs/remotes/{remote}/*")
        args = _other_refs_args(plan.ref, remote)
        others = _git(repo, "rev-parse", "--symbolic-full-name", *args).stdout.split()
        if fetched.returncode == 0 and others:
            known = args
            notice = f"{what}: scanning the pushed commits that no other branch or tag holds"
        elif fetched.returncode != 0:
            unlisted = f"the other branches of {remote} could not be fetched; "
    if known is None:
        main = plan.main_branch
        role = "the default branch" if plan.event == "push" else "the base branch"
        if main and f"refs/heads/{main}" != plan.ref and _git(
                repo, "fetch", "--no-tags", "--quiet", remote, f"+refs/heads/{main}:refs/remotes/{remote}/{main}"
        ).returncode == 0:
            known = (f"refs/remotes/{remote}/{main}",)
            notice = f"{what}: {unlisted}scanning the commits not on {main}, {role}"
        else:
            known = ()
            notice = f"{what}: {unlisted}no other branch or tag to compare with; scanning every commit it reaches"
    _deepen_until_known(repo, plan.head, known, remote)
    return replace(plan, known=known, notice=f"{why}; {notice}" if why else notice)


def _deepen_until_known(repo: Path, head: str, known: tuple[str, ...], remote: str) -> None:
    """Deepen a shallow checkout until no new commit of ``head`` is cut off from its parents
    (a cut-off commit would look as if it added its whole tree)."""
    if not _is_shallow(repo):
        return

    def cut_off() -> bool:
        path = _git(repo, "rev-parse", "--git-path", "shallow").stdout.strip()
        try:
            boundary = set((repo / path).read_text().split())
        except OSError:
            return False
        listed = _git(repo, "rev-list", head, "--not", *known).stdout.split()
        return any(sha in boundary for sha in listed)

    for depth in DEEPEN_STEPS:
        if not cut_off():
            return
        _git(repo, "fetch", "--no-tags", "--quiet", f"--deepen={depth}", remote, head)
    if cut_off():
        _git(repo, "fetch", "--no-tags", "--quiet", "--unshallow", remote)


def write_outputs(path: str | None, values: Mapping[str, str | int]) -> None:
    """Append ``name=value`` lines to ``$GITHUB_OUTPUT`` (values redacted: a report path is
    the user's to choose, and outputs end up in logs)."""
    from byok_ci.outbound import redact_text

    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            text = redact_text(str(value))
            if "\n" in text:
                marker = f"byok_ci_{os.getpid()}_eof"
                handle.write(f"{name}<<{marker}\n{text}\n{marker}\n")
            else:
                handle.write(f"{name}={text}\n")

"""What a CI run should scan, from the GitHub event payload (never the paginated API).

pull_request → base sha..head sha (every commit, however many); push → before..after,
with a new branch (all-zero ``before``) and an empty push (``before == after``) handled;
schedule / workflow_dispatch → full history or the working tree, as configured. When the
base of a range is missing from a shallow checkout it is fetched, deepening until the
merge base is present. Other CI systems pass ``--range`` instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ZERO_SHA = "0" * 40
DEEPEN_STEPS = (50, 200, 1000)


@dataclass(frozen=True)
class ScanPlan:
    """``mode``: range (base..head), commits (head --not base_refs), history, tree, or nothing."""

    mode: str
    base: str | None = None
    head: str | None = None
    notice: str = ""
    event: str = ""


class PlanError(Exception):
    """The event's range cannot be scanned; the message says what to do."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def has_commit(repo: Path, sha: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


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
    if name in ("pull_request", "pull_request_target", "merge_group"):
        pr = payload.get("pull_request") or {}
        base = (pr.get("base") or {}).get("sha") or (payload.get("merge_group") or {}).get("base_sha")
        head = (pr.get("head") or {}).get("sha") or (payload.get("merge_group") or {}).get("head_sha")
        if not base or not head:
            raise PlanError(f"{path}: the {name} payload has no base/head sha")
        return ScanPlan("range", base, head, event=name)
    if name == "push":
        before, after = payload.get("before") or "", payload.get("after") or ""
        if not after or after == ZERO_SHA:
            return ScanPlan("nothing", notice="branch deleted: nothing to scan", event=name)
        if before == after:
            return ScanPlan("nothing", notice="push added no commits (before == after): nothing to scan", event=name)
        if not before or before == ZERO_SHA:
            return ScanPlan(
                "commits", None, after,
                notice="new branch: scanning the commits not on any other branch of the remote",
                event=name,
            )
        return ScanPlan("range", before, after, event=name)
    if name in ("schedule", "workflow_dispatch"):
        mode = "history" if scheduled == "history" else "tree"
        return ScanPlan(mode, event=name)
    return ScanPlan("tree", notice=f"event {name}: scanning the working tree", event=name)


def ensure_range(repo: Path, plan: ScanPlan, remote: str = "origin") -> ScanPlan:
    """Fetch what a shallow checkout lacks so ``plan`` can be scanned; raise PlanError if impossible."""
    if plan.mode == "commits":
        # Other branches are needed to know what is new; a shallow checkout has none of them.
        _git(repo, "fetch", "--no-tags", "--quiet", remote, f"+refs/heads/*:refs/remotes/{remote}/*")
        return plan
    if plan.mode != "range" or plan.base is None or plan.head is None:
        return plan
    for sha in (plan.head, plan.base):
        if not has_commit(repo, sha):
            _git(repo, "fetch", "--no-tags", "--quiet", remote, sha)
            if not has_commit(repo, sha):
                raise PlanError(
                    f"commit {sha[:12]} is not in the checkout and could not be fetched from {remote}; "
                    "use actions/checkout with fetch-depth: 0"
                )
    if _git(repo, "merge-base", plan.base, plan.head).returncode == 0:
        return plan
    shallow = _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    if shallow:
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

"""What reaches a commit when no branch or tag does.

A history scan covers more than branches: a `git clone --mirror` of a GitHub repository
holds the pull-request refs (``refs/pull/<n>/head`` and ``/merge``), whose commits GitHub
keeps serving after their branch is gone; a local repository holds the stash, notes, and
with ``--all-objects`` every reflog entry and dangling commit. Findings from those commits
are marked (:data:`byok_ci.model.REACHABILITY`), so a reader knows the key is not on any
branch, and yet was (or may have been) published.
"""

from __future__ import annotations

from collections.abc import Collection

from byok_ci.errors import GitError
from byok_ci.sources.git.process import first_error_line, run

# What counts as "on a branch": local and remote-tracking branches, tags, and HEAD (a CI
# checkout is often a detached HEAD).
BRANCHES = ("--branches", "--tags", "--remotes")
PULL_REQUESTS = "--glob=refs/pull/*"
BRANCH_REFS = (b"refs/heads/", b"refs/tags/", b"refs/remotes/")
# Which mark a finding keeps when the same key is in several commits: the most visible.
RANK = {None: 0, "pull-request": 1, "other-ref": 2, "unreachable": 3}


def reachability(commits: Collection[str], cwd: str | None, *, all_objects: bool) -> dict[str, str]:
    """The mark of each of ``commits`` no branch, tag or HEAD reaches (the others are left
    out): ``pull-request``, ``other-ref`` or, with ``all_objects``, ``unreachable``."""
    if not commits:
        return {}
    refs = run(["for-each-ref", "--format=%(refname)"], cwd=cwd).stdout.split()
    if not all_objects and all(ref.startswith(BRANCH_REFS) for ref in refs):
        return {}  # the common case: every ref is a branch or a tag, nothing to mark
    base = [*BRANCHES, *(["HEAD"] if run(["rev-parse", "--verify", "-q", "HEAD^{commit}"], cwd=cwd).returncode == 0
                          else [])]
    wanted = {sha.encode("ascii") for sha in commits}
    marks: dict[str, str] = {}
    pulls = _listed(["rev-list", PULL_REQUESTS, "--not", *base], cwd) or set()
    others = _listed(["rev-list", "--all", *(["--reflog"] if all_objects else []), "--not", *base, PULL_REQUESTS],
                     cwd) or set()
    for sha in wanted:
        if sha in pulls:
            marks[sha.decode("ascii")] = "pull-request"
        elif sha in others:
            marks[sha.decode("ascii")] = "other-ref"
    reachable = _listed(["rev-list", "--all", "--reflog"], cwd) if all_objects else None
    if reachable is not None:  # (a damaged repository that rev-list cannot walk marks nothing unreachable)
        for sha in wanted - reachable:
            marks[sha.decode("ascii")] = "unreachable"
    return marks


def _listed(args: list[str], cwd: str | None) -> set[bytes] | None:
    done = run(args, cwd=cwd)
    return set(done.stdout.split()) if done.returncode == 0 else None


def every_object(cwd: str | None) -> tuple[list[bytes], list[bytes]]:
    """Every commit and every annotated tag in the object database (packs, loose objects,
    alternates), whatever refers to them: reachable, in a reflog, or dangling."""
    done = run(["cat-file", "--batch-all-objects", "--unordered", "--batch-check=%(objecttype) %(objectname)"],
               cwd=cwd)
    if done.returncode != 0:
        raise GitError(first_error_line(done.stderr))
    commits: list[bytes] = []
    tags: list[bytes] = []
    for line in done.stdout.splitlines():
        if line.startswith(b"commit "):
            commits.append(line[7:])
        elif line.startswith(b"tag "):
            tags.append(line[4:])
    return commits, tags


def mark_of_ref(name: bytes) -> str | None:
    """The mark of what only the ref ``name`` reaches (None: a branch, a tag or HEAD)."""
    if name.startswith(BRANCH_REFS) or name == b"HEAD":
        return None
    return "pull-request" if name.startswith(b"refs/pull/") else "other-ref"

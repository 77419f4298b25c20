"""The repository and the revisions a git scan covers: open it, resolve what the user named,
and work out which commits a range, ``--since`` or a push selects.

The repository is found by git itself (`git rev-parse`), not GitPython: importing GitPython
cost a history scan ~35-140 ms before its first commit was read, for three facts git prints
in a millisecond. `--staged` needs one `git diff` and nothing more.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from byok_ci._values import by_value
from byok_ci.errors import GitError
from byok_ci.sources.git.patch import display
from byok_ci.sources.git.process import first_error_line, run

ZERO_SHA = "0" * 40

@by_value
@dataclass(frozen=True, eq=False, repr=False)
class GitTarget:
    """What to scan. ``revision`` is ``A..B`` for ``range`` and a ref for ``since``.

    ``pre-push``: ``push_from``/``push_to`` are the remote's old sha and the sha being
    pushed (pre-commit's PRE_COMMIT_FROM_REF/TO_REF), or ``updates`` lists several such
    (remote sha, local sha) pairs (git's own pre-push input). What a ref new to the remote
    adds is the commits ``known`` (`git rev-list` arguments) does not reach; by default
    every remote-tracking ref. ``all_objects`` (``history`` only) widens the history to
    every commit the object database holds.
    """

    mode: str
    revision: str | None = None
    push_from: str | None = None
    push_to: str | None = None
    known: tuple[str, ...] | None = None
    updates: tuple[tuple[str, str], ...] = ()
    # ``history``: every commit in the object database, not only those refs reach.
    all_objects: bool = False
    # ``pre-push`` (and ``range``, for a CI job a tag's push started): the names of the refs
    # being pushed and their new commits: a key in a pushed branch or tag name, or in a
    # pushed tag's message, reaches the remote as surely as one in a commit.
    refs: tuple[tuple[str, str], ...] = ()


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Repo:
    """A repository as git finds it from a directory: where to run git, and its (common)
    git directory, where ``shallow``, ``info/grafts`` and the refs live."""

    cwd: str
    git_dir: str
    common_dir: str

    def has_refs(self) -> bool:
        """Whether any ref exists (an empty repository has none)."""
        return bool(run(["for-each-ref", "--count=1", "--format=%(refname)"], cwd=self.cwd).stdout.strip())

    def head_is_valid(self) -> bool:
        return run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=self.cwd).returncode == 0

    def close(self) -> None:
        """Nothing to release (kept so callers need not know)."""


def open_repo(cwd: str | None) -> Repo:
    where = os.path.abspath(cwd or os.getcwd())
    not_here = GitError(f"not a git repository: {where} (nor any parent directory); run byok-ci inside a repository")
    if not os.path.isdir(where):
        raise not_here
    done = run(["rev-parse", "--absolute-git-dir", "--git-common-dir"], cwd=where)
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    if done.returncode != 0 or len(lines) != 2:
        reason = first_error_line(done.stderr)
        raise not_here if "not a git repository" in reason or not reason.strip() else GitError(reason)
    git_dir = lines[0]
    # --git-common-dir is relative to the directory git ran in (older git) or absolute.
    return Repo(where, git_dir, os.path.normpath(os.path.join(where, lines[1])))


def replacements_note(repo: Repo) -> str | None:
    """What a note should say about `git replace` refs and grafts, which the scan ignores."""
    refs = run(["for-each-ref", "--format=%(refname)", "refs/replace/"], cwd=str(repo.common_dir)).stdout.split()
    grafts = os.path.isfile(os.path.join(repo.common_dir, "info", "grafts"))
    if not refs and not grafts:
        return None
    what = " and ".join(filter(None, [f"{len(refs)} `git replace` ref(s)" if refs else "",
                                      "info/grafts" if grafts else ""]))
    return f"ignored {what}: commits are scanned as stored, not as git log shows them"


FETCH_HINT = "fetch it with `git fetch --unshallow` (in CI: fetch-depth: 0)"


def shallow_boundary(repo: Repo) -> frozenset[bytes]:
    """The commits of a shallow clone whose parents were not fetched (empty: not shallow)."""
    try:
        with open(os.path.join(repo.common_dir, "shallow"), "rb") as handle:
            return frozenset(handle.read().split())
    except FileNotFoundError:
        return frozenset()


_HEX = frozenset("0123456789abcdef")


def _is_null(sha: str | None) -> bool:
    return not sha or set(sha) == {"0"}


def resolve(repo: Repo, ref: str) -> str:
    """The commit sha ``ref`` names, or a GitError saying what is wrong with it.

    git itself parses the name, so every form it knows works (``HEAD@{1 year ago}``,
    ``main~3``, ``v1.0^{}``).
    """
    if not ref or ref.startswith("-"):
        raise GitError(f"{ref!r} is not a revision")
    cwd = repo.cwd
    if len(ref) in (40, 64) and set(ref) <= _HEX:
        # A full object name (what a push hands over): named and peeled by one git, not two;
        # anything wrong with it is told as below.
        peeled = run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=cwd)
        if peeled.returncode == 0:
            return peeled.stdout.decode("ascii", "replace").strip()
    found = run(["rev-parse", "--verify", "--quiet", ref], cwd=cwd)
    sha = found.stdout.decode("ascii", "replace").strip()
    if found.returncode != 0 or not sha:
        if ref == "HEAD" and not repo.head_is_valid():
            raise GitError("HEAD has no commits yet (unborn branch); commit first, or scan with --staged")
        raise GitError(f"unknown revision {ref!r}; check the name with `git rev-parse {ref}`")
    # Peeled separately: in ":/message" a suffix would be part of the message pattern.
    peeled = run(["rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"], cwd=cwd)
    if peeled.returncode != 0:
        kind = run(["cat-file", "-t", sha], cwd=cwd).stdout.decode("ascii", "replace").strip() or "object"
        raise GitError(f"{ref!r} names a {kind}, not a commit")
    return peeled.stdout.decode("ascii", "replace").strip()


def revisions_for(repo: Repo, target: GitTarget, note: Callable[[str], None]) -> list[str] | None:
    """`git log` revision arguments for a range, --since or a push; None: nothing to scan."""
    if target.mode == "since":
        return [f"^{resolve(repo, target.revision or '')}", resolve(repo, "HEAD")]
    if target.mode == "range":
        text = target.revision or ""
        symmetric = "..." in text
        base, sep, head = text.partition("..." if symmetric else "..")
        if not sep:
            raise GitError(f"--range wants BASE..HEAD, got {text!r} (use --since REF for REF..HEAD)")
        base_sha, head_sha = resolve(repo, base or "HEAD"), resolve(repo, head or "HEAD")
        return [f"{base_sha}...{head_sha}"] if symmetric else [f"^{base_sha}", head_sha]
    updates = target.updates or (
        ((target.push_from or "", target.push_to),) if target.push_to is not None else ())
    if not updates:
        raise GitError(
            "--pre-push reads what is being pushed from pre-commit (PRE_COMMIT_FROM_REF/TO_REF, or "
            "PRE_COMMIT_LOCAL_BRANCH) or, run as git's pre-push hook, from standard input; outside a push "
            "use --range BASE..HEAD"
        )
    pushed = [(old, new) for old, new in updates if not _is_null(new)]
    if not pushed:
        note("pushing a deletion: no commits to scan")
        return None
    tips = [resolve(repo, new) for _, new in pushed]
    # What the remote already has: its old shas that are here, then what ``known`` names.
    # (A commit any of them reaches is on the remote, whichever ref is being pushed.)
    have = []
    for old, _ in pushed:
        if _is_null(old):
            continue
        try:
            have.append(resolve(repo, old))
        except GitError:
            note(f"the remote's commit {old[:12]} is not here (fetch to compare with it); scanning every "
                 "pushed commit not on a remote-tracking ref")
    if len(pushed) == 1 and have:
        return [f"^{have[0]}", tips[0]]
    known = list(target.known) if target.known is not None else ["--remotes"]
    return [*tips, "--not", *have, *known] if have or known else tips


def with_hook_arguments(target: GitTarget, arguments: Sequence[str],
                        cwd: str | None = None) -> tuple[GitTarget, tuple[str, ...]]:
    """The target and pathspecs of ``scan --pre-push ARGUMENTS``.

    git runs its pre-push hook with two arguments, the remote's name and its URL, and a hook
    that passes them on (``byok-ci scan --pre-push "$@"``) hands them over with git's ref
    lines on standard input. They name the remote, not paths: as pathspecs they matched no
    file and the push passed unscanned. What that remote's tracking refs hold is known to
    it (not what other remotes' hold); pushed to a URL, only the remote's old commits are.
    """
    if target.mode != "pre-push" or not target.updates or len(arguments) != 2:
        return target, tuple(arguments)
    remotes = run(["remote"], cwd=cwd).stdout.decode("utf-8", "surrogateescape").split()
    known = (f"--remotes={arguments[0]}",) if arguments[0] in remotes else ()
    return replace(target, known=known), ()


def ref_names(cwd: str | None) -> dict[str, str]:
    """Every ref of the repository and the object it points to (a history scan covers them
    all, so a key in a branch or tag name is a finding too)."""
    listed = run(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=cwd)
    if listed.returncode != 0:
        return {}
    pairs = (line.split(b" ", 1) for line in listed.stdout.splitlines() if b" " in line)
    return {display(name): sha.decode("ascii", "replace") for sha, name in pairs}


def reached_from(starts: list[bytes], parents: dict[bytes, list[bytes]]) -> tuple[set[bytes], set[bytes]]:
    """Readable commits reachable from ``starts``, and the unreadable ones met on the way."""
    reached: set[bytes] = set()
    damaged: set[bytes] = set()
    stack = list(starts)
    while stack:
        sha = stack.pop()
        if sha in reached or sha in damaged:
            continue
        if sha not in parents:
            damaged.add(sha)
            continue
        reached.add(sha)
        stack.extend(parents[sha])
    return reached, damaged


def parents_first(chosen: set[bytes], parents: dict[bytes, list[bytes]]) -> list[bytes]:
    """``chosen`` ordered so that every commit comes after its parents (as --topo-order --reverse)."""
    order: list[bytes] = []
    done: set[bytes] = set()
    for start in sorted(chosen):
        stack = [(start, False)]
        while stack:
            sha, expanded = stack.pop()
            if expanded:
                order.append(sha)
                continue
            if sha in done:
                continue
            done.add(sha)
            stack.append((sha, True))
            stack.extend((parent, False) for parent in parents.get(sha, ()) if parent in chosen and parent not in done)
    return order

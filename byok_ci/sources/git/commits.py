"""Commits: the lines each commit adds, attributed to it.

`git rev-list --topo-order --reverse` lists the commits parents-first; parts of the list
each stream their patches from their own `git log -p --cc -U0 --no-walk --stdin` process,
so computing diffs (most of the cost) uses every core. :meth:`CommitSource.positions` puts
what the parts found back in parents-first order. Only added lines are read: content a
commit leaves unchanged is never read again, however many commits carry it. Merge
commits come as combined diffs: a merge yields only lines none of its parents had (an
"evil merge"), never what its parents already added.

For the full history (``all_refs``) the list covers every ref and rename detection is off
(it is costly, and a moved key is then reported at its new path too).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from byok_ci.errors import GitError
from byok_ci.model import Chunk, ScanError
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.patch import LOG_FORMAT, Commit, parse
from byok_ci.sources.git.process import DIFF_OPTIONS, first_error_line, run, stream

# Below this many commits per part, another git process costs more than it saves.
MIN_COMMITS_PER_PART = 400
MAX_PARTS = 4
HERE = "git"  # the "path" of errors about the repository as a whole


@dataclass
class CommitPart:
    """Commits whose patches one git process streams, newest first."""

    index: int
    shas: bytes  # newline-separated
    count: int
    options: list[str]
    pathspecs: Sequence[str]
    chunker: Chunker
    cwd: str | None
    on_commit: Callable[[], None] | None = None

    def chunks(self) -> Iterator[Chunk]:
        remaining = self.shas.split()
        while remaining:
            seen: list[str] = []

            def count(commit: Commit) -> None:
                seen.append(commit.sha)
                self._count(commit)

            args = ["log", *self.options, "--no-walk=unsorted", "--stdin", "--", *self.pathspecs]
            try:
                with stream(args, cwd=self.cwd, input=b"\n".join(remaining) + b"\n") as lines:
                    for patch in parse(lines, on_commit=count):
                        yield from self.chunker.chunks(patch)
                return
            except GitError as exc:
                if not seen or seen[-1].encode() not in remaining:
                    raise
                # A damaged object in one commit (git stops mid-diff): report that commit
                # and go on with the ones after it.
                failed = remaining.index(seen[-1].encode())
                self.chunker.errors.append(ScanError(
                    f"{HERE}@{seen[-1][:12]}",
                    f"git could not read this commit ({exc}); the repository may be damaged (run git fsck); "
                    "the other commits were scanned",
                ))
                remaining = remaining[failed + 1:]

    def _count(self, commit: Commit) -> None:
        self.chunker.note_author(commit.sha, commit.info)
        stats = self.chunker.stats
        stats.commits = (stats.commits or 0) + 1
        if self.on_commit is not None:
            self.on_commit()


@dataclass
class CommitSource:
    """What each commit selected by ``revisions`` (git rev-list arguments) adds.

    :meth:`parts` splits the work; :meth:`positions` orders what the parts found
    parents-first again.
    """

    revisions: Sequence[str] = ()
    pathspecs: Sequence[str] = ()
    all_refs: bool = False
    chunker: Chunker = field(default_factory=Chunker)
    cwd: str | None = None
    max_parts: int = 0  # 0: one per core, at most MAX_PARTS
    _listed: bytes = b""

    def options(self) -> list[str]:
        # --diff-filter=d: a deleted file adds nothing, and diffing it costs as much as adding it.
        # --root: a root commit's files are all added, even if log.showRoot says otherwise.
        return ["-p", "--cc", "--root", *DIFF_OPTIONS, f"--format={LOG_FORMAT}", "--diff-filter=d",
                "--no-renames" if self.all_refs else "-M"]

    def commit_list(self) -> bytes:
        selection = ["--all"] if self.all_refs else list(self.revisions)
        args = ["rev-list", "--topo-order", "--reverse", *selection, "--", *self.pathspecs]
        done = run(args, cwd=self.cwd)
        if done.returncode != 0 and self.all_refs:
            # A ref naming a missing object stops `--all` altogether: report those refs and
            # list the commits of the others.
            good = self._readable_refs()
            if good is not None:
                args = ["rev-list", "--topo-order", "--reverse", "--stdin", "--", *self.pathspecs]
                done = run(args, cwd=self.cwd, input=b"".join(sha + b"\n" for sha in good))
        if done.returncode != 0:
            raise GitError(first_error_line(done.stderr))
        return done.stdout

    def _readable_refs(self) -> list[bytes] | None:
        """Objects of the refs that point at something readable (broken ones reported), or
        None when that is not the problem."""
        listed = run(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=self.cwd)
        refs = [line.split(b" ", 1) for line in listed.stdout.splitlines() if b" " in line]
        if listed.returncode != 0 or not refs:
            return None
        check = run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], cwd=self.cwd,
                    input=b"".join(sha + b"\n" for sha, _ in refs))
        if check.returncode != 0:
            return None
        kinds = dict(line.split(b" ", 1) for line in check.stdout.splitlines() if b" " in line)
        broken = {sha for sha, kind in kinds.items() if kind == b"missing"}
        if not broken:
            return None
        for sha, name in refs:
            if sha in broken:
                self.chunker.errors.append(ScanError(
                    HERE, f"{name.decode('utf-8', 'replace')} points to a missing object {sha[:12].decode()}; "
                    "not scanned (the repository may be damaged: run git fsck); the other refs were scanned",
                ))
        return sorted({sha for sha, _ in refs if kinds.get(sha) in (b"commit", b"tag")})

    def parts(self) -> list[CommitPart]:
        self._listed = listed = self.commit_list()
        lines = listed.splitlines(keepends=True)
        total = len(lines)
        if total == 0:
            return []  # (an empty --stdin would make git log show HEAD)
        wanted = self.max_parts or min(MAX_PARTS, os.cpu_count() or 1)
        count = max(1, min(wanted, total // MIN_COMMITS_PER_PART))
        # Consecutive runs of commits: git reuses what it has unpacked for neighbouring
        # commits (interleaving blocks between the processes cost 10-20% more git CPU).
        mine = [lines[total * i // count:total * (i + 1) // count] for i in range(count)]
        # Newest first: git reads a pack's objects fastest in that order (newer versions
        # are stored whole, older ones as deltas against them), about 10% less work.
        return [
            CommitPart(index, b"".join(reversed(shas)), len(shas), self.options(), self.pathspecs,
                       self.chunker if index == 0 else self.chunker.fork(), self.cwd)
            for index, shas in enumerate(mine)
        ]

    def positions(self, shas: set[str]) -> dict[str, int]:
        """Where each of ``shas`` is in the parents-first list of the last :meth:`parts`."""
        wanted = {sha.encode("ascii") for sha in shas}
        found = {}
        for index, line in enumerate(self._listed.split(b"\n")):
            if line in wanted:
                found[line.decode("ascii")] = index
        return found

    def chunks(self) -> Iterator[Chunk]:
        """Every part's chunks, one part after the other (no parallelism, not in order)."""
        for part in self.parts():
            yield from part.chunks()

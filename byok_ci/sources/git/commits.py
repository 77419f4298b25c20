"""Commits: the lines each commit adds, attributed to it.

`git rev-list --topo-order --reverse` lists the commits parents-first; the list is cut into
consecutive parts and each part's patches stream from its own `git log -p --cc -U0
--no-walk --stdin` process, so computing diffs (most of the cost) uses every core while
each part's chunks still come in parents-first order. Merge commits come as combined
diffs: a merge yields only lines none of its parents had (an "evil merge"), never what its
parents already added.

For the full history (``all_refs``) the list covers every ref, rename detection is off
(it is costly, and a moved key is then reported at its new path too), and a file version
(blob at a path) already seen in an earlier commit is not read again: every line it holds
was added, and scanned, where it first appeared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from byok_ci.model import Chunk
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.patch import LOG_FORMAT, Commit, FilePatch, parse
from byok_ci.sources.git.process import DIFF_OPTIONS, run, first_error_line, stream
from byok_ci.errors import GitError

# Below this many commits per part, another git process costs more than it saves.
MIN_COMMITS_PER_PART = 400
MAX_PARTS = 4


@dataclass
class CommitPart:
    """Consecutive commits (parents first) whose patches one git process streams."""

    index: int
    shas: bytes  # newline-separated
    count: int
    options: list[str]
    pathspecs: Sequence[str]
    chunker: Chunker
    seen: dict[tuple[str, str], int] | None
    cwd: str | None
    on_commit: Callable[[], None] | None = None

    def chunks(self) -> Iterator[Chunk]:
        args = ["log", *self.options, "--no-walk=unsorted", "--stdin", "--", *self.pathspecs]
        skip = self._already_seen if self.seen is not None else None
        with stream(args, cwd=self.cwd, input=self.shas) as lines:
            for patch in parse(lines, skip, self._count):
                yield from self.chunker.chunks(patch)

    def _already_seen(self, patch: FilePatch) -> bool:
        # Parts run at the same time: a version first met in a later part is read again
        # here (the caller keeps the earlier finding), one met in this or an earlier part
        # is skipped.
        assert self.seen is not None
        if patch.blob is None:
            return False
        key = (patch.blob, patch.path)
        owner = self.seen.get(key)
        if owner is not None and owner <= self.index:
            return True
        self.seen[key] = self.index
        return False

    def _count(self, _commit: Commit) -> None:
        stats = self.chunker.stats
        stats.commits = (stats.commits or 0) + 1
        if self.on_commit is not None:
            self.on_commit()


@dataclass
class CommitSource:
    """What each commit selected by ``revisions`` (git rev-list arguments) adds.

    :meth:`parts` gives the work as consecutive parts; chaining their chunks in order
    gives every commit's chunks parents-first.
    """

    revisions: Sequence[str] = ()
    pathspecs: Sequence[str] = ()
    all_refs: bool = False
    chunker: Chunker = field(default_factory=Chunker)
    cwd: str | None = None
    max_parts: int = 0  # 0: one per core, at most MAX_PARTS

    def options(self) -> list[str]:
        return ["-p", "--cc", *DIFF_OPTIONS, f"--format={LOG_FORMAT}",
                "--no-renames" if self.all_refs else "-M"]

    def commit_list(self) -> bytes:
        selection = ["--all"] if self.all_refs else list(self.revisions)
        done = run(["rev-list", "--topo-order", "--reverse", *selection, "--", *self.pathspecs], cwd=self.cwd)
        if done.returncode != 0:
            raise GitError(first_error_line(done.stderr))
        return done.stdout

    def parts(self) -> list[CommitPart]:
        listed = self.commit_list()
        total = listed.count(b"\n")
        if total == 0:
            return []  # (an empty --stdin would make git log show HEAD)
        wanted = self.max_parts or min(MAX_PARTS, os.cpu_count() or 1)
        count = max(1, min(wanted, total // MIN_COMMITS_PER_PART))
        seen: dict[tuple[str, str], int] | None = {} if self.all_refs else None
        parts = []
        start = 0
        lines = listed.splitlines(keepends=True)
        for index in range(count):
            end = total * (index + 1) // count
            shas = b"".join(lines[start:end])
            chunker = self.chunker if index == 0 else self.chunker.fork()
            parts.append(CommitPart(index, shas, end - start, self.options(), self.pathspecs, chunker, seen, self.cwd))
            start = end
        return parts

    def chunks(self) -> Iterator[Chunk]:
        """Every part's chunks, one part after the other (no parallelism)."""
        for part in self.parts():
            yield from part.chunks()

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
# Parts take turns at blocks of this many commits: files grow over a history, so later
# commits cost more to diff, and consecutive halves would leave one process idle early.
BLOCK = 32


@dataclass
class CommitPart:
    """Commits whose patches one git process streams, in parents-first order.

    ``positions`` are those commits' places in the whole parents-first list.
    """

    index: int
    shas: bytes  # newline-separated
    positions: list[int]
    options: list[str]
    pathspecs: Sequence[str]
    chunker: Chunker
    seen: dict[tuple[str, str], int] | None
    cwd: str | None
    on_commit: Callable[[], None] | None = None
    _position: int = -1
    _next: Iterator[int] | None = None

    @property
    def count(self) -> int:
        return len(self.positions)

    def chunks(self) -> Iterator[Chunk]:
        # --no-walk=unsorted: git shows the commits in the order given, which keeps
        # _position in step with the commit being parsed.
        args = ["log", *self.options, "--no-walk=unsorted", "--stdin", "--", *self.pathspecs]
        skip = self._already_seen if self.seen is not None else None
        self._next = iter(self.positions)
        with stream(args, cwd=self.cwd, input=self.shas) as lines:
            for patch in parse(lines, skip, self._count):
                yield from self.chunker.chunks(patch)

    def _already_seen(self, patch: FilePatch) -> bool:
        # Parts run at the same time. A version met first at an earlier position is
        # skipped (its lines are scanned there); met at a later one, it is read again here
        # and the caller keeps the earlier finding.
        assert self.seen is not None
        if patch.blob is None:
            return False
        key = (patch.blob, patch.path)
        first = self.seen.get(key)
        if first is not None and first < self._position:
            return True
        self.seen[key] = self._position
        return False

    def _count(self, _commit: Commit) -> None:
        assert self._next is not None
        self._position = next(self._next, self._position + 1)
        stats = self.chunker.stats
        stats.commits = (stats.commits or 0) + 1
        if self.on_commit is not None:
            self.on_commit()


@dataclass
class CommitSource:
    """What each commit selected by ``revisions`` (git rev-list arguments) adds.

    :meth:`parts` splits the work; :meth:`position` orders what the parts found
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
        return ["-p", "--cc", *DIFF_OPTIONS, f"--format={LOG_FORMAT}", "--diff-filter=d",
                "--no-renames" if self.all_refs else "-M"]

    def commit_list(self) -> bytes:
        selection = ["--all"] if self.all_refs else list(self.revisions)
        done = run(["rev-list", "--topo-order", "--reverse", *selection, "--", *self.pathspecs], cwd=self.cwd)
        if done.returncode != 0:
            raise GitError(first_error_line(done.stderr))
        return done.stdout

    def parts(self) -> list[CommitPart]:
        self._listed = listed = self.commit_list()
        lines = listed.splitlines(keepends=True)
        total = len(lines)
        if total == 0:
            return []  # (an empty --stdin would make git log show HEAD)
        wanted = self.max_parts or min(MAX_PARTS, os.cpu_count() or 1)
        blocks = -(-total // BLOCK)
        count = max(1, min(wanted, total // MIN_COMMITS_PER_PART, blocks))
        seen: dict[tuple[str, str], int] | None = {} if self.all_refs else None
        positions: list[list[int]] = [[] for _ in range(count)]
        for start in range(0, total, BLOCK):
            positions[(start // BLOCK) % count].extend(range(start, min(total, start + BLOCK)))
        return [
            CommitPart(
                index, b"".join(lines[i] for i in mine), mine, self.options(), self.pathspecs,
                self.chunker if index == 0 else self.chunker.fork(), seen, self.cwd,
            )
            for index, mine in enumerate(positions)
        ]

    def position(self, sha: str) -> int:
        """Where ``sha`` is in the parents-first list (by its byte offset: same order)."""
        found = self._listed.find(sha.encode("ascii") + b"\n")
        return found if found >= 0 else len(self._listed)

    def chunks(self) -> Iterator[Chunk]:
        """Every part's chunks, one part after the other (no parallelism, not in order)."""
        for part in self.parts():
            yield from part.chunks()

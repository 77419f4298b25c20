"""Commits: the lines each commit adds, attributed to it.

One `git log -p --cc -U0` process streams every commit's patch. Merge commits come as
combined diffs, so a merge yields only lines none of its parents had (an "evil merge"),
never what its parents already added.

For the full history (``all_refs``) the log runs parents-first over every ref, without
rename detection, and a file version (blob at a path) already seen is not read again: every
line it holds was added, and scanned, where it first appeared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from byok_ci.model import Chunk
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.patch import LOG_FORMAT, Commit, FilePatch, parse
from byok_ci.sources.git.process import DIFF_OPTIONS, stream


@dataclass
class CommitSource:
    """Chunks of what each commit in ``revisions`` (git log arguments) adds."""

    revisions: Sequence[str] = ()
    pathspecs: Sequence[str] = ()
    all_refs: bool = False
    chunker: Chunker = field(default_factory=Chunker)
    cwd: str | None = None
    on_commit: Callable[[], None] | None = None
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def arguments(self) -> list[str]:
        args = ["log", "-p", "--cc", *DIFF_OPTIONS, f"--format={LOG_FORMAT}"]
        if self.all_refs:
            args += ["--no-renames", "--all", "--reverse", "--topo-order"]
        else:
            args += ["-M"]
        return [*args, *self.revisions, "--", *self.pathspecs]

    def _already_seen(self, patch: FilePatch) -> bool:
        if patch.blob is None:
            return False
        key = (patch.blob, patch.path)
        if key in self._seen:
            return True
        self._seen.add(key)
        return False

    def chunks(self) -> Iterator[Chunk]:
        skip = self._already_seen if self.all_refs else None
        with stream(self.arguments(), cwd=self.cwd) as lines:
            for patch in parse(lines, skip, self._count):
                yield from self.chunker.chunks(patch)

    def _count(self, _commit: Commit) -> None:
        stats = self.chunker.stats
        stats.commits = (stats.commits or 0) + 1
        if self.on_commit is not None:
            self.on_commit()

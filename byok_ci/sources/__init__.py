"""Sources: where the text a scan reads comes from. They yield chunks and know nothing of rules.

    files       files and directory trees on disk, and standard input
    artifacts   archives, saved container images, source maps and notebooks (within files)
    git         staged changes, commit ranges and the whole history

Every source is a :class:`Source`: an iterator of :class:`~byok_ci.model.Chunk` records and
a :class:`Reading` that says, once the chunks are consumed, what it could not read (errors),
what it read and skipped (counts), and the names it met (file names, commit authors), in
which byok_ci.pipeline looks for keys too. The pipeline that detects, suppresses and
reports is the same for every source.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Protocol

from byok_ci.model import Chunk, CommitInfo, ScanError, Stats

_COUNTS = {f.name for f in fields(Stats)} - {"seconds", "baselined", "ignored", "allowed"}


@dataclass(eq=False)  # a source's running tally, never compared: no generated __eq__ at start-up
class Reading:
    """What a source met while its chunks were read. ``commits`` counts are kept for git
    sources only (they start at 0; for files they stay out of reports)."""

    errors: list[ScanError] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)
    # Commit authors, each with their earliest commit (sha, info).
    authors: dict[str, tuple[str, CommitInfo]] = field(default_factory=dict)
    git: bool = False
    _counts: dict[str, int] = field(default_factory=dict)
    _absorbed: Stats = field(default_factory=Stats)

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``name`` (a field of :class:`~byok_ci.model.Stats`)."""
        assert name in _COUNTS, name
        self._counts[name] = self._counts.get(name, 0) + n

    def count_file(self, size: int) -> None:
        """One file of ``size`` bytes read as text (``files`` and ``bytes``: a directory
        scan counts both for every file)."""
        counts = self._counts
        counts["files"] = counts.get("files", 0) + 1
        counts["bytes"] = counts.get("bytes", 0) + size

    def error(self, path: str, message: str, line: int | None = None, *, blocking: bool = True) -> None:
        self.errors.append(ScanError(path, message, line, blocking=blocking))

    def forget(self) -> None:
        """Drop the errors and counts met so far (a shard other than the first: what the
        walk itself met is the first shard's to report, so merged shards report it once)."""
        self.errors.clear()
        self._counts.clear()

    def note_author(self, sha: str, info: CommitInfo) -> None:
        known = self.authors.get(info.author)
        if known is None or (info.date, sha) < (known[1].date, known[0]):
            self.authors[info.author] = (sha, info)

    def stats(self) -> Stats:
        """The counts so far, with those of every reading absorbed."""
        counts = dict(self._counts)
        if self.git:
            counts.setdefault("commits", 0)
        return Stats(**counts) + self._absorbed

    def add_stats(self, stats: Stats) -> None:
        """Add the counts of a share read elsewhere (a worker process)."""
        self._absorbed = self._absorbed + stats

    def absorb(self, other: Reading) -> None:
        """Add what another reading met (another thread's share)."""
        self.errors.extend(other.errors)
        self.paths |= other.paths
        for sha, info in other.authors.values():
            self.note_author(sha, info)
        self.add_stats(other.stats())


class Source(Protocol):
    """Chunks of text to scan, and what reading them met."""

    @property
    def reading(self) -> Reading: ...

    def chunks(self) -> Iterator[Chunk]: ...

"""Turn file patches into chunks, counting what is skipped and why."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from byok_ci.model import Chunk, CommitInfo, ScanError, Stats
from byok_ci.sources.files import DEFAULT_MAX_FILE_SIZE, is_excluded
from byok_ci.sources.git.patch import LFS_POINTER, SUBMODULE_MODE, SYMLINK_MODE, Commit, FilePatch


@dataclass(frozen=True)
class Binary:
    """A file version git diffed as "Binary files differ"."""

    path: str
    where: str
    blob: str
    commit: Commit | None


@dataclass
class Chunker:
    """Chunks of a file patch's added lines; what it cannot scan lands in ``stats`` and
    ``errors``, never silently."""

    exclude: Sequence[str] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    stats: Stats = field(default_factory=lambda: Stats(commits=0))
    errors: list[ScanError] = field(default_factory=list)
    submodules: set[str] = field(default_factory=set)
    # Each file git diffed as binary. git says so of a blob over its big-file threshold
    # without looking at it, and of text .gitattributes marks -diff or binary, so these
    # are looked at again afterwards (scan_git).
    binaries: list[Binary] = field(default_factory=list)
    # Names a key can hide in (reported by byok_ci.names): every path a patch touched, and
    # every commit author with their earliest commit.
    paths: set[str] = field(default_factory=set)
    authors: dict[str, tuple[str, CommitInfo]] = field(default_factory=dict)

    def fork(self) -> Chunker:
        """A chunker with the same settings and its own counters (for another thread)."""
        return Chunker(self.exclude, self.max_file_size)

    def absorb(self, other: Chunker) -> None:
        """Add another chunker's counters, errors and submodules to this one's."""
        mine, theirs = self.stats, other.stats
        for name in ("files", "bytes", "skipped_binary", "skipped_excluded", "skipped_other",
                     "skipped_large", "skipped_submodules", "lfs_pointers"):
            setattr(mine, name, getattr(mine, name) + getattr(theirs, name))
        mine.commits = (mine.commits or 0) + (theirs.commits or 0)
        self.errors.extend(other.errors)
        self.submodules |= other.submodules
        self.binaries.extend(other.binaries)
        self.paths |= other.paths
        for sha, info in other.authors.values():
            self.note_author(sha, info)

    @staticmethod
    def _where(patch: FilePatch) -> str:
        return f"{patch.path}@{patch.commit.sha[:12]}" if patch.commit else patch.path

    def oversized(self, binary: Binary, size: int) -> None:
        """A binary git did not look at, for its size: an error, not a skipped binary."""
        self.stats.skipped_binary -= 1
        self.stats.skipped_large += 1
        self.errors.append(ScanError(
            binary.where,
            f"skipped: {size:,} bytes is over the maximum file size {self.max_file_size:,} "
            "(raise it with --max-file-size)",
        ))

    def text_after_all(self, binary: Binary, data: bytes) -> Chunk:
        """The whole of a file git called binary but that holds text, as one chunk."""
        self.stats.skipped_binary -= 1
        self.stats.files += 1
        self.stats.bytes += len(data)
        commit = binary.commit
        return Chunk(text=data.decode("utf-8", "replace"), path=binary.path, commit=commit.sha if commit else None,
                     commit_info=commit.info if commit else None)

    def note_author(self, sha: str, info: CommitInfo) -> None:
        known = self.authors.get(info.author)
        if known is None or (info.date, sha) < (known[1].date, known[0]):
            self.authors[info.author] = (sha, info)

    def chunks(self, patch: FilePatch) -> Iterator[Chunk]:
        stats = self.stats
        if patch.deleted:
            return
        self.paths.add(patch.path)
        if patch.mode == SUBMODULE_MODE:
            stats.skipped_submodules += 1
            self.submodules.add(patch.path)
            return
        if patch.mode == SYMLINK_MODE:
            stats.skipped_other += 1  # a link target, not content: as the directory walk does
            return
        if patch.binary:
            stats.skipped_binary += 1
            if patch.blob and not is_excluded(patch.path, self.exclude):
                self.binaries.append(Binary(patch.path, self._where(patch), patch.blob, patch.commit))
            return
        if not patch.runs:
            return
        if is_excluded(patch.path, self.exclude):
            stats.skipped_excluded += 1
            return
        where = self._where(patch)
        if patch.added_bytes > self.max_file_size:
            stats.skipped_large += 1
            self.errors.append(ScanError(
                where,
                f"skipped: {patch.added_bytes:,} added bytes is over the maximum file size "
                f"{self.max_file_size:,} (raise it with --max-file-size)",
            ))
            return
        first = patch.runs[0]
        if first.first == 1 and first.lines and first.lines[0].startswith(LFS_POINTER.encode()):
            # The content lives on the LFS server, not in git; the pointer itself is scanned.
            stats.lfs_pointers += 1
        stats.files += 1
        stats.bytes += patch.added_bytes
        commit = patch.commit
        for run in patch.runs:
            yield Chunk(
                text=run.text(),
                path=patch.path,
                line_offset=run.first - 1,
                commit=commit.sha if commit else None,
                commit_info=commit.info if commit else None,
            )

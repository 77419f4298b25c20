"""Turn file patches into chunks, counting what is skipped and why."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

from byok_ci._values import by_value
from byok_ci.config import DEFAULT_MAX_FILE_SIZE
from byok_ci.model import Chunk
from byok_ci.sources import Reading
from byok_ci.sources.select import is_excluded
from byok_ci.sources.git.patch import LFS_POINTER, SUBMODULE_MODE, SYMLINK_MODE, Commit, FilePatch, raw_path


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Binary:
    """A file version git diffed as "Binary files differ"."""

    path: str
    where: str
    blob: str
    commit: Commit | None
    parents: tuple[str, ...] = ()  # the blobs it was diffed against (all zeros: none, a new file)


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class InContext:
    """A file version whose added lines hold a value shaped like a key of a rule with
    context, which those lines alone may not confirm: the whole file is read for its
    context (:mod:`byok_ci.sources.git.blobs`)."""

    path: str
    where: str
    blob: str
    commit: Commit | None
    added: tuple[tuple[int, int], ...]  # (first, last) line numbers of each run of added lines
    rules: tuple[int, ...] | None  # the rules whose key shape they hold (None: not known)


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class AddedContext:
    """A file version whose added lines may write the context of a key its unchanged lines
    hold (a keyword of a rule with context; a new path that names a provider): the whole
    file is read for it (:mod:`byok_ci.sources.git.later`)."""

    path: str
    where: str
    blob: str  # what git is asked for: the blob, or ``<commit>:<path>`` (a pure rename has no blob id)
    commit: Commit | None
    added: tuple[tuple[int, int], ...]  # (first, last) line numbers of each run of added lines
    rules: tuple[int, ...] | None  # the rules with context whose keywords they hold (None: not known)
    parents: tuple[str, ...] = ()  # the blobs it was diffed against (none: the same blob, renamed)
    renamed_from: str | None = None


@dataclass(eq=False, repr=False)
class Chunker:
    """Chunks of a file patch's added lines; what it cannot scan lands in its ``reading``
    (counts, errors), never silently. The reading also keeps the names a key can hide in
    (every path a patch touched, every commit author with their earliest commit)."""

    exclude: Sequence[str] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    reading: Reading = field(default_factory=lambda: Reading(git=True))
    submodules: set[str] = field(default_factory=set)
    # Each file git diffed as binary. git says so of a blob over its big-file threshold
    # without looking at it, and of text .gitattributes marks -diff or binary, so these
    # are looked at again afterwards (sources.git.binaries).
    binaries: list[Binary] = field(default_factory=list)
    # A sharded scan (byok_ci.shard): whether a path is this shard's; the others' patches
    # are passed over unseen, as if the commit had not touched them.
    owns: Callable[[str], bool] | None = None
    # Whether a file's added bytes (at its path) may hold anything detection reports, from
    # the detector (Detector.screen): a patch ruled out is counted as read, never decoded.
    screen: Callable[[bytes, str], bool] | None = None
    # Read the printable text of files git calls binary (BinaryTexts) instead of skipping them.
    scan_binary: bool = False
    # The screen's answer with the rules with context whose key shape, and whose keywords,
    # the bytes hold, from one pass (Detector.triage); used in place of ``screen`` when set.
    triage: Callable[[bytes, str, bool], tuple[bool, Collection[int], Collection[int]]] | None = None
    # Told of each text file version a patch makes: its blob, the blobs it was diffed
    # against, and the rules with context whose keywords, and whose key shapes, its added
    # lines hold (None: not known), so what a version can hold is known without reading it.
    made: Callable[[str, tuple[str, ...], Collection[int] | None, Collection[int] | None], None] | None = None
    # A file version whose added bytes hold the key shape of a rule with context is handed
    # to ``in_context`` to be read whole (sources.git.blobs.ContextReader). Without
    # ``triage``, only one whose added text (at a path) holds a match that only the rest of
    # the file can confirm (``wants_context``, Detector.wants_context).
    in_context: Callable[[InContext], None] | None = None
    wants_context: Callable[[str, str, Collection[int] | None], bool] | None = None
    # A file version whose added bytes hold a keyword of a rule with context, or a renamed
    # one, is handed to ``context_added``, with those bytes when ``triage`` cannot say which
    # keywords they hold (sources.git.later).
    context_added: Callable[[AddedContext, bytes | None], None] | None = None

    def fork(self) -> Chunker:
        """A chunker with the same settings and its own counters (for another thread)."""
        return Chunker(self.exclude, self.max_file_size, owns=self.owns, screen=self.screen,
                       scan_binary=self.scan_binary, triage=self.triage, made=self.made, in_context=self.in_context,
                       wants_context=self.wants_context, context_added=self.context_added)

    def absorb(self, other: Chunker) -> None:
        """Add another chunker's reading, submodules and binaries to this one's."""
        self.reading.absorb(other.reading)
        self.submodules |= other.submodules
        self.binaries.extend(other.binaries)

    @staticmethod
    def _where(patch: FilePatch) -> str:
        return f"{patch.path}@{patch.commit.sha[:12]}" if patch.commit else patch.path

    def oversized(self, binary: Binary, size: int) -> None:
        """A binary git did not look at, for its size: an error, not a skipped binary."""
        self.reading.count("skipped_binary", -1)
        self.reading.count("skipped_large")
        self.reading.error(
            binary.where,
            f"skipped: {size:,} bytes is over the maximum file size {self.max_file_size:,} "
            "(raise it with --max-file-size)",
        )

    def text_after_all(self, binary: Binary, data: bytes, printable: bool = False, text: str | None = None) -> Chunk:
        """The whole of a file git called binary but that holds text, as one chunk; with
        ``printable``, a binary file's printable text (:func:`printable_text`); ``text``:
        its text decoded already (UTF-16)."""
        self.reading.count("skipped_binary", -1)
        self.reading.count("files")
        self.reading.count("bytes", len(data))
        commit = binary.commit
        if text is None:
            text = printable_text(data) if printable else data.decode("utf-8", "replace")
        return Chunk(text=text, path=binary.path, commit=commit.sha if commit else None,
                     commit_info=commit.info if commit else None)

    def _renamed(self, patch: FilePatch) -> None:
        """Hand a renamed file that adds no line to ``context_added`` (its new path may name
        the provider of a key it holds), or a merge's (it may join a key from one parent
        with its context from another). Pure renames come without a blob id: git is asked
        for ``<commit>:<path>`` (``:<path>``, the index's)."""
        assert self.context_added is not None
        if is_excluded(patch.path, self.exclude):
            return
        commit = patch.commit
        name = patch.blob or f"{commit.sha if commit else ''}:{raw_path(patch.path).decode('utf-8', 'surrogateescape')}"
        self.context_added(AddedContext(patch.path, self._where(patch), name, commit, (), (),
                                        patch.parents if patch.blob else (), patch.renamed_from), None)

    def chunks(self, patch: FilePatch) -> Iterator[Chunk]:
        reading = self.reading
        if patch.deleted or (self.owns is not None and not self.owns(patch.path)):
            return
        reading.paths.add(patch.path)
        if patch.mode == SUBMODULE_MODE:
            reading.count("skipped_submodules")
            self.submodules.add(patch.path)
            return
        if patch.mode == SYMLINK_MODE:
            reading.count("skipped_other")  # a link target, not content: as the directory walk does
            return
        if patch.binary:
            reading.count("skipped_binary")
            if patch.blob and not is_excluded(patch.path, self.exclude):
                self.binaries.append(Binary(patch.path, self._where(patch), patch.blob, patch.commit,
                                            patch.parents))
            return
        if not patch.runs:
            if self.context_added is not None and (patch.renamed_from is not None or len(patch.parents) > 1):
                self._renamed(patch)  # or a merge that joins its parents' lines
            if self.made is not None and patch.blob:
                self.made(patch.blob, patch.parents, (), ())  # lines removed, none added
            return
        if is_excluded(patch.path, self.exclude):
            reading.count("skipped_excluded")
            return
        where = self._where(patch)
        if patch.added_bytes > self.max_file_size:
            reading.count("skipped_large")
            reading.error(
                where,
                f"skipped: {patch.added_bytes:,} added bytes is over the maximum file size "
                f"{self.max_file_size:,} (raise it with --max-file-size)",
            )
            return
        first = patch.runs[0]
        if first.first == 1 and first.data.startswith(LFS_POINTER.encode()):
            # The content lives on the LFS server, not in git; the pointer itself is scanned.
            reading.count("lfs_pointers")
        reading.count_file(patch.added_bytes)
        # A new file's patch adds every line: detection of its added lines (below, where the
        # screen lets them through, as it does wherever a needed keyword is among them) already
        # is detection of the whole file, so it is not read again for context.
        new_file = bool(patch.parents) and not any(parent.strip("0") for parent in patch.parents)
        if self.triage is not None:
            # All shapes, a new file's too, while a later commit may add their context.
            worth, shaped, worded = self.triage(b"".join(run.data for run in patch.runs), patch.path,
                                                not new_file or self.context_added is not None)
            if self.made is not None and patch.blob:
                self.made(patch.blob, patch.parents, worded, shaped)
        else:
            worth = self.screen is None or self.screen(b"".join(run.data for run in patch.runs), patch.path)
            shaped, worded = None, ()
        lines: tuple[tuple[int, int], ...] = ()  # the runs' line ranges, once counted
        if self.in_context is not None and patch.blob and not new_file and (
                shaped if shaped is not None else self.wants_context is None
                or any(self.wants_context(run.text(), patch.path, None) for run in patch.runs)):
            lines = _lines_of(patch)
            self.in_context(InContext(patch.path, where, patch.blob, patch.commit, lines,
                                      None if shaped is None else tuple(shaped)))
        if self.context_added is not None and patch.blob and not new_file and (
                patch.renamed_from is not None or self.triage is None or worded or len(patch.parents) > 1):
            self.context_added(AddedContext(
                patch.path, where, patch.blob, patch.commit, lines or _lines_of(patch), None if self.triage is None
                else tuple(worded), patch.parents, patch.renamed_from),
                b"".join(run.data for run in patch.runs) if self.triage is None else None)
        if not worth:
            return
        commit = patch.commit
        for run in patch.runs:
            yield Chunk(
                text=run.text(),
                path=patch.path,
                line_offset=run.first - 1,
                commit=commit.sha if commit else None,
                commit_info=commit.info if commit else None,
                data=run.data if run.data.isascii() else None,  # the text's UTF-8, as it is
            )


def _lines_of(patch: FilePatch) -> tuple[tuple[int, int], ...]:
    """The (first, last) line numbers of each run of lines ``patch`` adds."""
    return tuple((run.first, run.first + max(0, run.data.count(b"\n", 0, len(run.data) - 1))) for run in patch.runs)


# Every byte but printable ASCII, tab and newline reads as a space: keys (ASCII) and the
# words around them stay where they are, one character per byte, and lines are counted at
# the file's own newlines, as `grep -a -n` counts them.
_PRINTABLE = bytes(b if b in (9, 10) or 32 <= b < 127 else 32 for b in range(256))


def printable_text(data: bytes) -> str:
    """The printable ASCII of binary ``data``, everything else a space (offsets kept)."""
    return data.translate(_PRINTABLE).decode("ascii")

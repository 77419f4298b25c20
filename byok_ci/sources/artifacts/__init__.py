"""Build artifacts: archives, saved container images, source maps and notebooks.

:class:`ArtifactReader` is what :class:`~byok_ci.sources.files.FileSource` hands each file
to. An archive (known by its first bytes) yields a chunk per text member, with inner paths
written ``dist/app-1.0.whl!app/settings.py``; a source map or notebook yields its decoded
contents; any other file is read as text by the same
:class:`~byok_ci.sources.read.FileReader` as without artifacts. :class:`ArchiveSource`
is one file read this way, as a :class:`~byok_ci.sources.Source`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from byok_ci.config import Settings
from byok_ci.model import Chunk
from byok_ci.sources import Reading
from byok_ci.sources.artifacts.formats import UNSUPPORTED, embedded, sniff
from byok_ci.sources.artifacts.limits import ArchiveLimits, Budget
from byok_ci.sources import read
from byok_ci.sources.read import FileReader, decode
from byok_ci.sources.select import is_excluded

if TYPE_CHECKING:
    from byok_ci.errors import ArchiveProblem  # imported where an archive is read: most scans open none

__all__ = ["ArchiveLimits", "ArchiveSource", "ArtifactReader", "archive_limits", "sniff"]
_PARTIAL = "not fully scanned: "
# Files up to this size are read whole before they are sniffed (one read); larger ones are
# sniffed first, so an archive is streamed, never held whole.
WHOLE_FIRST = 1 << 20
_DOCUMENTS = (".map", ".ipynb")  # decoded by byok_ci.sources.artifacts.documents
# zipdir.END_WINDOW (the end record's 22 bytes and a comment of up to 64 KiB), not imported
# for it: most files hold no archive (tests/test_hook_imports.py keeps the two equal).
ZIP_END_WINDOW = 22 + 0xFFFF


def _may_embed(data: bytes) -> bool:
    """Whether :func:`~byok_ci.sources.artifacts.formats.embedded` can find an archive in
    ``data``: a script (``#!``), or a zip end record in its last END_WINDOW bytes. Most
    files are neither, and are not copied into a stream to look. A byte 0x05 is looked for
    first: text has none, and a search for one byte (memchr) costs a file of text less than
    half of the search for the record's four."""
    # A negative start counts from the end, as a slice's does (from 0 in a shorter file).
    return data.startswith(b"#!") or (data.find(b"\x05", -ZIP_END_WINDOW) >= 0
                                      and data.rfind(b"PK\x05\x06", -ZIP_END_WINDOW) >= 0)


def archive_limits(settings: Settings) -> ArchiveLimits:
    """The :class:`ArchiveLimits` the settings ask for."""
    return ArchiveLimits(
        max_depth=settings.max_archive_depth,
        max_member_size=settings.max_archive_member_size,
        max_total_bytes=settings.max_archive_bytes,
        max_ratio=settings.max_archive_ratio,
        max_members=settings.max_archive_members,
        allow_partial=settings.allow_partial_archives,
    )


@dataclass(eq=False)  # never compared: no generated __eq__ at start-up
class ArtifactReader:
    """Reads files for a :class:`~byok_ci.sources.files.FileSource` with ``reader``, opening
    archives and decoding documents; problems and counts go to the reader's reading."""

    reader: FileReader
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    exclude: Sequence[str] = ()
    archives: bool = True  # source maps and notebooks are decoded even without archives

    @property
    def reading(self) -> Reading:
        return self.reader.reading

    def file_chunks(self, path: str, shown: str) -> Iterator[Chunk]:
        """The chunks of one file on disk (one open; archives are streamed from it)."""
        got = self.file_read(path, shown)
        if isinstance(got, Chunk):
            yield got
        elif got is not None:
            yield from got

    def file_read(self, path: str, shown: str) -> Chunk | Iterator[Chunk] | None:
        """:meth:`file_chunks`, with most files' one chunk (or nothing) given as it is: a
        tree's files are mostly small plain text, and three generators a file cost a
        directory scan more than its ``fstat``. An archive, a large file, a document or a
        file with an archive inside it is read by the iterator returned (iterate it: it
        holds the open file)."""
        reader = self.reader
        try:
            fd, size = read.open_sized(path)
        except OSError as exc:
            reader.read_failed(shown, exc)
            return None
        opens = self.archives and self.limits.max_depth > 0
        if size > WHOLE_FIRST or size > reader.max_file_size:
            return self._large_chunks(fd, shown, opens)
        # Most files of a tree: one read for the sniff and the text alike, on the bare
        # descriptor (a file object per file costs more than the read).
        archive = False
        try:
            data = reader.read_fd(fd, size, shown)
            kind = sniff(data) if data is not None and opens else None
            archive = kind is not None and (kind not in UNSUPPORTED or self._unsupported(kind, shown))
        except OSError as exc:
            reader.read_failed(shown, exc)
            return None
        finally:
            if not archive:
                os.close(fd)
        if archive:
            return self._archive_at(fd, shown)
        if data is None:
            return None
        if opens and _may_embed(data):
            found = embedded(io.BytesIO(data))  # BytesIO shares the bytes
            if found is not None:
                return self.embedded_chunks(io.BytesIO(data), shown, *found)
        chunk = reader.text_chunk(data, shown)
        if chunk is None or not shown.endswith(_DOCUMENTS):
            return chunk
        return self.expand(chunk)

    def _unsupported(self, kind: str, shown: str) -> bool:
        """A file of a format byok-ci cannot open (``kind``) is reported not scanned (a scan
        that counted it as a binary file called it clean), then read as any file is: never opened."""
        self.reading.error(shown, f"not scanned: {UNSUPPORTED[kind]}")
        return False

    def _archive_at(self, fd: int, shown: str) -> Iterator[Chunk]:
        """The members of the archive open at ``fd`` (read from its start); closes it."""
        with os.fdopen(fd, "rb") as handle:
            try:
                handle.seek(0)
                yield from self.archive_chunks(handle, shown)
            except OSError as exc:
                self.reader.read_failed(shown, exc)

    def _large_chunks(self, fd: int, shown: str, opens: bool) -> Iterator[Chunk]:
        """The chunks of a file larger than WHOLE_FIRST (or the size limit) open at ``fd``; closes it."""
        reader = self.reader
        with os.fdopen(fd, "rb") as handle:
            try:
                data = yield from self._read_large(handle, shown, opens)
            except OSError as exc:
                reader.read_failed(shown, exc)
                return
        if data is None:
            return
        found = embedded(io.BytesIO(data)) if opens and _may_embed(data) else None
        if found is not None:
            yield from self.embedded_chunks(io.BytesIO(data), shown, *found)
            return
        chunk = reader.text_chunk(data, shown)
        if chunk is not None:
            yield from self.expand(chunk)

    def _read_large(self, handle: BinaryIO, shown: str, opens: bool) -> Generator[Chunk, None, bytes | None]:
        """A file larger than WHOLE_FIRST: an archive's members, a streamed file's chunks
        (yielded), or the file's bytes to read as text (returned)."""
        reader = self.reader
        head = handle.read(512)
        kind = sniff(head) if opens else None
        if kind is not None and (kind not in UNSUPPORTED or self._unsupported(kind, shown)):
            handle.seek(0)
            yield from self.archive_chunks(handle, shown)
            return None
        size = os.fstat(handle.fileno()).st_size
        whole = not reader.streams(shown, size) and size <= reader.max_file_size
        # An archive after a script or stub: looked for in the file itself when it is
        # not read whole (archive limits apply, not the file size limit).
        found = embedded(handle) if opens and not whole else None
        if found is not None:
            yield from self.embedded_chunks(handle, shown, *found)
            return None
        handle.seek(len(head))
        if reader.too_big(shown, size):
            return None
        if reader.streams(shown, size):
            yield from reader.stream_chunks(handle, shown, head)
            return None
        return reader.read_limited(handle, shown, head)

    def embedded_chunks(self, handle: BinaryIO, shown: str, kind: str, offset: int) -> Iterator[Chunk]:
        """An archive that does not start its file: the text before it (a script, an
        installer stub), then its members."""
        handle.seek(0)
        chunk = self.reader.text_chunk(handle.read(min(offset, self.reader.max_file_size)), shown)
        if chunk is not None:
            yield from self.expand(chunk)
        # zipfile finds a zip's start itself (and a zip whose offsets count from the file's start).
        from byok_ci.sources.artifacts.spool import Window

        view = handle if kind == "zip" else cast(BinaryIO, Window(handle, offset))
        yield from self.archive_chunks(view, shown, kind)

    def archive_chunks(self, handle: IO[bytes], shown: str, kind: str | None = None) -> Iterator[Chunk]:
        """Chunks of a top-level archive; a spent budget ends it with one error."""
        from byok_ci.errors import LimitExceeded
        from byok_ci.sources.artifacts.archives import Walk  # tarfile, zipfile: only for an archive

        walk = Walk(self, Budget(self.limits, shown))
        try:
            yield from walk.archive(handle, shown, 1, kind=kind)
        except LimitExceeded as exc:
            self.problem(exc)

    def text_chunks(self, data: bytes, shown: str, scanned_as: str | None = None) -> Iterator[Chunk]:
        """A member's bytes as chunks, or nothing for binary content."""
        text = decode(data)
        if text is None:
            self.reading.count("skipped_binary")
            return
        self.reading.count("files")
        self.reading.count("bytes", len(data))
        yield from self.expand(Chunk(text=text, path=shown, scanned_as=scanned_as))

    def expand(self, chunk: Chunk) -> Iterator[Chunk]:
        """Source maps and notebooks as their decoded parts; other text as it is."""
        if not chunk.path.endswith(_DOCUMENTS):
            yield chunk  # what documents.chunks does with any other file, without importing it
            return
        from byok_ci.sources.artifacts import documents

        yield from documents.chunks(chunk)

    def excluded(self, inner: str) -> bool:
        return is_excluded(inner, self.exclude)

    def problem(self, exc: ArchiveProblem) -> None:
        from byok_ci.errors import LimitExceeded, MemberSkipped, PartlyRead

        reason = exc.reason
        limit = isinstance(exc, (LimitExceeded, MemberSkipped, PartlyRead))
        if limit and not reason.startswith(_PARTIAL):
            reason = _PARTIAL + reason
        self.reading.error(exc.path, reason, blocking=not (limit and self.limits.allow_partial))


@dataclass(eq=False)  # never compared: no generated __eq__ at start-up
class ArchiveSource:
    """One file on disk read as an artifact (a :class:`~byok_ci.sources.Source`): an archive's
    members, a document's decoded parts, or its text."""

    path: str
    shown: str
    artifacts: ArtifactReader

    @property
    def reading(self) -> Reading:
        return self.artifacts.reading

    def chunks(self) -> Iterator[Chunk]:
        return self.artifacts.file_chunks(self.path, self.shown)

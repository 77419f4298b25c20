"""Build artifacts: archives, saved container images, source maps and notebooks.

:class:`ArtifactReader` is what :class:`~byok_ci.sources.files.FileSource` hands each file
to. An archive (known by its first bytes) yields a chunk per text member, with inner paths
written ``dist/app-1.0.whl!app/settings.py``; a source map or notebook yields its decoded
contents; any other file is read as text as before.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from byok_ci.model import Chunk, ScanError, Stats
from byok_ci.sources.artifacts import documents
from byok_ci.sources.artifacts.archives import Walk
from byok_ci.sources.artifacts.formats import embedded, sniff
from byok_ci.sources.artifacts.spool import Window
from byok_ci.sources.artifacts.limits import (
    ArchiveLimits,
    ArchiveProblem,
    Budget,
    LimitExceeded,
    MemberSkipped,
    PartlyRead,
)
from byok_ci.sources.files import decode, is_excluded, open_regular

if TYPE_CHECKING:
    from byok_ci.sources.files import FileSource

__all__ = ["ArchiveLimits", "ArtifactReader", "sniff"]
_PARTIAL = "not fully scanned: "


@dataclass
class ArtifactReader:
    """Reads files for a :class:`FileSource`, opening archives and decoding documents."""

    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    errors: list[ScanError] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    exclude: Sequence[str] = ()
    archives: bool = True  # source maps and notebooks are decoded even without archives

    def file_chunks(self, path: str, shown: str, source: FileSource) -> Iterator[Chunk]:
        """The chunks of one file on disk (one open; archives are streamed from it)."""
        try:
            handle = open_regular(path)
        except OSError as exc:
            source.read_failed(shown, exc)
            return
        with handle:
            try:
                head = handle.read(512)
                opens = self.archives and self.limits.max_depth > 0
                if opens and sniff(head) not in (None, "zstd"):
                    handle.seek(0)
                    yield from self.archive_chunks(handle, shown)
                    return
                size = os.fstat(handle.fileno()).st_size
                whole = not source.streams(shown, size) and size <= source.options.max_file_size
                # An archive after a script or stub: looked for in the file itself when it is
                # not read whole (archive limits apply, not the file size limit).
                found = embedded(handle) if opens and not whole else None
                if found is not None:
                    yield from self.embedded_chunks(handle, shown, *found, source)
                    return
                handle.seek(len(head))
                if source.too_big(shown, size):
                    return
                if source.streams(shown, size):
                    yield from source.stream_chunks(handle, shown, head)
                    return
                data = source.read_limited(handle, shown, head)
            except OSError as exc:
                source.read_failed(shown, exc)
                return
        if data is None:
            return
        found = embedded(io.BytesIO(data)) if opens else None  # BytesIO shares the bytes: no copy
        if found is not None:
            yield from self.embedded_chunks(io.BytesIO(data), shown, *found, source)
            return
        chunk = source.text_chunk(data, shown)
        if chunk is not None:
            yield from self.expand(chunk)

    def embedded_chunks(self, handle: BinaryIO, shown: str, kind: str, offset: int, source: FileSource) -> Iterator[Chunk]:
        """An archive that does not start its file: the text before it (a script, an
        installer stub), then its members."""
        handle.seek(0)
        chunk = source.text_chunk(handle.read(min(offset, source.options.max_file_size)), shown)
        if chunk is not None:
            yield from self.expand(chunk)
        # zipfile finds a zip's start itself (and a zip whose offsets count from the file's start).
        view = handle if kind == "zip" else cast(BinaryIO, Window(handle, offset))
        yield from self.archive_chunks(view, shown, kind)

    def archive_chunks(self, handle: IO[bytes], shown: str, kind: str | None = None) -> Iterator[Chunk]:
        """Chunks of a top-level archive; a spent budget ends it with one error."""
        walk = Walk(self, Budget(self.limits, shown))
        try:
            yield from walk.archive(handle, shown, 1, kind=kind)
        except LimitExceeded as exc:
            self.problem(exc)

    def text_chunks(self, data: bytes, shown: str, scanned_as: str | None = None) -> Iterator[Chunk]:
        """A member's bytes as chunks, or nothing for binary content."""
        text = decode(data)
        if text is None:
            self.stats.skipped_binary += 1
            return
        self.stats.files += 1
        self.stats.bytes += len(data)
        yield from self.expand(Chunk(text=text, path=shown, scanned_as=scanned_as))

    def expand(self, chunk: Chunk) -> Iterator[Chunk]:
        """Source maps and notebooks as their decoded parts; other text as it is."""
        yield from documents.chunks(chunk)

    def excluded(self, inner: str) -> bool:
        return is_excluded(inner, self.exclude)

    def problem(self, exc: ArchiveProblem) -> None:
        reason = exc.reason
        limit = isinstance(exc, (LimitExceeded, MemberSkipped, PartlyRead))
        if limit and not reason.startswith(_PARTIAL):
            reason = _PARTIAL + reason
        self.errors.append(ScanError(exc.path, reason, blocking=not (limit and self.limits.allow_partial)))

"""Members of zip, tar and compressed archives, read as streams and never extracted.

Archives are recognised by their first bytes, not their names (or, in a file on disk, where
they start after a script or stub: see :mod:`byok_ci.sources.artifacts.formats`). Compressed streams (gzip,
bzip2, xz) are decompressed into an anonymous spool (memory, then an unlinked temporary
file) so tar and zip readers get the random access they need; nothing is ever written
under a member's name, so ``../`` names and symlink members cannot reach the file system.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import io
import lzma
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from byok_ci.errors import ArchiveProblem, LimitExceeded, MemberSkipped, PartlyRead
from byok_ci.sources.artifacts import tarheaders, zipdir
from byok_ci.sources.artifacts.formats import UNSUPPORTED, clean_name, decompressed_name, sniff
from byok_ci.sources.artifacts.limits import RATIO_FLOOR, Budget, human_size
from byok_ci.sources.artifacts.spool import Spool, Unclosed
from byok_ci.sources.read import decode

if TYPE_CHECKING:
    from byok_ci.model import Chunk
    from byok_ci.sources.artifacts import ArtifactReader
    from byok_ci.sources.artifacts.images import Layer

HEAD = 8192
_BLOCK = 1024 * 1024
_OPENERS: dict[str, Callable[[IO[bytes]], io.BufferedIOBase]] = {
    "gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    "bzip2": lambda raw: bz2.BZ2File(raw, mode="rb"),
    "xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),
}
# Opens a member for reading: a zip or tar member stream, or a view of a spool.
MemberOpener = Callable[[], Any]
_STREAM_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


@dataclass
class Walk:
    """One top-level archive being read: its budget and where chunks and errors go."""

    reader: ArtifactReader
    budget: Budget
    # Archives whose bytes were counted when decompressed: reading their members again from
    # the spool costs no new uncompressed bytes.
    counted: set[str] = field(default_factory=set)

    def _spend(self, n: int, shown: str) -> None:
        if shown not in self.counted:
            self.budget.spend(n, shown)

    # -- archives ---------------------------------------------------------------------------

    def archive(
        self, handle: IO[bytes], shown: str, depth: int, layer: Layer | None = None, kind: str | None = None
    ) -> Iterator[Chunk]:
        """Chunks of the archive in ``handle`` (seekable), of format ``kind`` or known by its
        first bytes; problems of this archive become errors here, while a spent budget
        stops the top-level archive."""
        try:
            if kind is None:
                kind = sniff(handle.read(512))
            handle.seek(0)
            if kind == "zip":
                yield from self._zip(handle, shown, depth)
            elif kind == "tar":
                yield from self._tar(handle, shown, depth, layer)
            elif kind in _OPENERS:
                yield from self._compressed(handle, kind, shown, depth, layer)
            elif kind in UNSUPPORTED:
                raise ArchiveProblem(shown, f"not scanned: {UNSUPPORTED[kind]}")
        except LimitExceeded:
            raise
        except ArchiveProblem as exc:
            self.reader.problem(exc)

    def _zip(self, handle: IO[bytes], shown: str, depth: int) -> Iterator[Chunk]:
        try:
            directory = zipdir.locate(handle)
            if directory is not None:  # before zipfile reads the whole directory
                zipdir.check(handle, directory, self.budget.limits.max_members, shown)
            handle.seek(0)
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise ArchiveProblem(shown, "cannot read: corrupt or truncated zip archive") from None
        except NotImplementedError:  # "zip file version 6.4": needs features zipfile lacks
            raise ArchiveProblem(shown, "cannot read: zip archive needs an unsupported zip version") from None
        encrypted: list[str] = []
        with archive:
            for info in archive.infolist():
                if info.filename.endswith("/"):  # a directory (is_dir() fails on an empty name)
                    continue
                name = clean_name(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    self.reader.reading.count("skipped_other")  # a symlink member is a name, never followed
                    continue
                if info.flag_bits & 0x1:
                    encrypted.append(name)
                    continue
                if info.file_size > RATIO_FLOOR and info.file_size > self.budget.limits.max_ratio * max(info.compress_size, 1):
                    self.reader.problem(MemberSkipped(
                        shown,
                        f"member {name} has a compression ratio over {self.budget.limits.max_ratio}:1, "
                        "a likely zip bomb (raise --max-archive-ratio)",
                    ))
                    continue
                yield from self._guarded_member(
                    functools.partial(archive.open, info), name, info.file_size, shown, depth, seekable=False
                )
        if encrypted:
            more = f" and {len(encrypted) - 1} more" if len(encrypted) > 1 else ""
            raise ArchiveProblem(shown, f"not fully scanned: password-protected member {encrypted[0]}{more}")

    def _tar(self, handle: IO[bytes], shown: str, depth: int, layer: Layer | None) -> Iterator[Chunk]:
        from byok_ci.sources.artifacts import images  # only tars need it: not on a hook's path

        with tarheaders.open_tar(handle) as archive:
            # Headers first (cheap: the tar is uncompressed and seekable), so a saved container
            # image is known by its manifest wherever the manifest lies in the tar.
            listing = tarheaders.list_members(archive, self.budget.limits.max_members)
            if not listing.members and listing.damaged[:1] == [0]:
                raise ArchiveProblem(shown, "cannot read: corrupt or truncated tar archive")
            members = listing.members
            image = images.layers_of(archive, members) if layer is None else None
            if image is not None:
                yield from images.scan(self, archive, members, image, shown, depth)
            else:
                for info in members:
                    yield from self.tar_member(archive, info, shown, depth, layer)
        if listing.damaged:
            count = len(listing.damaged)
            self.reader.problem(PartlyRead(
                shown,
                f"{count} damaged tar header{'s' if count > 1 else ''} (the first at byte "
                f"{listing.damaged[0]:,}): skipped to the next valid header, as GNU tar does",
            ))
        for offset, claimed in listing.oversized:
            self.reader.problem(MemberSkipped(
                shown,
                f"the tar extended header (GNU long name or PAX) at byte {offset:,} claims "
                f"{human_size(claimed)}, over the {human_size(tarheaders.MAX_EXTENDED_HEADER)} limit "
                "for one member's headers: skipped to the next valid header",
            ))
        if listing.truncated:
            raise ArchiveProblem(shown, "not fully scanned: corrupt or truncated tar archive")

    def tar_member(
        self, archive: tarfile.TarFile, info: tarfile.TarInfo, shown: str, depth: int, layer: Layer | None
    ) -> Iterator[Chunk]:
        name = clean_name(info.name)
        if layer is not None and layer.note(name):
            return
        if info.issym() or info.islnk():
            self.reader.reading.count("skipped_other")
            return
        if not info.isreg():
            return
        scanned_as = layer.scanned_as(name) if layer is not None else None
        yield from self._guarded_member(
            lambda: _extracted(archive, info), name, info.size, shown, depth, seekable=True, scanned_as=scanned_as
        )

    def _compressed(
        self, handle: IO[bytes], kind: str, shown: str, depth: int, layer: Layer | None
    ) -> Iterator[Chunk]:
        spool, damaged = self._decompress(handle, kind, shown)
        errors = self.reader.reading.errors
        mark = len(errors)
        try:
            with spool:
                if sniff(spool.read(512)) == "tar":
                    spool.seek(0)
                    yield from self._tar(spool, shown, depth, layer)
                else:
                    size = spool.seek(0, io.SEEK_END)
                    spool.seek(0)
                    yield from self._guarded_member(
                        lambda: Unclosed(spool), decompressed_name(shown, kind), size, shown, depth, seekable=True
                    )
        except LimitExceeded:
            raise
        except ArchiveProblem:
            if not damaged:
                raise  # else the damaged stream is the one problem to report
        if damaged:
            # The members cut short by the damage need no error of their own.
            errors[mark:] = [e for e in errors[mark:] if e.path != shown]
            raise ArchiveProblem(
                shown, f"not fully scanned: corrupt or truncated {kind} stream (what came before the damage was scanned)"
            )

    def _decompress(self, handle: IO[bytes], kind: str, shown: str) -> tuple[IO[bytes], bool]:
        """The decompressed stream in a spool, and whether the stream broke off."""
        start = handle.tell()
        self.counted.add(shown)
        spool = Spool()
        produced = 0
        damaged = False
        try:
            with _OPENERS[kind](handle) as stream:
                # read1: one step of decompression at a time, so a stream that breaks off
                # keeps what came before the break.
                while block := stream.read1(_BLOCK):
                    produced += len(block)
                    self.budget.spend(len(block), shown)
                    self.budget.check_ratio(produced, handle.tell() - start, shown)
                    spool.write(block)
        except LimitExceeded:
            spool.close()
            raise
        except _STREAM_ERRORS:
            damaged = True
        return spool.rewound(), damaged

    # -- members ----------------------------------------------------------------------------

    def _guarded_member(
        self,
        open_member: MemberOpener,
        name: str,
        size: int,
        shown: str,
        depth: int,
        *,
        seekable: bool,
        scanned_as: str | None = None,
    ) -> Iterator[Chunk]:
        inner = f"{shown}!{name}"
        if self.reader.excluded(inner):
            self.reader.reading.count("skipped_excluded")
            return
        self.budget.member(shown)
        try:
            yield from self._member(open_member, inner, size, shown, depth, seekable, scanned_as)
        except LimitExceeded:
            raise
        except MemberSkipped as exc:
            self.reader.problem(exc)
        except ArchiveProblem as exc:
            self.reader.problem(exc)
        except (zipfile.BadZipFile, tarfile.TarError, *_STREAM_ERRORS, NotImplementedError, RuntimeError):
            self.reader.problem(ArchiveProblem(shown, f"cannot read member {name}: corrupt, truncated or unsupported"))

    def _member(
        self,
        open_member: MemberOpener,
        inner: str,
        size: int,
        shown: str,
        depth: int,
        seekable: bool,
        scanned_as: str | None,
    ) -> Iterator[Chunk]:
        limits = self.budget.limits
        with open_member() as stream:
            head = stream.read(HEAD)
            kind = sniff(head)
            if kind is not None:
                if depth >= limits.max_depth:
                    raise MemberSkipped(
                        shown,
                        f"nested archive {inner.rsplit('!', 1)[1]} is deeper than "
                        f"--max-archive-depth {limits.max_depth}",
                    )
                if seekable:
                    stream.seek(0)
                    yield from self.archive(stream, inner, depth + 1)
                    return
                self._spend(len(head), shown)
                with self._spool_rest(head, stream, shown) as spool:
                    yield from self.archive(spool, inner, depth + 1)
                return
            if decode(head) is None:
                self.reader.reading.count("skipped_binary")
                return
            if size > limits.max_member_size:
                raise MemberSkipped(
                    shown,
                    f"member {inner.rsplit('!', 1)[1]} is {human_size(size)}, over the member "
                    f"size limit of {human_size(limits.max_member_size)} (raise --max-archive-member-size)",
                )
            self._spend(len(head), shown)
            rest = stream.read(limits.max_member_size + 1 - len(head)) if len(head) == HEAD else b""
            self._spend(len(rest), shown)
        data = head + rest
        if len(data) > limits.max_member_size:
            raise MemberSkipped(shown, f"member {inner.rsplit('!', 1)[1]} is over the member size limit (raise --max-archive-member-size)")
        yield from self.reader.text_chunks(data, inner, scanned_as)

    def _spool_rest(self, head: bytes, stream: IO[bytes], shown: str) -> IO[bytes]:
        spool = Spool()
        spool.write(head)
        try:
            while block := stream.read(_BLOCK):
                self._spend(len(block), shown)
                spool.write(block)
        except BaseException:
            spool.close()
            raise
        return spool.rewound()


def _extracted(archive: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    stream = archive.extractfile(info)
    if stream is None:  # pragma: no cover - only for non-regular members, filtered above
        raise ArchiveProblem(info.name, "not a regular member")
    return stream

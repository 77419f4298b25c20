"""Tar headers read the way GNU tar reads them, with bounded memory.

``tarfile`` stops without an error at the first header whose checksum does not verify,
so a ``.env`` after one damaged header was never scanned. GNU tar reports such a header
and skips forward to the next block that is a valid header ("Skipping to next header");
:func:`list_members` does the same and returns the offsets of the damage, so the scan can
report it. It also reads on past the end-of-archive blocks when valid headers follow (as
``tar --ignore-zeros`` does for concatenated archives).

``tarfile`` reads a GNU long name or a PAX extended header into memory whole, whatever
size it claims. Here every header is parsed through a reader that refuses to hand out
more than :data:`MAX_EXTENDED_HEADER` bytes for one member's headers; such a header is
skipped with its data (or, when it claims more than the file holds, like a damaged one).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from byok_ci.errors import HeaderTooLarge
from byok_ci.sources.artifacts.formats import TAR_BLOCK, TAR_CHECKSUM_FIELD, verifies
from byok_ci.sources.artifacts.limits import MB

if TYPE_CHECKING:
    import tarfile  # imported by the functions that open a tar: every file is sniffed, few are tars

BLOCK = TAR_BLOCK  # tarfile.BLOCKSIZE
# Long names and PAX records of real archives take a few KB (a path, xattrs, ACLs).
MAX_EXTENDED_HEADER = 1 * MB
_SCAN = 1 * MB  # read this much at a time when looking for the next valid header
_ZERO_BLOCK = bytes(BLOCK)


class _GuardedReader:
    """The archive's file as ``tarfile`` sees it: while a header is being parsed, reads
    beyond the allowance raise instead of allocating what the header claims."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.allowance: int | None = None

    def read(self, size: int = -1) -> bytes:
        if self.allowance is not None:
            if size < 0 or size > self.allowance:
                raise HeaderTooLarge(size, self.raw.tell())
            self.allowance -= size
        return self.raw.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def seekable(self) -> bool:
        return True


@dataclass
class Listing:
    """Members of a tar and what went wrong on the way."""

    members: list[tarfile.TarInfo] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)  # offsets of headers skipped over
    oversized: list[tuple[int, int]] = field(default_factory=list)  # (offset, bytes claimed)
    truncated: bool = False  # a member or header runs past the end of the file


def open_tar(handle: IO[bytes]) -> tarfile.TarFile:
    import tarfile

    """A TarFile reading ``handle`` through a guarded reader, with no member read yet.

    ``TarFile``'s constructor parses the first header with nothing to bound it, so it is
    given an empty archive and then pointed at the real one."""
    archive = tarfile.TarFile(fileobj=io.BytesIO(bytes(2 * BLOCK)), mode="r")
    archive.fileobj = _GuardedReader(handle)  # type: ignore[assignment]
    archive.offset = 0
    return archive


def list_members(archive: tarfile.TarFile, limit: int) -> Listing:
    import tarfile

    """Up to ``limit + 1`` members of an archive from :func:`open_tar`, resynchronising
    after damaged headers."""
    reader = archive.fileobj
    assert isinstance(reader, _GuardedReader)
    listing = Listing()
    size = reader.seek(0, io.SEEK_END)
    position = 0
    while len(listing.members) <= limit:
        reader.seek(position)
        block = reader.read(BLOCK)
        if len(block) < BLOCK:
            listing.truncated = position > size or 0 < len(block)
            break
        if block == _ZERO_BLOCK:
            # End of archive; a valid header further on is another archive appended.
            found = next_header(reader.raw, position + BLOCK)
            if found is None:
                break
            position = found
            continue
        if not verifies(block):
            listing.damaged.append(position)
            found = next_header(reader.raw, position + BLOCK)
            if found is None:
                break
            position = found
            continue
        reader.seek(position)
        archive.offset = position
        reader.allowance = MAX_EXTENDED_HEADER
        try:
            info = archive.tarinfo.fromtarfile(archive)
        except HeaderTooLarge as exc:
            listing.oversized.append((position, exc.claimed))
            if 0 <= exc.claimed <= size - exc.data_start:
                # A header that tells the truth about its size: skip its data, not scan it.
                position = exc.data_start + exc.claimed
                continue
            info = None
        except (tarfile.HeaderError, ValueError, IndexError, RecursionError, OverflowError):
            listing.damaged.append(position)
            info = None
        finally:
            reader.allowance = None
        if info is None:
            found = next_header(reader.raw, position + BLOCK)
            if found is None:
                break
            position = found
            continue
        listing.members.append(info)
        position = archive.offset
    return listing


def next_header(raw: IO[bytes], position: int) -> int | None:
    """Offset of the first 512-byte block at or after ``position`` (a multiple of 512)
    that is a valid tar header, or None; reads ``_SCAN`` bytes at a time."""
    raw.seek(position)
    while True:
        data = raw.read(_SCAN)
        for at in _candidates(data):
            if verifies(data, at):
                return position + at
        if len(data) < _SCAN:
            return None
        position += len(data)


def _candidates(data: bytes) -> Iterator[int]:
    # Most blocks are data or zeros: the checksum field's form rules them out cheaply.
    for at in range(0, len(data) - BLOCK + 1, BLOCK):
        if TAR_CHECKSUM_FIELD.fullmatch(data, at + 148, at + 156):
            yield at

"""A zip's central directory, found and measured before ``zipfile`` reads it.

``zipfile.ZipFile`` reads the whole central directory into memory and makes an object of
every entry before anything else can look at it: 2 million crafted entries cost 1 GB. Here
the end record is read the way ``zipfile`` reads it, and the directory is checked against
the member limit first. The same end record finds a zip that does not start its file
(a zipapp after its ``#!`` line, a self-extracting installer).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import IO

from byok_ci._values import by_value
from byok_ci.errors import LimitExceeded
from byok_ci.sources.artifacts.limits import human_size

_END = b"PK\x05\x06"
_END_SIZE = 22
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_END64_SIZE = 56
_LOCATOR_SIZE = 20
_ENTRY = b"PK\x01\x02"
_ENTRY_SIZE = 46
# The end record is 22 bytes plus a comment of at most 64 KiB: it lies in this last part.
END_WINDOW = _END_SIZE + 0xFFFF
# Bytes of central directory one member may take before the size alone is over the limit.
# A real entry takes 46 bytes plus its name and extra fields, rarely more than 300.
BYTES_PER_MEMBER = 640
_READ = 1 << 20


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class CentralDirectory:
    start: int  # where the directory lies in the file
    size: int
    offset: int  # where the zip says it lies, counted from the zip's own start

    @property
    def zip_start(self) -> int:
        """Where the zip begins in the file (after a ``#!`` line or an installer stub)."""
        return self.start - self.offset


def locate(handle: IO[bytes]) -> CentralDirectory | None:
    """The central directory that ``zipfile`` would read, or None when there is no end record."""
    file_size = handle.seek(0, io.SEEK_END)
    if file_size < _END_SIZE:
        return None
    window_start = max(0, file_size - END_WINDOW)
    handle.seek(window_start)
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < _END_SIZE:
        return None
    end = window_start + at
    _, _, _, _, _, size, offset, _ = struct.unpack("<4s4H2LH", tail[at:at + _END_SIZE])
    directory_end = end
    if end >= _LOCATOR_SIZE + _END64_SIZE:
        handle.seek(end - _LOCATOR_SIZE - _END64_SIZE)
        record = handle.read(_END64_SIZE + _LOCATOR_SIZE)
        if record[_END64_SIZE:_END64_SIZE + 4] == _END64_LOCATOR and record[:4] == _END64:
            size, offset = struct.unpack_from("<2Q", record, 40)
            directory_end = end - _LOCATOR_SIZE - _END64_SIZE
    return CentralDirectory(directory_end - size, size, offset)


def is_zip(handle: IO[bytes], directory: CentralDirectory) -> bool:
    """Whether the end record points at a central directory entry: a real zip, not four
    bytes that happen to look like an end record."""
    if directory.start < 0 or directory.zip_start < 0 or directory.size < _ENTRY_SIZE:
        return False
    handle.seek(directory.start)
    return handle.read(4) == _ENTRY


def check(handle: IO[bytes], directory: CentralDirectory, max_members: int, where: str) -> None:
    """Raise :class:`LimitExceeded` when the directory lists more than ``max_members``
    entries (files and directories), reading at most ``max_members`` entry headers."""
    file_size = handle.seek(0, io.SEEK_END)
    if directory.start < 0 or directory.start >= file_size:
        return  # zipfile reports such a zip as corrupt
    size = min(directory.size, file_size - directory.start)
    too_many = f"more than {max_members:,} members (raise --max-archive-members)"
    if size > max_members * BYTES_PER_MEMBER:
        raise LimitExceeded(
            where,
            f"its central directory of {human_size(size)} is too large for {max_members:,} members "
            "(raise --max-archive-members)",
        )
    # Every entry starts with the signature, so there are at most as many entries as
    # signatures: counting them (at C speed) settles almost every zip.
    if _count_signatures(handle, directory.start, size) <= max_members:
        return
    handle.seek(directory.start)
    entries = read = 0
    while read < size:
        header = handle.read(_ENTRY_SIZE)
        if len(header) < _ENTRY_SIZE or header[:4] != _ENTRY:
            return  # zipfile reports the damage
        entries += 1
        if entries > max_members:
            raise LimitExceeded(where, too_many)
        name, extra, comment = struct.unpack_from("<3H", header, 28)
        handle.seek(name + extra + comment, io.SEEK_CUR)
        read += _ENTRY_SIZE + name + extra + comment


def _count_signatures(handle: IO[bytes], start: int, size: int) -> int:
    handle.seek(start)
    count, carry, left = 0, b"", size
    while left > 0:
        block = handle.read(min(_READ, left))
        if not block:
            break
        left -= len(block)
        data = carry + block
        count += data.count(_ENTRY)
        carry = data[-3:]  # a signature cut in two by the block boundary
    return count

"""File-like views the archive readers need: a spool that holds a decompressed stream (memory,
then an unlinked temporary file), a window onto part of a file, and a view a reader may close."""

from __future__ import annotations

import io
import tempfile
from typing import IO

_IN_MEMORY = 8 * 1024 * 1024


class Spool:
    """Bytes in memory up to a bound, then in an unlinked temporary file."""

    def __init__(self) -> None:
        self._file: IO[bytes] = io.BytesIO()
        self._size = 0

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if isinstance(self._file, io.BytesIO) and self._size > _IN_MEMORY:
            disk = tempfile.TemporaryFile()
            disk.write(self._file.getvalue())
            self._file = disk
        self._file.write(data)

    def rewound(self) -> IO[bytes]:
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        self._file.close()


class Window:
    """The part of a seekable file from ``start`` on, as a file of its own."""

    def __init__(self, raw: IO[bytes], start: int) -> None:
        self._raw, self._start = raw, start
        raw.seek(start)

    def read(self, size: int = -1) -> bytes:
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset += self._start
        return self._raw.seek(offset, whence) - self._start

    def tell(self) -> int:
        return self._raw.tell() - self._start

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True


class Unclosed:
    """A view of a spool that its member reader may close without closing the spool."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        return self._raw.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def __enter__(self) -> Unclosed:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

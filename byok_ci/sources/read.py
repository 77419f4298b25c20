"""Reading one file: whole, or in blocks when it is large; text only, never more than the
size limit, and never blocking on a FIFO swapped in after the walk. Standard input too.

:class:`FileReader` is what the walk of :mod:`byok_ci.sources.files` and the artifact
reader of :mod:`byok_ci.sources.artifacts` read a file with; what it cannot read and what it
skips goes to their shared :class:`~byok_ci.sources.Reading`.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

from byok_ci.config import DEFAULT_MAX_FILE_SIZE
from byok_ci.model import Chunk
from byok_ci.sources import Reading

STDIN = "-"
STDIN_DISPLAY = "<stdin>"
SNIFF = 8192  # the bytes a file's encoding is told from
# Files larger than this are read in blocks of STREAM_BLOCK bytes, cut at line ends, each
# chunk repeating up to STREAM_OVERLAP characters of whole lines before it (more than any
# key plus the provider context a rule looks back for), so memory stays bounded by the
# block size (and the longest line) whatever the file size.
STREAM_ABOVE = 64 * 1024 * 1024
STREAM_BLOCK = 16 * 1024 * 1024
STREAM_OVERLAP = 64 * 1024
STREAM_LONG_LINE = 1024 * 1024
_STREAMED_DOCUMENTS = (".map", ".ipynb")  # decoded as a whole JSON document, never in blocks


class Entry(NamedTuple):
    """A file to read."""

    path: str  # on the filesystem
    shown: str  # in reports: POSIX, relative to the scan root when inside it
    size: int  # -1 when unknown (standard input; a walk told not to stat, FileSource.sizes)


@dataclass(eq=False)  # never compared: no generated __eq__ at start-up
class FileReader:
    """Reads files as text chunks; problems and counts go to ``reading``."""

    reading: Reading
    max_file_size: int = DEFAULT_MAX_FILE_SIZE

    def read_chunks(self, entry: Entry) -> Iterator[Chunk]:
        """:meth:`read`, or :meth:`stream_chunks` for a file too large to hold whole."""
        if entry.path == STDIN or not self.streams(entry.shown, entry.size):
            chunk = self.read(entry)
            if chunk is not None:
                yield chunk
            return
        if self.too_big(entry.shown, entry.size):
            return
        try:
            with open_regular(entry.path) as handle:
                yield from self.stream_chunks(handle, entry.shown)
        except OSError as exc:
            self.read_failed(entry.shown, exc)

    def read(self, entry: Entry) -> Chunk | None:
        path, shown, size = entry
        try:
            if path == STDIN:
                data = self.read_limited(sys.stdin.buffer, shown)
            else:
                if self.too_big(shown, size):
                    return None
                fd, size = open_sized(path)
                try:
                    data = self.read_fd(fd, size, shown)
                finally:
                    os.close(fd)
        except OSError as exc:
            self.read_failed(shown, exc)
            return None
        return None if data is None else self.text_chunk(data, shown)

    def read_whole(self, handle: BinaryIO, shown: str) -> bytes | None:
        """A regular file opened and not read yet, whole, never more than the size limit
        (:meth:`read_fd` with the size ``fstat`` gives now)."""
        return self.read_fd(handle.fileno(), _size_of(handle), shown)

    def read_fd(self, fd: int, size: int, shown: str) -> bytes | None:
        """A regular file's descriptor, not read yet, whose size was ``size`` when opened:
        the file whole, never more than the size limit.

        One ``os.read`` of that size plus one byte: a buffer of the file's size, not of the
        limit (allocating the limit for every file made the system time of a tree scan
        twice that of ``cat``). A file that grew after that is read on, up to the limit; one
        that shrank is read to its end (a short read of a regular file is its end)."""
        limit = self.max_file_size
        want = min(size, limit) + 1
        data = os.read(fd, want)
        if len(data) == want:
            parts = [data]
            total = len(data)
            while total <= limit:
                more = os.read(fd, min(limit + 1 - total, STREAM_BLOCK))
                if not more:
                    break
                parts.append(more)
                total += len(more)
            data = b"".join(parts) if len(parts) > 1 else data
        if len(data) <= limit:
            return data
        self._over_limit(_fstat_size(fd), shown)
        return None

    def streams(self, shown: str, size: int) -> bool:
        """Whether a file this big is read in blocks (:meth:`stream_chunks`) rather than whole."""
        return size > STREAM_ABOVE and not shown.endswith(_STREAMED_DOCUMENTS)

    def stream_chunks(self, handle: BinaryIO, shown: str, head: bytes = b"") -> Iterator[Chunk]:
        """A large file's text as consecutive chunks cut at line ends, each starting with up
        to STREAM_OVERLAP characters of the lines before it (findings there come twice and
        are merged by the scan), with line numbers of the file. Stops at the size limit."""
        first = head + handle.read(max(0, STREAM_BLOCK - len(head)))
        encoding = _stream_encoding(first)
        if encoding is None:
            self.reading.count("skipped_binary")
            return
        decoder = _Utf16Decoder(first) if encoding.startswith("utf-16") else codecs.getincrementaldecoder(encoding)(
            "replace")
        if first.startswith(codecs.BOM_UTF8):
            first = first[3:]
        total, pending, tail, line = len(first), decoder.decode(first), "", 0
        limit = self.max_file_size
        self.reading.count("files")
        while True:
            block = handle.read(STREAM_BLOCK) if total <= limit else b""
            total += len(block)
            pending += decoder.decode(block, final=not block)
            cut = len(pending) if not block else pending.rfind("\n") + 1
            if cut > 0:
                text, pending = pending[:cut], pending[cut:]
                yield Chunk(text=tail + text, path=shown, line_offset=line - tail.count("\n"))
                line += text.count("\n")
                # From the start of the line the overlap mark falls in, so the context a rule
                # looks back for is there even after a long line (up to STREAM_LONG_LINE).
                mark = max(0, len(text) - STREAM_OVERLAP)
                start = text.rfind("\n", 0, mark) + 1
                if mark - start > STREAM_LONG_LINE:
                    start = text.find("\n", mark) + 1
                tail = text[start:] if start < len(text) else ""
            if not block:
                break
        self.reading.count("bytes", total)
        if total > limit:
            self.reading.error(shown, f"scanned only the first {total:,} bytes: the file grew past the maximum file size "
                               f"{limit:,} while it was read (raise it with --max-file-size)")

    def read_limited(self, handle: BinaryIO, shown: str, head: bytes = b"") -> bytes | None:
        """The rest of an open file, never more than the size limit: a file that grew after
        it was listed (a log being written) or a pipe is reported as too big, not read whole."""
        limit = self.max_file_size
        # A regular file's size (plus one byte, to see it grew), not the limit: the buffer
        # read allocates is that large whatever the file holds.
        size = _size_of(handle)
        want = min(size, limit) + 1 if size > 0 else limit + 1
        data = head + handle.read(max(0, want - len(head)))
        if len(data) == want and want <= limit:
            data += handle.read(limit + 1 - len(data))  # it grew since
        if len(data) <= limit:
            return data
        self._over_limit(_size_of(handle), shown)
        return None

    def _over_limit(self, size: int, shown: str) -> None:
        """Report a file found over the size limit while it was read (it grew, or a pipe);
        ``size`` is its size now (0 for a pipe)."""
        if size > self.max_file_size:
            self.too_big(shown, size)
        else:
            self.reading.error(shown, f"skipped: more than the maximum file size {self.max_file_size:,} bytes "
                               "(raise it with --max-file-size)")

    def too_big(self, shown: str, size: int) -> bool:
        """Report a file over the size limit; True when it is."""
        if size <= self.max_file_size:
            return False
        self.reading.error(
            shown,
            f"skipped: {size:,} bytes is over the maximum file size {self.max_file_size:,} "
            "(raise it with --max-file-size)",
        )
        return True

    def read_failed(self, shown: str, exc: OSError) -> None:
        from byok_ci.errors import NotRegularFile  # only a file that could not be read needs the error tree

        if isinstance(exc, NotRegularFile):
            self.reading.error(shown, f"not a regular file when opened ({exc.kind}); skipped")
        else:
            self.reading.error(shown, f"cannot read: {reason(exc)}")

    def text_chunk(self, data: bytes, shown: str) -> Chunk | None:
        """The file's text as a chunk, or None (counted) for binary content."""
        text, utf8 = _decode(data)
        if text is None:
            self.reading.count("skipped_binary")
            return None
        self.reading.count_file(len(data))
        # Valid UTF-8 without a BOM: the bytes are the text's encoding, scanned as they are.
        return Chunk.of_file(text, shown, data if utf8 else None)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading as a file object (:func:`open_sized`)."""
    return os.fdopen(open_sized(path)[0], "rb")


def open_sized(path: str) -> tuple[int, int]:
    """``path`` opened for reading, never blocking, and its size: the descriptor and the
    size of the one ``fstat`` that checks its type. A FIFO swapped in after the walk listed
    the path would block ``open`` until a writer came: O_NONBLOCK makes the open return at
    once and the type is checked on the open descriptor (no race); for a regular file the
    flag changes nothing."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            from byok_ci.errors import NotRegularFile

            raise NotRegularFile(kind_of(info.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def decode(data: bytes) -> str | None:
    """Text of a file, or None for binary. Bad UTF-8 bytes become U+FFFD, one per byte,
    so line numbers never shift."""
    return _decode(data)[0]


_BOM_LEADS = frozenset(mark[:1] for mark in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _decode(data: bytes) -> tuple[str | None, bool]:
    """:func:`decode`, and whether ``data`` is that text encoded as UTF-8 (no BOM, no bad bytes).
    (:func:`utf16_encoding`'s tests, the first 8 kB looked through for a NUL once.)"""
    if data[:1] in _BOM_LEADS:  # most files start with none of the marks: one test, not two
        if data.startswith(codecs.BOM_UTF8):
            return data[3:].decode("utf-8", "replace"), False
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return utf16_text(data, "utf-16"), False
    if data.find(b"\0", 0, SNIFF) >= 0:
        encoding = _utf16_without_bom(data[:SNIFF])
        return (None if encoding is None else utf16_text(data, encoding)), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), False



def utf16_text(data: bytes, encoding: str) -> str:
    """``data`` read with the UTF-16 codec ``encoding``, up to its last NUL byte; what
    follows as UTF-8. Each ASCII character of UTF-16 text holds a NUL byte, so no key lies
    in UTF-16 past the last one: bytes there are another encoding's (a PowerShell file
    appended to by another shell, a byte-order mark put before UTF-8 text), and read as
    UTF-16 their keys were lost."""
    cut = data.rfind(b"\0") + 1
    cut += cut % 2  # the end of that NUL's code unit
    if cut == 0 and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        cut = 2
    return data[:cut].decode(encoding, "replace") + data[cut:].decode("utf-8", "replace")


class _Utf16Decoder:
    """A UTF-16 file's blocks decoded as :func:`utf16_text` decodes it whole: as UTF-16 up to
    its last NUL byte, as UTF-8 after it, never holding more than the bytes since the last
    NUL. A run of more than STREAM_BLOCK bytes without one is read as UTF-8 when met (a file
    read whole reads it so only after its last NUL): it holds no ASCII character in UTF-16,
    so no key is lost either way, and the file is never held whole."""

    def __init__(self, first: bytes) -> None:
        # The byte order is taken from the file's BOM once (the decoder is reset after a run).
        encoding = "utf-16-be" if first.startswith(codecs.BOM_UTF16_BE) else (
            "utf-16-le" if first.startswith(codecs.BOM_UTF16_LE) else _utf16_without_bom(first[:SNIFF]) or "utf-16-le")
        self._utf16 = codecs.getincrementaldecoder(encoding)("replace")
        self._utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self._skip = 2 if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else 0
        self._pending = b""
        self._at = 0  # the file's offset of the first byte of _pending
        self._in_run = False  # in a run of more than STREAM_BLOCK bytes without NUL (read as UTF-8)

    def decode(self, block: bytes, final: bool = False) -> str:
        data, out = self._pending + block, []
        if self._at < self._skip:  # the byte-order mark
            dropped = min(len(data), self._skip - self._at)
            data, self._at = data[dropped:], self._at + dropped
        if self._in_run and data:  # UTF-8 up to the code unit of the next NUL (then UTF-16 again)
            first = data.find(b"\0")
            cut = len(data) - 1 if first < 0 else max(0, first - (self._at + first) % 2)
            out.append(self._utf8.decode(data[:cut], final=first >= 0))
            data, self._at, self._in_run = data[cut:], self._at + cut, first < 0
        elif self._at % 2 and data:  # the second byte of the code unit the last block ended in
            out.append(self._utf16.decode(data[:1]))
            data, self._at = data[1:], self._at + 1
        end = data.rfind(b"\0") + 1
        if end:
            end = min(len(data), end + (self._at + end) % 2)  # to the end of that NUL's code unit
            out.append(self._utf16.decode(data[:end]))
            data, self._at = data[end:], self._at + end
        if final or len(data) > STREAM_BLOCK:
            out += [self._utf16.decode(b"", final=True), self._utf8.decode(data if final else data[:-1], final=final)]
            self._utf16.reset()
            data, self._at, self._in_run = data[len(data) - 1:] if not final else b"", self._at + len(data) - 1, True
        self._pending = data
        return "".join(out)


def utf16_encoding(data: bytes) -> str | None:
    """The UTF-16 codec :func:`decode` reads ``data`` with (a BOM, or the NULs of mostly
    ASCII text: :func:`_utf16_without_bom`); None when it does not read it as UTF-16."""
    if data.startswith(codecs.BOM_UTF8):
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:SNIFF]
    return _utf16_without_bom(sample) if b"\0" in sample else None


def _stream_encoding(first: bytes) -> str | None:
    """The codec :func:`decode` would use for a file starting with ``first``; None for binary."""
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8"
    sample = first[:SNIFF]
    return _utf16_without_bom(sample) if b"\0" in sample else "utf-8"


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text of mostly ASCII characters has a NUL in every other byte (up to its last
    NUL: :func:`utf16_text` reads what follows as UTF-8)."""
    end = sample.rfind(b"\0") + 1
    sample = sample[:end + end % 2]
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4:
        return None
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _size_of(handle: BinaryIO) -> int:
    """Size of a regular file now; 0 for pipes and terminals."""
    try:
        return _fstat_size(handle.fileno())
    except ValueError:
        return 0


def _fstat_size(fd: int) -> int:
    try:
        info = os.fstat(fd)
        return info.st_size if stat.S_ISREG(info.st_mode) else 0
    except OSError:
        return 0


def kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def reason(exc: OSError) -> str:
    if exc.errno == errno.EACCES:
        return "permission denied"
    return (exc.strerror or str(exc)).lower()

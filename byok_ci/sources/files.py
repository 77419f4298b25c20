"""Files and directory trees on disk, and standard input.

Walks skip ``.git`` and dependency environments, never follow symlinks, and keep build
output and git-ignored files (an ignored ``.env`` is exactly where keys sit). A path given
explicitly is followed even when it is a symlink, and every problem with it is reported.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.errors import NotRegularFile
from byok_ci.model import Chunk, ScanError, Stats

if TYPE_CHECKING:
    from byok_ci.sources.artifacts import ArtifactReader

SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "site-packages", "__pycache__", ".tox"})
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
STDIN = "-"
STDIN_DISPLAY = "<stdin>"
_SNIFF = 8192
# Files larger than this are read in blocks of STREAM_BLOCK bytes, cut at line ends, each
# chunk repeating up to STREAM_OVERLAP characters of whole lines before it (more than any
# key plus the provider context a rule looks back for), so memory stays bounded by the
# block size (and the longest line) whatever the file size.
STREAM_ABOVE = 64 * 1024 * 1024
STREAM_BLOCK = 16 * 1024 * 1024
STREAM_OVERLAP = 64 * 1024
STREAM_LONG_LINE = 1024 * 1024
_STREAMED_DOCUMENTS = (".map", ".ipynb")  # decoded as a whole JSON document, never in blocks


class FileEntry(NamedTuple):
    path: str  # on the filesystem
    shown: str  # in reports: POSIX, relative to the scan root when inside it
    size: int  # -1 when unknown (standard input)


@dataclass
class WalkOptions:
    root: Path
    exclude: Sequence[str] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


@dataclass
class FileSource:
    """Chunks of every text file under ``paths``; problems land in ``errors``."""

    paths: Sequence[str]
    options: WalkOptions
    errors: list[ScanError] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    # Opens archives and decodes source maps and notebooks (byok_ci.sources.artifacts).
    artifacts: ArtifactReader | None = None

    def chunks(self) -> Iterator[Chunk]:
        for entry in self.files():
            yield from self.entry_chunks(entry)

    def entry_chunks(self, entry: FileEntry) -> Iterator[Chunk]:
        """The chunks of one file: its text, or an archive's members and a document's contents."""
        if self.artifacts is not None and entry.path != STDIN:
            yield from self.artifacts.file_chunks(entry.path, entry.shown, self)
            return
        yield from self.read_chunks(entry)

    def files(self) -> Iterator[FileEntry]:
        """Each regular file to read once, in a stable order (a path given twice, or a file
        inside a directory also given, is read once)."""
        seen: set[str] = set()
        for entry in self._all_files():
            key = os.path.abspath(entry.path) if entry.path != STDIN else STDIN
            if key in seen:
                continue
            seen.add(key)
            yield entry

    def _all_files(self) -> Iterator[FileEntry]:
        for raw in self.paths:
            if raw == STDIN:
                yield FileEntry(STDIN, STDIN_DISPLAY, -1)
                continue
            shown = display_path(raw, self.options.root)
            try:
                info = os.stat(raw)
            except OSError as exc:
                self._error(shown, _stat_problem(raw, exc))
                continue
            if stat.S_ISDIR(info.st_mode):
                yield from self._walk(raw)
            elif stat.S_ISREG(info.st_mode):
                if not self._excluded(shown):
                    yield FileEntry(raw, shown, info.st_size)
                else:
                    self.stats.skipped_excluded += 1
            else:
                self._error(shown, f"not a regular file ({_kind(info.st_mode)}); skipped")

    def _walk(self, top: str) -> Iterator[FileEntry]:
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self._error(display_path(directory, self.options.root), f"cannot list directory: {_reason(exc)}")
                continue
            subdirs = []
            for entry in entries:
                shown = display_path(entry.path, self.options.root)
                try:
                    if entry.is_symlink():
                        self.stats.skipped_other += 1
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIPPED_DIRS or self._excluded(shown):
                            self.stats.skipped_excluded += 1
                        else:
                            subdirs.append(entry.path)
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        self.stats.skipped_other += 1  # FIFOs, sockets, devices: never opened
                        continue
                except OSError as exc:
                    self._error(shown, _reason(exc))
                    continue
                if self._excluded(shown):
                    self.stats.skipped_excluded += 1
                    continue
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except OSError as exc:
                    self._error(shown, f"cannot read: {_reason(exc)}")
                    continue
                yield FileEntry(entry.path, shown, size)
            stack.extend(reversed(subdirs))

    def read_chunks(self, entry: FileEntry) -> Iterator[Chunk]:
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

    def read(self, entry: FileEntry) -> Chunk | None:
        path, shown, size = entry
        try:
            if path == STDIN:
                data = self.read_limited(sys.stdin.buffer, shown)
            else:
                if self.too_big(shown, size):
                    return None
                with open_regular(path) as handle:
                    data = self.read_limited(handle, shown)
        except OSError as exc:
            self.read_failed(shown, exc)
            return None
        return None if data is None else self.text_chunk(data, shown)

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
            self.stats.skipped_binary += 1
            return
        decoder = codecs.getincrementaldecoder(encoding)("replace")
        if first.startswith(codecs.BOM_UTF8):
            first = first[3:]
        total, pending, tail, line = len(first), decoder.decode(first), "", 0
        limit = self.options.max_file_size
        self.stats.files += 1
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
        self.stats.bytes += total
        if total > limit:
            self._error(shown, f"scanned only the first {total:,} bytes: the file grew past the maximum file size "
                               f"{limit:,} while it was read (raise it with --max-file-size)")

    def read_limited(self, handle: BinaryIO, shown: str, head: bytes = b"") -> bytes | None:
        """The rest of an open file, never more than the size limit: a file that grew after
        it was listed (a log being written) or a pipe is reported as too big, not read whole."""
        limit = self.options.max_file_size
        data = head + handle.read(max(0, limit + 1 - len(head)))
        if len(data) <= limit:
            return data
        size = _size_of(handle)
        if size > limit:
            self.too_big(shown, size)
        else:
            self._error(shown, f"skipped: more than the maximum file size {limit:,} bytes (raise it with --max-file-size)")
        return None

    def too_big(self, shown: str, size: int) -> bool:
        """Report a file over the size limit; True when it is."""
        if size <= self.options.max_file_size:
            return False
        self._error(
            shown,
            f"skipped: {size:,} bytes is over the maximum file size {self.options.max_file_size:,} "
            "(raise it with --max-file-size)",
        )
        return True

    def read_failed(self, shown: str, exc: OSError) -> None:
        if isinstance(exc, NotRegularFile):
            self._error(shown, f"not a regular file when opened ({exc.kind}); skipped")
        else:
            self._error(shown, f"cannot read: {_reason(exc)}")

    def text_chunk(self, data: bytes, shown: str) -> Chunk | None:
        """The file's text as a chunk, or None (counted) for binary content."""
        text = decode(data)
        if text is None:
            self.stats.skipped_binary += 1
            return None
        self.stats.files += 1
        self.stats.bytes += len(data)
        return Chunk(text=text, path=shown)

    def _excluded(self, shown: str) -> bool:
        return is_excluded(shown, self.options.exclude)

    def _error(self, shown: str, message: str) -> None:
        self.errors.append(ScanError(shown, message))


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading, never blocking: a FIFO swapped in after the walk listed
    the path would block ``open`` until a writer came. O_NONBLOCK makes the open return at
    once and the type is checked on the open descriptor (no race); for a regular file the
    flag changes nothing."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(_kind(mode))
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def is_excluded(shown: str, patterns: Sequence[str]) -> bool:
    """Glob match on the display path, or on its last component for patterns without '/'."""
    if not patterns:
        return False
    name = shown.rsplit("/", 1)[-1]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatchcase(shown, pattern) or fnmatchcase(shown, pattern + "/*"):
            return True
        if "/" not in pattern and fnmatchcase(name, pattern):
            return True
        if pattern.startswith("**/") and is_excluded(shown, [pattern[3:]]):
            return True
    return False


def display_path(path: str, root: Path) -> str:
    """POSIX path relative to the scan root when inside it, else absolute."""
    absolute = os.path.abspath(path)
    base = str(root)
    if absolute == base:
        return os.path.basename(absolute) or "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if absolute.startswith(prefix):
        absolute = absolute[len(prefix):]
    return absolute.replace(os.sep, "/") if os.sep != "/" else absolute


def decode(data: bytes) -> str | None:
    """Text of a file, or None for binary. Bad UTF-8 bytes become U+FFFD, one per byte,
    so line numbers never shift."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    sample = data[:_SNIFF]
    if b"\0" in sample:
        encoding = _utf16_without_bom(sample)
        return data.decode(encoding, "replace") if encoding else None
    return data.decode("utf-8", "replace")


def _stream_encoding(first: bytes) -> str | None:
    """The codec :func:`decode` would use for a file starting with ``first``; None for binary."""
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8"
    sample = first[:_SNIFF]
    return _utf16_without_bom(sample) if b"\0" in sample else "utf-8"


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text of mostly ASCII characters has a NUL in every other byte."""
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
        info = os.fstat(handle.fileno())
        return info.st_size if stat.S_ISREG(info.st_mode) else 0
    except (OSError, ValueError):
        return 0


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EACCES:
        return "permission denied"
    return (exc.strerror or str(exc)).lower()


def _stat_problem(raw: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink" if os.path.islink(raw) else "no such file or directory"
    return f"cannot read: {_reason(exc)}"

"""Files and directory trees on disk, and standard input.

Walks skip ``.git`` and dependency environments, never follow symlinks (one pointing out of
the directories walked is reported: its target was not scanned), and keep build output and
git-ignored files (an ignored ``.env`` is exactly where keys sit). A path given
explicitly is followed even when it is a symlink, and every problem with it is reported.
Each file is read by a :class:`~byok_ci.sources.read.FileReader`, or, when archives and
documents are opened, by an :class:`~byok_ci.sources.artifacts.ArtifactReader`.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.config import DEFAULT_MAX_FILE_SIZE
from byok_ci.model import Chunk
from byok_ci.paths import display_path, shown_absolute
from byok_ci.sources import Reading
from byok_ci.sources.read import STDIN, STDIN_DISPLAY, Entry, FileReader, kind_of, reason
from byok_ci.sources.select import is_excluded

if TYPE_CHECKING:
    from byok_ci.sources.artifacts import ArtifactReader

__all__ = ["STDIN", "FileEntry", "FileSource", "WalkOptions", "display_path"]

SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "site-packages", "__pycache__", ".tox"})
FileEntry = Entry


@dataclass(eq=False)  # never compared: no generated __eq__ at start-up
class WalkOptions:
    """Where a walk starts, what it leaves out, and the largest file it reads."""

    root: Path
    exclude: Sequence[str] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


@dataclass(eq=False)  # never compared: no generated __eq__ at start-up
class FileSource:
    """Chunks of every text file under ``paths`` (a :class:`~byok_ci.sources.Source`);
    ``artifacts``, when given, opens archives and decodes source maps and notebooks."""

    paths: Sequence[str]
    options: WalkOptions
    reading: Reading = field(default_factory=Reading)
    artifacts: ArtifactReader | None = None
    reader: FileReader = field(init=False)
    # False: the walk gives files it finds from now on without their size (-1): one
    # ``lstat`` a file fewer, for a scan whose workers read each file's size as they open it
    # (:meth:`ArtifactReader.file_read`'s ``fstat``); about a quarter of the walk's CPU.
    sizes: bool = field(init=False, default=True)
    # Symlinks met that point outside the directories walked: never followed, reported once.
    outside_links: list[str] = field(init=False, default_factory=list)
    _inside: tuple[str, ...] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.reader = FileReader(self.reading, self.options.max_file_size)

    def chunks(self) -> Iterator[Chunk]:
        for entry in self.files():
            yield from self.entry_chunks(entry)

    def entry_chunks(self, entry: Entry) -> Iterator[Chunk]:
        """The chunks of one file: its text, or an archive's members and a document's contents."""
        if self.artifacts is not None and entry.path != STDIN:
            yield from self.artifacts.file_chunks(entry.path, entry.shown)
            return
        yield from self.reader.read_chunks(entry)

    def entry_read(self, entry: Entry) -> Chunk | Iterator[Chunk] | None:
        """:meth:`entry_chunks`, a plain file's one chunk (or nothing) given as it is
        (:meth:`~byok_ci.sources.artifacts.ArtifactReader.file_read`)."""
        if self.artifacts is not None and entry.path != STDIN:
            return self.artifacts.file_read(entry.path, entry.shown)
        return self.reader.read_chunks(entry)

    def files(self) -> Iterator[Entry]:
        """Each regular file to read once, in a stable order (a path given twice, or a file
        inside a directory also given, is read once)."""
        if len(self.paths) == 1:
            # One path: the walk meets each file once (it follows no symlink), and a set of
            # every path would grow with the tree.
            yield from self._all_files()
            return
        seen: set[str] = set()
        for entry in self._all_files():
            key = os.path.abspath(entry.path) if entry.path != STDIN else STDIN
            if key in seen:
                continue
            seen.add(key)
            yield entry

    def _all_files(self) -> Iterator[Entry]:
        for raw in self.paths:
            if raw == STDIN:
                yield Entry(STDIN, STDIN_DISPLAY, -1)
                continue
            shown = display_path(raw, self.options.root)
            try:
                info = os.stat(raw)
            except OSError as exc:
                self.reading.error(shown, _stat_problem(raw, exc))
                continue
            if stat.S_ISDIR(info.st_mode):
                yield from self._walk(raw)
            elif stat.S_ISREG(info.st_mode):
                if not self._excluded(shown):
                    yield Entry(raw, shown, info.st_size)
                else:
                    self.reading.count("skipped_excluded")
            else:
                self.reading.error(shown, f"not a regular file ({kind_of(info.st_mode)}); skipped")
        if self.outside_links:
            # Said once, not once a link (a copied virtualenv's links to the system's Python);
            # the other links' names stay out of the message: only a path is redacted.
            more = len(self.outside_links) - 1
            self.reading.error(self.outside_links[0], "symlink to outside the scanned directories, not followed: its "
                               "target was not scanned" + (f" (and {more} more such symlink(s))" if more else ""),
                               blocking=False)

    def _points_outside(self, link: str) -> bool:
        """Whether the symlink ``link`` names an existing file or directory outside every
        directory the walk was given (a link within them names what the walk reads anyway)."""
        if self._inside is None:
            self._inside = tuple(os.path.join(os.path.realpath(p), "") for p in self.paths if os.path.isdir(p))
        target = os.path.realpath(link)
        return os.path.exists(target) and not os.path.join(target, "").startswith(self._inside)

    def _walk(self, top: str) -> Iterator[Entry]:
        # Without patterns no name is excluded: not asked once a file (most scans give none).
        excluded = self._excluded if self.options.exclude else None
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.reading.error(display_path(directory, self.options.root), f"cannot list directory: {reason(exc)}")
                continue
            subdirs = []
            shown_in = _shown_in(directory, self.options.root)
            for entry in entries:
                shown = shown_in(entry.name)
                try:
                    if entry.is_symlink():
                        self.reading.count("skipped_other")
                        if self._points_outside(entry.path):
                            self.outside_links.append(shown)
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name in SKIPPED_DIRS or (excluded is not None and excluded(shown)):
                            self.reading.count("skipped_excluded")
                        else:
                            subdirs.append(entry.path)
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        self.reading.count("skipped_other")  # FIFOs, sockets, devices: never opened
                        continue
                except OSError as exc:
                    self.reading.error(shown, reason(exc))
                    continue
                if excluded is not None and excluded(shown):
                    self.reading.count("skipped_excluded")
                    continue
                if not self.sizes:
                    yield Entry(entry.path, shown, -1)
                    continue
                try:
                    size = entry.stat(follow_symlinks=False).st_size
                except OSError as exc:
                    self.reading.error(shown, f"cannot read: {reason(exc)}")
                    continue
                yield Entry(entry.path, shown, size)
            stack.extend(reversed(subdirs))

    def _excluded(self, shown: str) -> bool:
        return is_excluded(shown, self.options.exclude)


def _shown_in(directory: str, root: Path) -> Callable[[str], str]:
    """:func:`display_path` of the entries of ``directory`` by name: its absolute path is
    taken once, not once a file."""
    absolute = os.path.abspath(directory)
    if absolute.endswith(os.sep) or (os.altsep and absolute.endswith(os.altsep)):
        return lambda name: display_path(os.path.join(directory, name), root)  # the filesystem's root
    prefix = absolute + os.sep
    if os.sep != "/" or not prefix.isascii() or os.path.normcase(prefix) != prefix:
        return lambda name: shown_absolute(prefix + name, root)
    # A POSIX directory with an ASCII path: an ASCII name is shown as the directory's shown
    # prefix and the name (what shown_absolute gives it, without its work for every file).
    base = str(root).rstrip("/") + "/"
    shown_prefix = prefix[len(base):] if prefix.startswith(base) else prefix
    return lambda name: shown_prefix + name if name.isascii() else shown_absolute(prefix + name, root)


def _stat_problem(raw: str, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink" if os.path.islink(raw) else "no such file or directory"
    return f"cannot read: {reason(exc)}"

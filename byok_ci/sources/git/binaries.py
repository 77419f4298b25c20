"""Files git diffed as binary without looking at them: looked at again.

git says "Binary files differ" of a blob over its big-file threshold without reading it (an
error here: too large), and of text that .gitattributes marks ``-diff`` or ``binary`` (read
here, and scanned whole: which lines the commit added is unknown). :class:`BinaryTexts` is
the source of those texts, once the diffs are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from byok_ci.model import Chunk
from byok_ci.sources import Reading
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.patch import raw_path
from byok_ci.sources.git.process import big_file_threshold, blob_sizes, looks_binary, marked_binary, read_blobs


@dataclass
class BinaryTexts:
    """The text files among those ``chunker`` met as binary (a :class:`~byok_ci.sources.Source`)."""

    chunker: Chunker
    cwd: str | None = None

    @property
    def reading(self) -> Reading:
        return self.chunker.reading

    def chunks(self) -> Iterator[Chunk]:
        chunker = self.chunker
        binaries, chunker.binaries = chunker.binaries, []
        if not binaries:
            return
        cwd = self.cwd
        sizes = blob_sizes(sorted({b.blob for b in binaries}), cwd)
        threshold = big_file_threshold(chunker.max_file_size)
        marked = marked_binary(sorted({raw_path(b.path) for b in binaries if "\n" not in b.path}), cwd)
        again = []
        for binary in binaries:
            size = sizes.get(binary.blob, 0)
            if size > threshold:
                chunker.oversized(binary, size)
            elif size <= chunker.max_file_size and (chunker.scan_binary or raw_path(binary.path) in marked):
                again.append(binary)
        contents = read_blobs([b.blob.encode("ascii") for b in again], chunker.max_file_size, cwd)
        for binary, data in zip(again, contents):
            if isinstance(data, bytes) and not looks_binary(data):
                yield chunker.text_after_all(binary, data)
            elif isinstance(data, bytes) and chunker.scan_binary:
                yield chunker.text_after_all(binary, data, printable=True)

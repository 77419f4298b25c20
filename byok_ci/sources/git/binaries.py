"""Files git diffed as binary without looking at them: looked at again.

git says "Binary files differ" of a blob over its big-file threshold without reading it (an
error here: too large), of text that .gitattributes marks ``-diff`` or ``binary`` (read
here, and scanned whole: which lines the commit added is unknown), and of UTF-16 text (its
NULs). A UTF-16 version, decided as a directory scan decides (:func:`~byok_ci.sources.read.utf16_encoding`),
is decoded and detected whole, and reports only the keys none of the versions it was
diffed against holds (each key once per path, at the commit that introduced it; lines are
the decoded text's). :class:`BinaryTexts` gives those findings once the diffs are read,
reading blobs through the scan's one ``git cat-file --batch`` process
(:meth:`ContextReader.read <byok_ci.sources.git.blobs.ContextReader.read>`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from byok_ci.detect.engine import Detector
from byok_ci.model import Chunk, Finding
from byok_ci.sources import Reading
from byok_ci.sources.git.blobs import ContextReader
from byok_ci.sources.git.chunker import Binary, Chunker
from byok_ci.sources.git.patch import raw_path
from byok_ci.sources.git.process import big_file_threshold, blob_sizes, looks_binary, marked_binary


@dataclass(eq=False, repr=False)
class BinaryTexts:
    """The texts among the files ``chunker`` met as binary, and what ``detector`` finds in them."""

    chunker: Chunker
    detector: Detector
    reader: ContextReader  # the scan's blob reader (its one git process)
    cwd: str | None = None

    @property
    def reading(self) -> Reading:
        return self.chunker.reading

    def findings(self) -> Iterator[Finding]:
        """What detection finds in those texts (of a UTF-16 version: what the versions it
        was diffed against do not hold); blobs over the size limit are errors of the reading."""
        for chunk, parents in self._texts():
            found = self.detector.detect(chunk)  # whole files: no origin to relocate to
            if found and parents:
                older = self._older(chunk.path, parents)
                found = [f for f in found if (f.fingerprint, f.rule_id) not in older]
            yield from found

    def _texts(self) -> Iterator[tuple[Chunk, tuple[str, ...]]]:
        """Each text's chunk, and for a UTF-16 one the blobs it was diffed against (whose
        keys it does not report again)."""
        chunker = self.chunker
        binaries, chunker.binaries = chunker.binaries, []
        if not binaries:
            return
        from byok_ci.sources.read import SNIFF, utf16_encoding, utf16_text

        cwd = self.cwd
        sizes = blob_sizes(sorted({b.blob for b in binaries}), cwd)
        threshold = big_file_threshold(chunker.max_file_size)
        marked = marked_binary(sorted({raw_path(b.path) for b in binaries if "\n" not in b.path}), cwd)
        for binary in binaries:
            size = sizes.get(binary.blob, 0)
            if size > threshold:
                chunker.oversized(binary, size)
                continue
            data, head = self.reader.read(binary.blob, SNIFF)
            if isinstance(data, int):
                # Too large for what would be read: text a directory scan reads (UTF-16), text
                # .gitattributes marks -diff, anything with --scan-binary. An error, as there.
                if (utf16_encoding(head) or chunker.scan_binary
                        or (raw_path(binary.path) in marked and not looks_binary(head))):
                    chunker.oversized(binary, size)
                continue
            if data is None:
                continue
            encoding = utf16_encoding(data)
            if encoding is not None:
                text = utf16_text(data, encoding)
                yield chunker.text_after_all(binary, data, text=text), _diffed_against(binary)
            elif chunker.scan_binary or raw_path(binary.path) in marked:
                if not looks_binary(data):
                    yield chunker.text_after_all(binary, data), ()
                elif chunker.scan_binary:
                    yield chunker.text_after_all(binary, data, printable=True), ()

    def _older(self, path: str, parents: tuple[str, ...]) -> set[tuple[str, str]]:
        """The (fingerprint, rule) of each key the versions ``parents`` of ``path`` hold, as a
        directory scan decodes them (one too large to read holds none: its keys come again)."""
        from byok_ci.sources.read import decode

        held: set[tuple[str, str]] = set()
        for parent in parents:
            data, _ = self.reader.read(parent)
            text = decode(data) if isinstance(data, bytes) else None
            if text is not None:
                held.update((f.fingerprint, f.rule_id) for f in self.detector.detect(Chunk(text=text, path=path)))
        return held


def _diffed_against(binary: Binary) -> tuple[str, ...]:
    return tuple(p for p in binary.parents if p.strip("0"))

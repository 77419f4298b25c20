"""What an artifact is, from its bytes: archive formats by their first bytes, archives that do
not start their file, and member names fit for a report."""

from __future__ import annotations

import struct
from typing import IO

from byok_ci._patterns import lazy_compile

# Compressed streams byok-ci decompresses.
COMPRESSED = ("gzip", "bzip2", "xz")
# Formats recognised but not read (the standard library has no reader before Python 3.14's
# compression.zstd, and byok-ci adds no dependency): reported as not scanned, never as clean.
UNSUPPORTED = {"zstd": "zstd compression is not supported; decompress it and scan the result",
               "7z": "7z archives are not supported; extract it and scan the files",
               "rar": "RAR archives are not supported; extract it and scan the files"}
_UNSUPPORTED_MAGIC = (b"\x28\xb5\x2f\xfd", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")
_COMPRESSED_SUFFIXES = {"gzip": (".gz", ".gzip"), "bzip2": (".bz2",), "xz": (".xz",)}
_CONTROL = lazy_compile(r"[\x00-\x1f\x7f]")
SCRIPT_WINDOW = 1024 * 1024
# Bytes that no text holds (tab, newlines, form feed and escape are text).
_BINARY = lazy_compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_PAYLOAD_MAGIC = (b"\x1f\x8b\x08", b"BZh", b"\xfd7zXZ\x00")
_MAGIC_LEADS = frozenset((b"P", b"\x1f", b"B", b"\xfd"))  # the first bytes of zip, gzip, bzip2, xz
# Tar headers are sniffed here (every file is) and read by byok_ci.sources.artifacts.tarheaders
# (only an archive's): a scan of plain files imports neither that module nor zipdir.
TAR_BLOCK = 512  # tarfile.BLOCKSIZE
TAR_CHECKSUM_FIELD = lazy_compile(rb"[ \0]*[0-7]{1,8}[ \0]*")
_NUMERIC_FIELD = lazy_compile(rb"[0-7 \0]*")
_NUMERIC_BYTES = frozenset(b"01234567 \0")  # what _NUMERIC_FIELD's bytes are


def verifies(block: bytes, at: int = 0) -> bool:
    """Whether the 512 bytes at ``at`` are a tar header whose checksum verifies."""
    field_ = block[at + 148:at + 156]
    if len(block) < at + TAR_BLOCK or not TAR_CHECKSUM_FIELD.fullmatch(field_):
        return False
    stored = int(field_.strip(b" \0"), 8)
    unsigned = sum(block[at:at + 148]) + 256 + sum(block[at + 156:at + TAR_BLOCK])
    if stored == unsigned:
        return True
    # Some old tars summed signed bytes.
    signed = struct.unpack_from("148b8x356b", block, at)
    return stored == sum(signed) + 256


def is_v7_header(head: bytes) -> bool:
    """A tar header without the ``ustar`` magic (Unix V7 tar): a name, numeric fields in
    octal and a checksum that verifies."""
    return (
        len(head) >= TAR_BLOCK
        and head[0] != 0
        # The mode field's first byte first: a text's is a letter, and every file is sniffed
        # (a regex call costs it twice what the rest of the sniff does).
        and head[100] in _NUMERIC_BYTES
        and _NUMERIC_FIELD.fullmatch(head, 100, 108) is not None  # mode
        and _NUMERIC_FIELD.fullmatch(head, 124, 136) is not None  # size
        and verifies(head)
    )


def sniff(head: bytes) -> str | None:
    """The archive format of a file from its first bytes (a tar without the ``ustar``
    magic by its header checksum), or None. Only the first 512 bytes are looked at: a
    file's whole bytes may be given (not copied to be sniffed)."""
    if head[:1] in _MAGIC_LEADS:  # most files start with none of them: one test, not five
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
            return "zip"
        if head.startswith(b"\x1f\x8b\x08"):
            return "gzip"
        if head.startswith(b"BZh") and head[3:4].isdigit() and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
            return "bzip2"
        if head.startswith(b"\xfd7zXZ\x00"):
            return "xz"
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(_UNSUPPORTED_MAGIC):  # (one test for the three)
        return "zstd" if head[:1] == b"\x28" else "7z" if head[:1] == b"7" else "rar"
    # is_v7_header's first tests, made here: most files fail them, and the call costs more.
    if len(head) >= TAR_BLOCK and head[100] in _NUMERIC_BYTES and is_v7_header(head):
        return "tar"
    return None


def embedded(handle: IO[bytes]) -> tuple[str, int] | None:
    """(format, offset) of an archive that does not start the file, or None.

    Two places are looked at, so a plain file costs one read of its last 64 KiB (and a
    script one search of its first MiB): a zip's end record in the last ``END_WINDOW``
    bytes (a zipapp after its ``#!`` line, a self-extracting installer, a zip appended to
    anything); and, in a file starting with ``#!``, where its text ends within the first
    ``SCRIPT_WINDOW`` bytes: a tar, gzip, bzip2 or xz stream there is the payload of a
    shell self-extractor (``cat install.sh payload.tar.gz > installer.sh``).
    """
    from byok_ci.sources.artifacts import zipdir  # only for files that may hold an archive

    directory = zipdir.locate(handle)
    if directory is not None and zipdir.is_zip(handle, directory):
        return "zip", directory.zip_start
    handle.seek(0)
    head = handle.read(SCRIPT_WINDOW)
    if not head.startswith(b"#!"):
        return None
    binary = _BINARY.search(head)
    if binary is None:
        return None
    # The payload starts the line holding the first binary byte (a tar header starts with
    # its printable name); a bzip2 stream's header is printable too, so look back a little.
    line_start = head.rfind(b"\n", 0, binary.start()) + 1
    candidates = {line_start}
    for magic in _PAYLOAD_MAGIC:
        candidates.add(head.rfind(magic, max(0, line_start - 64), binary.start() + len(magic)))
    for offset in sorted(candidates - {-1, 0}):
        handle.seek(offset)
        kind = sniff(handle.read(512))
        if kind in ("tar", *COMPRESSED):
            return kind, offset
    return None


def clean_name(name: str) -> str:
    """A member name fit for a one-line report: no control characters, no leading ``./``."""
    while name.startswith("./"):
        name = name[2:]
    return _CONTROL.sub("?", name) or "?"


def decompressed_name(shown: str, kind: str) -> str:
    """``logs/app.log.gz`` holds ``app.log``."""
    base = shown.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    for suffix in _COMPRESSED_SUFFIXES[kind]:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base

"""Builders of hostile inputs shared by the tests and ``bench/hostile.py``.

Each returns bytes (or text) built at run time; keys are passed in, never stored here.
"""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import tarfile
import zlib
from pathlib import Path

BLOCK = tarfile.BLOCKSIZE


def tar_member(name: str, data: bytes, *, format: int = tarfile.USTAR_FORMAT) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    return info.tobuf(format=format) + data + bytes(-len(data) % BLOCK)


def tar_end() -> bytes:
    return bytes(2 * BLOCK)


def corrupt_header_tar(secret_text: bytes) -> bytes:
    """README, a member whose header checksum is wrong, then ``.env`` holding ``secret_text``.

    Python's ``tarfile`` stops at the bad header without an error; GNU tar reports it,
    skips to the next header and extracts ``.env``."""
    damaged = bytearray(tar_member("docs/notes.txt", b"notes\n" * 100))
    damaged[148:156] = b"0000000\0"  # a checksum that does not verify
    return (tar_member("README.md", b"hello\n") + bytes(damaged) + tar_member("app/.env", secret_text)
            + tar_end())


def v7_tar(members: dict[str, bytes]) -> bytes:
    """A Unix V7 tar: no ``ustar`` magic, only the old fields and their checksum."""
    out = b""
    for name, data in members.items():
        header = bytearray(BLOCK)
        header[0:len(name)] = name.encode()
        header[100:108] = b"0000644\0"
        header[108:116] = b"0001750\0"
        header[116:124] = b"0001750\0"
        header[124:136] = b"%011o\0" % len(data)
        header[136:148] = b"%011o\0" % 1_700_000_000
        header[148:156] = b" " * 8
        header[156:157] = b"0"
        header[148:156] = b"%06o\0 " % sum(header)
        out += bytes(header) + data + bytes(-len(data) % BLOCK)
    return out + tar_end()


def oci_fanout(n: int, levels: int = 4, layer: bytes | None = None) -> bytes:
    """An OCI image layout whose index lists ``n`` times the same nested index, ``levels``
    deep: a few KB that a naive reader expands into n**levels manifests."""
    layer = layer if layer is not None else tar_member("etc/hostname", b"box\n") + tar_end()
    out = tar_member("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
    blobs: list[tuple[str, bytes]] = [("blobs/sha256/" + "0" * 64, layer)]
    child = {"schemaVersion": 2, "layers": [{"digest": "sha256:" + "0" * 64, "size": len(layer)}]}
    for level in range(levels, 0, -1):
        digest = f"{level:064x}"
        blobs.append((f"blobs/sha256/{digest}", json.dumps(child).encode()))
        child = {"schemaVersion": 2, "manifests": [{"digest": f"sha256:{digest}", "size": 1}] * n}
    out += tar_member("index.json", json.dumps(child).encode())
    for name, data in blobs:
        out += tar_member(name, data)
    return out + tar_end()


def write_tar_with_huge_extended_header(path: Path, kind: bytes, claimed: int, secret_text: bytes,
                                        *, backed: bool) -> None:
    """A tar with a GNU long-name (``L``) or PAX (``x``) header claiming ``claimed`` bytes,
    then a member holding ``secret_text`` (the header's member). ``backed``: the claimed
    bytes are in the file (zeros, written sparse, so they take no disk); else 100 bytes of
    them are, and the member follows at once (the header lies)."""
    header = bytearray(tarfile.TarInfo("././@LongLink").tobuf(format=tarfile.GNU_FORMAT)[:BLOCK])
    header[124:136] = b"%011o\0" % claimed
    header[156:157] = kind
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    with open(path, "wb") as out:
        out.write(tar_member("first.txt", b"hello\n") + bytes(header))
        if backed:
            out.seek(claimed + -claimed % BLOCK, io.SEEK_CUR)
        else:
            out.write(b"x" * 100 + bytes(BLOCK - 100))
        out.write(tar_member("app/.env", secret_text) + tar_end())


def zip_with_huge_central_directory(entries: int, secret_text: bytes) -> bytes:
    """One real member, listed ``entries`` times in a hand-built central directory (zip64
    end records, so the count is not capped at 65,535)."""
    name = b"k.env"
    crc = zlib.crc32(secret_text)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, len(secret_text), len(secret_text),
                        len(name), 0) + name + secret_text
    record = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, len(secret_text),
                         len(secret_text), len(name), 0, 0, 0, 0, 0, 0) + name
    directory = record * entries
    cd_offset, cd_size = len(local), len(directory)
    zip64_end = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, cd_size, cd_offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, cd_offset + cd_size, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local + directory + zip64_end + locator + end


def source_map_with_keys(keys: list[str]) -> str:
    """A source map whose one original file has a key on each line."""
    original = "".join(f'export const k{n} = "{key}";\n' for n, key in enumerate(keys))
    return json.dumps({"version": 3, "file": "app.js", "sources": ["src/keys.ts"],
                       "sourcesContent": [original], "names": [], "mappings": "AAAA"})


def short_base64_runs(size: int, seed: int = 0) -> str:
    """About ``size`` characters of lines holding short base64 runs of ASCII text, none a key."""
    rng = random.Random(seed)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    lines = []
    for n in range(4096):
        plain = " ".join(rng.choice(words) for _ in range(5))[:rng.randrange(21, 30)]
        lines.append(f'v{n} = "{base64.b64encode(plain.encode()).decode()}"\n')
    block = "".join(lines)
    return (block * (size // len(block) + 1))[:size]


def in_memory_tar(members: dict[str, bytes], format: int = tarfile.GNU_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=format) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()

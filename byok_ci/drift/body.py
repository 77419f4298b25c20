"""Read an answer's body with a bound on what it decodes to, not only on what arrives.

httpx decodes ``Content-Encoding`` a whole network chunk at a time, so a few kilobytes of
``gzip, gzip`` inflate to gigabytes before any size check sees them. Drift reads the raw
bytes instead and decodes them here: one layer of gzip or deflate, each call bounded by the
room left under the cap. Stacked or unknown encodings are refused: no provider sends them,
and a probe judges nothing it cannot read.
"""

from __future__ import annotations

import zlib

from byok_ci.errors import BodyRefused

ACCEPT_ENCODING = "gzip, deflate"  # what probes ask for: the encodings decoded here


class BoundedDecoder:
    """Decodes an answer's raw bytes into at most ``limit`` bytes; :meth:`full` says when to stop."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        layers = [e.strip().lower() for e in content_encoding.split(",")]
        layers = [e for e in layers if e and e != "identity"]
        shown = content_encoding.strip()[:40]
        if len(layers) > 1:
            raise BodyRefused(f"answer refused: Content-Encoding {shown!r} stacks encodings (a decompression bomb?)")
        if layers and layers[0] not in ("gzip", "x-gzip", "deflate"):
            raise BodyRefused(f"answer refused: unsupported Content-Encoding {shown!r}")
        self._kind = layers[0] if layers else ""
        self._zlib: zlib._Decompress | None = None
        if self._kind in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._limit = limit
        self._out = bytearray()
        self._head = b""  # deflate: the first bytes, until there are two to tell zlib from raw

    @property
    def full(self) -> bool:
        return len(self._out) >= self._limit

    def feed(self, data: bytes) -> None:
        room = self._limit - len(self._out)
        if room <= 0 or not data:
            return
        if not self._kind:
            self._out += data[:room]
            return
        if self._zlib is None:
            # "deflate" is zlib-wrapped by the standard and raw in practice: the zlib header
            # (method 8, a check that divides by 31) is one no raw deflate block starts with.
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            wrapped = data[0] & 0x0F == 8 and (data[0] * 256 + data[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            # max_length bounds what one call may produce; the rest stays unconsumed and is dropped.
            self._out += self._zlib.decompress(data, room)
        except zlib.error:
            raise BodyRefused(f"answer refused: its {self._kind} body is corrupt") from None

    def result(self) -> bytes:
        return bytes(self._out[:self._limit])

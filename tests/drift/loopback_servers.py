"""Loopback servers for hostile-network tests: a TLS certificate, a recording proxy, a raw server.

- :func:`make_certificate` writes a self-signed certificate for 127.0.0.1 with the real
  ``openssl`` tool; ``SSL_CERT_FILE`` pointing at it makes byok-ci trust that server.
- :func:`recording_proxy` is an HTTP proxy that records every request it gets (the request
  line and headers) and tunnels ``CONNECT`` to loopback ports.
- :func:`raw_server` answers each connection with a function of the socket, for answers no
  HTTP library would send: headers trickled a byte at a time, stacked compression.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) of a self-signed certificate for 127.0.0.1, made with openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a loopback TLS certificate")
    cert, key = directory / "loopback.pem", directory / "loopback.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _read_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        piece = conn.recv(4096)
        if not piece:
            break
        data += piece
    return data


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@dataclass
class Proxy:
    port: int = 0
    requests: list[str] = field(default_factory=list)  # each request's line and headers, as received

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def recording_proxy() -> Iterator[Proxy]:
    """An HTTP proxy on loopback: records everything, tunnels CONNECT to 127.0.0.1 only."""
    proxy = Proxy()
    listener = socket.create_server(("127.0.0.1", 0))
    proxy.port = listener.getsockname()[1]
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            head = _read_head(conn)
            proxy.requests.append(head.decode("latin-1"))
            line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
            if len(line) >= 2 and line[0] == "CONNECT" and line[1].startswith("127.0.0.1:"):
                try:
                    upstream = socket.create_connection(("127.0.0.1", int(line[1].rsplit(":", 1)[1])), timeout=10)
                except OSError:
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    return
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                with upstream:
                    back = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
                    back.start()
                    _pipe(conn, upstream)
                    back.join(10)
                return
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@dataclass
class RawServer:
    port: int = 0
    connections: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def raw_server(answer: Callable[[socket.socket, bytes], None]) -> Iterator[RawServer]:
    """Each connection: read the request head, then ``answer(conn, head)`` writes what it likes."""
    server = RawServer()
    listener = socket.create_server(("127.0.0.1", 0))
    server.port = listener.getsockname()[1]
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            server.connections += 1
            try:
                answer(conn, _read_head(conn))
            except OSError:
                pass  # the client hung up: what these tests want

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def trickle_headers(interval: float, give_up_after: float) -> Callable[[socket.socket, bytes], None]:
    """A status line, then one byte of a header every ``interval`` seconds (never a blank line).

    The per-read timeout never trips; only a deadline over the whole exchange stops it. The
    server gives up after ``give_up_after`` seconds so that a client without one still ends.
    """
    def answer(conn: socket.socket, head: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        started = time.monotonic()
        while time.monotonic() - started < give_up_after:
            conn.sendall(b"a")
            time.sleep(interval)
    return answer


def gzip_stream(size: int, layers: int) -> bytes:
    """``size`` zero bytes, gzipped ``layers`` times, without holding them in memory."""
    def gzip_of(chunks: Iterator[bytes]) -> Iterator[bytes]:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        for chunk in chunks:
            out = compressor.compress(chunk)
            if out:
                yield out
        yield compressor.flush()

    def zeros() -> Iterator[bytes]:
        block = bytes(1 << 20)
        left = size
        while left > 0:
            yield block[:min(left, len(block))]
            left -= len(block)

    stream: Iterator[bytes] = zeros()
    for _ in range(layers):
        stream = gzip_of(stream)
    return b"".join(stream)


def compressed_answer(body: bytes, encoding: str, status: int = 200) -> Callable[[socket.socket, bytes], None]:
    def answer(conn: socket.socket, head: bytes) -> None:
        conn.sendall(
            f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\nContent-Encoding: {encoding}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
        )
    return answer

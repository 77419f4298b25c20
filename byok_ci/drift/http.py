"""One probe request: built from probe data, sent once or retried on 429, never redirected.

The raw answer body stays in memory for classification; anything shown (reasons, the audit
log) goes through the run's :class:`~byok_ci.drift.scrub.Scrubber` first.

The client ignores the environment's proxy variables (a key goes only to its host, or
through the proxy the workflow names with ``--proxy``, and never through one over plain
http). The run's deadline holds for the whole exchange, connection to last body byte: a
watchdog shuts the connection down when it passes, however slowly the server trickles.
"""

from __future__ import annotations

import base64
import email.utils
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from byok_ci._version import __version__
from byok_ci.drift.body import ACCEPT_ENCODING, BoundedDecoder
from byok_ci.errors import BodyRefused
from byok_ci.drift.probes import Probe

if TYPE_CHECKING:
    import httpx

    from byok_ci.drift.scrub import Scrubber

MAX_BODY = 64 * 1024
MAX_RAW = 4 * MAX_BODY  # compressed bytes read at most (a stream of empty deflate blocks decodes to nothing)
USER_AGENT = f"byok-ci/{__version__} (drift test)"


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_retries: int = 2
    max_retry_after: float = 10.0
    backoff: float = 1.0


@dataclass(frozen=True)
class Exchange:
    """What came back: a status and body, or a transport error (already scrubbed)."""

    status: int | None
    text: str = field(default="", repr=False)  # the provider's body: an endpoint may echo the key sent
    error: str = ""
    location: str = ""
    attempts: int = 1
    seconds: float = 0.0
    log: tuple[dict[str, Any], ...] = ()  # per attempt: endpoint, status, latency, error


def make_client(proxy: str | None = None, environ: Mapping[str, str] | None = None) -> httpx.Client:
    """A client that takes nothing from the environment but the CA bundle, and proxies only https.

    ``trust_env=False``: ``HTTP(S)_PROXY``/``ALL_PROXY`` are ignored, so a key never takes a
    route the workflow did not name. ``SSL_CERT_FILE``/``SSL_CERT_DIR`` are still honoured
    (a runner's own CA). No connection is kept alive: the deadline watchdog of each
    exchange owns its connection.
    """
    import os
    import ssl

    import certifi
    import httpx

    env = os.environ if environ is None else environ
    try:
        if env.get("SSL_CERT_FILE"):
            context = ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
        elif env.get("SSL_CERT_DIR"):
            context = ssl.create_default_context(capath=env["SSL_CERT_DIR"])
        else:
            context = ssl.create_default_context(cafile=certifi.where())
    except (OSError, ssl.SSLError) as exc:
        name = "SSL_CERT_FILE" if env.get("SSL_CERT_FILE") else "SSL_CERT_DIR"
        raise ValueError(f"{name} cannot be used as a CA bundle ({type(exc).__name__}); fix or unset it") from None
    limits = httpx.Limits(max_keepalive_connections=0)
    mounts: dict[str, httpx.BaseTransport] = {
        "http://": httpx.HTTPTransport(verify=context, trust_env=False, limits=limits),
        "https://": httpx.HTTPTransport(verify=context, trust_env=False, limits=limits, proxy=proxy),
    }
    return httpx.Client(follow_redirects=False, trust_env=False, mounts=mounts)


def check_proxy(url: str) -> str:
    """The proxy URL, or ValueError saying what a proxy URL must be."""
    parts = urlsplit(url)
    try:
        parts.port
    except ValueError:
        raise ValueError("--proxy has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError("--proxy (or BYOK_CI_PROXY) must be an http:// or https:// URL such as http://proxy:3128")
    return url


class _Watchdog:
    """Shuts an exchange's connection down when the deadline passes.

    httpx's timeouts are per read: headers trickled a byte at a time never trip them. The
    ``trace`` request extension hands over each socket as it is made (TCP, then TLS); a
    timer shuts it down at the deadline, and the blocked read returns at once.
    """

    def __init__(self, deadline_at: float) -> None:
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(0.0, deadline_at - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.append(sock)
                    late = self.fired
                if late:
                    self._fire()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                # The plain socket method, also on an SSLSocket: shut the connection, leave the TLS object alone.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass  # already closed, or detached when TLS took it over

    def stop(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


def build_request(probe: Probe, base_url: str, credential: str | None) -> dict[str, Any]:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING, **dict(probe.headers)}
    request: dict[str, Any] = {"method": probe.method, "url": base_url + probe.path, "headers": headers}
    auth = probe.auth
    form: dict[str, str] = {}
    if credential is not None:
        if auth.kind == "header":
            headers[auth.name] = f"{auth.scheme} {credential}" if auth.scheme else credential
        elif auth.kind == "basic":
            token = base64.b64encode(f"{auth.name}:{credential}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        elif auth.kind == "query":
            request["params"] = {auth.name: credential}
        elif auth.kind == "form":
            form[auth.name] = credential
    if probe.json_body is not None:
        headers["Content-Type"] = "application/json"
        request["content"] = probe.json_body.encode()
    elif auth.kind == "form":
        request["data"] = form
    return request


def endpoint_of(url: str) -> str:
    """The URL without query or fragment, for logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _elapsed(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"


def _describe_error(exc: Exception, scrubber: Scrubber, limits: Limits) -> str:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout after {limits.connect_timeout:g}s"
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return f"no answer within {limits.read_timeout:g}s (timeout)"
    if isinstance(exc, httpx.RemoteProtocolError):
        kind = "connection closed without a complete answer"
    elif isinstance(exc, httpx.ConnectError):
        kind = "connection failed (DNS, TLS or refused)"
    elif isinstance(exc, httpx.ReadError):
        kind = "connection reset while reading"
    else:
        kind = type(exc).__name__
    detail = scrubber.scrub(str(exc), limit=160)
    return f"{kind}: {detail}" if detail else kind


def send(
    client: httpx.Client,
    request: dict[str, Any],
    *,
    limits: Limits,
    deadline_at: float,
    scrubber: Scrubber,
    max_body: int = MAX_BODY,
) -> Exchange:
    """Send, retrying 429 up to ``limits.max_retries`` times within Retry-After and the deadline.
    The answer is decoded to at most ``max_body`` bytes (admin reports are larger than probes')."""
    import httpx

    started = time.monotonic()
    endpoint = endpoint_of(request["url"])
    attempt = 0
    log: list[dict[str, Any]] = []
    while True:
        attempt += 1
        remaining = deadline_at - time.monotonic()
        if remaining <= 0:
            return Exchange(None, error="total deadline exceeded before the request", attempts=attempt - 1,
                            seconds=time.monotonic() - started, log=tuple(log))
        timeout = httpx.Timeout(
            connect=min(limits.connect_timeout, remaining), read=min(limits.read_timeout, remaining),
            write=min(limits.read_timeout, remaining), pool=min(limits.connect_timeout, remaining),
        )
        t0 = time.monotonic()
        status: int | None = None
        text, error, location, retry_after = "", "", "", None
        watchdog = _Watchdog(deadline_at)
        try:
            with client.stream(**request, timeout=timeout, extensions={"trace": watchdog.trace}) as response:
                status = response.status_code
                decoder = BoundedDecoder(response.headers.get("content-encoding", ""), max_body)
                size = 0
                for chunk in response.iter_raw():
                    decoder.feed(chunk)
                    size += len(chunk)
                    if decoder.full or size >= 4 * max_body:
                        break
                    if time.monotonic() > deadline_at:
                        error = "total deadline exceeded while reading the answer"
                        break
                text = decoder.result().decode("utf-8", "replace")
                location = response.headers.get("location", "")
                retry_after = _retry_after(response.headers.get("retry-after"))
                watchdog.stop()  # before the connection closes: the watchdog never touches a closed socket
        except httpx.HTTPError as exc:
            error = _describe_error(exc, scrubber, limits)
        except BodyRefused as exc:
            error = scrubber.scrub(str(exc))  # it quotes the server's Content-Encoding header
        except (UnicodeError, httpx.InvalidURL):
            # A header value httpx cannot encode: the engine refuses such secrets first, this is the backstop.
            error = "the request could not be built (a header or URL that is not ASCII)"
        finally:
            watchdog.stop()
        if watchdog.fired:
            where = "while reading the answer" if status is not None else "before the answer's headers arrived"
            error = f"total deadline exceeded {where} ({_elapsed(started)} since the first attempt)"
        if error:
            # A transport failure after the status line leaves a partial answer: judge nothing.
            status, text = None, ""
        latency = time.monotonic() - t0
        log.append({"method": request["method"], "endpoint": endpoint, "attempt": attempt, "status": status,
                    "latency_ms": round(latency * 1000), "error": error or None})
        if status != 429:
            return Exchange(status, text, error, location, attempt, time.monotonic() - started, tuple(log))
        delay = retry_after if retry_after is not None else limits.backoff * 2 ** (attempt - 1)
        why = ""
        if attempt > limits.max_retries:
            why = f"rate limited (429) after {attempt} attempts"
        elif delay > limits.max_retry_after:
            why = f"rate limited (429); Retry-After {delay:g}s exceeds the {limits.max_retry_after:g}s bound"
        elif time.monotonic() + delay >= deadline_at:
            why = "rate limited (429); waiting would pass the total deadline"
        if why:
            return Exchange(429, text, why, location, attempt, time.monotonic() - started, tuple(log))
        time.sleep(delay)

"""One probe request: built from probe data, sent once or retried on 429, never redirected.

The raw answer body stays in memory for classification; anything shown (reasons, the audit
log) goes through the run's :class:`~byok_ci.drift.scrub.Scrubber` first.
"""

from __future__ import annotations

import base64
import email.utils
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from byok_ci._version import __version__
from byok_ci.drift.probes import Probe

if TYPE_CHECKING:
    import httpx

    from byok_ci.drift.scrub import Scrubber

MAX_BODY = 64 * 1024
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
    text: str = ""
    error: str = ""
    location: str = ""
    attempts: int = 1
    seconds: float = 0.0
    log: tuple[dict[str, Any], ...] = ()  # per attempt: endpoint, status, latency, error


def build_request(probe: Probe, base_url: str, credential: str | None) -> dict[str, Any]:
    headers = {"User-Agent": USER_AGENT, **dict(probe.headers)}
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
) -> Exchange:
    """Send, retrying 429 up to ``limits.max_retries`` times within Retry-After and the deadline."""
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
        try:
            with client.stream(**request, timeout=timeout) as response:
                status = response.status_code
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= MAX_BODY:
                        break
                    if time.monotonic() > deadline_at:
                        # A server trickling its answer never trips the per-read timeout.
                        error = "total deadline exceeded while reading the answer"
                        break
                text = b"".join(chunks)[:MAX_BODY].decode("utf-8", "replace")
                location = response.headers.get("location", "")
                retry_after = _retry_after(response.headers.get("retry-after"))
        except httpx.HTTPError as exc:
            error = _describe_error(exc, scrubber, limits)
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

"""Remove secrets from text a drift run must show: error bodies, exception messages, redirects.

Providers echo keys (masked, or sometimes not, or base64-encoded as in a ``Basic`` header),
HTTP libraries put URLs with ``?key=`` into their messages, a redirect's host may be the
key (lower-cased, as host names are). Every such text passes through
:meth:`Scrubber.scrub` before it reaches a reason, a report, a log line or the audit log.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
import threading
from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from byok_ci.detect.engine import Detector
from byok_ci.model import redact

GRAM = 8  # any 8 characters of a secret's body in a row are removed, in any letter case
MAX_TEXT = 300
DECODE_DEPTH = 2  # base64 of a URL-encoded key, and so on
_QUERY_SECRET = re.compile(r"(?i)([?&;](?:key|api[_-]?key|token|access_token|credentials|auth)=)[^&#\s\"'<>]*")
# Runs that may hold a secret in encoded form: base64 (standard or URL-safe), hex, percent.
# 12 base64 characters decode to 9 bytes, enough for one gram at any alignment.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9A-Fa-f]{2}){8,}")
_PERCENT_RUN = re.compile(r"[A-Za-z0-9._~+/-]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~+/-]*){4,}")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_URLSAFE = str.maketrans("-_", "+/")


def _fold(text: str) -> str:
    # ASCII-only lower case keeps every index in place (str.lower can change the length).
    return text.translate(_ASCII_LOWER)


class Scrubber:
    """Knows the secrets of a run (real and invalidated keys) and the shipped rules."""

    def __init__(self, detector: Detector | None) -> None:
        self._detector = detector
        self._secrets: list[tuple[str, str]] = []  # (secret, prefix)
        self._grams: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str, prefix: str = "") -> None:
        if not secret:
            return
        with self._lock:
            self._secrets.append((secret, prefix))
            body = secret[len(prefix):] if prefix and secret.startswith(prefix) else secret
            folded = _fold(body)
            self._grams.update(folded[i:i + GRAM] for i in range(max(0, len(body) - GRAM + 1)))

    def add_all(self, secrets: Iterable[tuple[str, str]]) -> None:
        for secret, prefix in secrets:
            self.add(secret, prefix)

    def scrub(self, text: str, limit: int = MAX_TEXT) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=lambda s: -len(s[0]))
            grams = frozenset(self._grams)
        for secret, prefix in secrets:
            text = text.replace(secret, redact(secret, prefix))
        if grams:
            text = _remove_encoded(text, grams, DECODE_DEPTH)
            text = _remove_grams(text, grams)
        text = _QUERY_SECRET.sub(r"\1REDACTED", text)
        if self._detector is not None:
            text = self._detector.redact_text(text)
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _covered(text: str, grams: frozenset[str]) -> bytearray:
    """1 for each character inside a run of a secret's grams (any letter case), else 0."""
    covered = bytearray(len(text))
    folded = _fold(text)
    for i in range(len(text) - GRAM + 1):
        if folded[i:i + GRAM] in grams:
            covered[i:i + GRAM] = b"\x01" * GRAM
    return covered


def _remove_grams(text: str, grams: frozenset[str]) -> str:
    if len(text) < GRAM:
        return text
    covered = _covered(text, grams)
    if not any(covered):
        return text
    out, i = [], 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append("…")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _holds_secret(text: str, grams: frozenset[str], depth: int) -> bool:
    if len(text) >= GRAM and any(_covered(text, grams)):
        return True
    return depth > 0 and _remove_encoded(text, grams, depth) != text


def _decodings(run: str, kind: str) -> Iterable[str]:
    """What ``run`` may decode to (latin-1, so any byte maps to one character)."""
    if kind == "base64":
        body = run.rstrip("=").translate(_URLSAFE)
        for offset in range(4):  # the run may start inside a 4-character group
            piece = body[offset:]
            piece = piece[: len(piece) - len(piece) % 4]
            if len(piece) >= 12:
                try:
                    yield base64.b64decode(piece, validate=True).decode("latin-1")
                except (binascii.Error, ValueError):
                    pass
    elif kind == "hex":
        yield bytes.fromhex(run).decode("latin-1")
        if len(run) > 2:
            yield bytes.fromhex(run[1:-1]).decode("latin-1")
    else:
        yield unquote_to_bytes(run).decode("latin-1")


def _remove_encoded(text: str, grams: frozenset[str], depth: int) -> str:
    """``text`` with each base64, hex or percent-encoded run that decodes to a secret replaced."""
    for kind, pattern in (("percent", _PERCENT_RUN), ("hex", _HEX_RUN), ("base64", _BASE64_RUN)):
        def replace(match: re.Match[str]) -> str:
            run = match.group(0)
            if any(_holds_secret(decoded, grams, depth - 1) for decoded in _decodings(run, kind)):
                return "…"
            return run
        text = pattern.sub(replace, text)
    return text

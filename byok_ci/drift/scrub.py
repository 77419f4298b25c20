"""Remove secrets from text a drift run must show: error bodies, exception messages.

Providers echo keys (masked, or sometimes not), HTTP libraries put URLs with ``?key=`` into
their messages. Every such text passes through :meth:`Scrubber.scrub` before it reaches a
reason, a report, a log line or the audit log.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from byok_ci.detect.engine import Detector
from byok_ci.model import redact

GRAM = 8  # any 8 characters of a secret's body in a row are removed
MAX_TEXT = 300
_QUERY_SECRET = re.compile(r"(?i)([?&;](?:key|api[_-]?key|token|access_token|credentials|auth)=)[^&#\s\"'<>]*")


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
            self._grams.update(body[i:i + GRAM] for i in range(max(0, len(body) - GRAM + 1)))

    def add_all(self, secrets: Iterable[tuple[str, str]]) -> None:
        for secret, prefix in secrets:
            self.add(secret, prefix)

    def scrub(self, text: str, limit: int = MAX_TEXT) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=lambda s: -len(s[0]))
            grams = set(self._grams)
        for secret, prefix in secrets:
            text = text.replace(secret, redact(secret, prefix))
        if grams and len(text) >= GRAM:
            covered = bytearray(len(text))
            for i in range(len(text) - GRAM + 1):
                if text[i:i + GRAM] in grams:
                    covered[i:i + GRAM] = b"\x01" * GRAM
            if any(covered):
                out, i = [], 0
                while i < len(text):
                    if covered[i]:
                        while i < len(text) and covered[i]:
                            i += 1
                        out.append("…")
                    else:
                        out.append(text[i])
                        i += 1
                text = "".join(out)
        text = _QUERY_SECRET.sub(r"\1REDACTED", text)
        if self._detector is not None:
            text = self._detector.redact_text(text)
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

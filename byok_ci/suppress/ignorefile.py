"""`.byok-ci-ignore`: fingerprints a team has decided to accept, each with a reason.

One entry a line; ``#`` starts a comment line::

    # fingerprint      [expires=YYYY-MM-DD]  reason (required)
    0123456789abcdef   expires=2026-06-30    vendor sample key, revoked; see SEC-42
    fedcba9876543210                         rotated in 2025, still in old history

An entry suppresses findings of that secret until the end of its expiry day (UTC); after
that it stops suppressing and the run says so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from byok_ci.model import FINGERPRINT_HEX_CHARS, ScanError

_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_HEX_CHARS}}}")
_EXPIRES = "expires="


@dataclass(frozen=True)
class IgnoreEntry:
    fingerprint: str
    reason: str
    path: str  # the ignore file, for messages
    line: int
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def parse_ignore_file(text: str, shown: str) -> tuple[list[IgnoreEntry], list[ScanError]]:
    entries: list[IgnoreEntry] = []
    errors: list[ScanError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fp, rest = (re.split(r"\s+", line, maxsplit=1) + [""])[:2]
        if not _FINGERPRINT.fullmatch(fp):
            errors.append(ScanError(shown, f"expected a fingerprint of {FINGERPRINT_HEX_CHARS} lowercase hex digits first", number))
            continue
        expires = None
        if rest.startswith(_EXPIRES):
            value, rest = (re.split(r"\s+", rest[len(_EXPIRES):], maxsplit=1) + [""])[:2]
            try:
                expires = _parse_date(value)
            except ValueError:
                errors.append(ScanError(shown, "expiry must be an ISO 8601 date such as expires=2026-06-30", number))
                continue
        if not rest:
            errors.append(ScanError(shown, f"entry {fp} needs a reason after the fingerprint", number))
            continue
        entries.append(IgnoreEntry(fp, rest, shown, number, expires))
    return entries, errors


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        # A full timestamp is accepted too; only its date counts.
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def read_ignore_file(path: Path, shown: str | None = None) -> tuple[list[IgnoreEntry], list[ScanError]]:
    shown = shown or path.as_posix()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return [], [ScanError(shown, f"cannot read ignore file: {(exc.strerror or str(exc)).lower()}")]
    return parse_ignore_file(text, shown)

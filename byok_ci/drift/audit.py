"""The audit trail: one JSON line per request, appended to ``--audit-log FILE``.

Each line says when, which environment, key name, provider, probe, the fingerprint of the
credential sent (never the credential), method, endpoint (without its query), status,
latency and outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, TextIO

from byok_ci.outbound import defuse_json, redact_text


class AuditLog:
    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def record(self, **entry: Any) -> None:
        if self._stream is None:
            return
        line = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"), **entry}
        # The endpoint is the user's base URL, which can hold a key in its path.
        text = defuse_json(redact_text(json.dumps(line, ensure_ascii=False, sort_keys=False)))
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()

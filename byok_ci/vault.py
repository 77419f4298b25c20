"""The raw keys of one scan, held in memory for ``scan --verify`` and nothing else.

Detection is the only place a raw key exists (:mod:`byok_ci.detect.engine`). When a scan
is asked to verify, detection also puts each key it reports here, keyed by the finding's
fingerprint; :mod:`byok_ci.verify` takes the value back by fingerprint, sends it to its
provider, and the vault is cleared when the run ends. The vault never enters a
:class:`~byok_ci.model.Finding`, a report or a log: it has no ``repr`` of its values,
refuses to be pickled (so it cannot travel to a worker process or into a file), and
forked workers never get one (a verified scan runs detection in this process).
"""

from __future__ import annotations

import threading
from typing import NoReturn

from byok_ci.model import fingerprint


class KeyVault:
    """fingerprint -> (rule id, raw key), thread-safe; the first rule a key was found under wins."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def put(self, rule_id: str, secret: str) -> None:
        """Hold ``secret`` (found by ``rule_id``) under its fingerprint."""
        fp = fingerprint(secret)
        with self._lock:
            self._keys.setdefault(fp, (rule_id, secret))

    def get(self, fp: str) -> tuple[str, str] | None:
        with self._lock:
            return self._keys.get(fp)

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()

    def __repr__(self) -> str:
        return f"<KeyVault: {len(self)} keys held>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a KeyVault holds raw keys and is never pickled")

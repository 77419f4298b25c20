"""SHA-256 for fingerprints, cache keys and digests, without loading OpenSSL (issue 16 §1).

``import hashlib`` loads OpenSSL's libcrypto and sets up every algorithm: ~3 ms of a
pre-commit hook's ~80, for the one hash every scan takes (the rule cache's key, the rules'
digest, a finding's fingerprint). CPython's own SHA-256 module gives the same digests;
hashlib's is used where that module is not built.
"""

from __future__ import annotations

import sys

try:
    if sys.version_info >= (3, 12):
        from _sha2 import sha256  # type: ignore[import-not-found]
    else:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
except ImportError:  # pragma: no cover - a Python built without it (or not CPython)
    from hashlib import sha256  # type: ignore[assignment]

__all__ = ["sha256"]

"""Errors of the drift engine (subclasses of :class:`byok_ci.errors.ByokError`).

    ByokError
    └── DriftError             a key cannot be probed at all
        ├── SecretUnavailable  its secret reference cannot be resolved
        └── EndpointRefused    its endpoint is not one byok-ci may send a key to

Messages name the key, the reference scheme or the host, never a secret value.
"""

from __future__ import annotations

from byok_ci.errors import ByokError


class DriftError(ByokError):
    """A key of the manifest cannot be probed; the other keys still are."""


class SecretUnavailable(DriftError):
    """The secret reference could not be resolved (unset variable, missing file, store error)."""


class EndpointRefused(DriftError):
    """The base URL is not HTTPS to an official or allowed host."""

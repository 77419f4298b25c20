"""The one place byok-ci reads detect-secrets' files (importing detect-secrets costs ~220 ms).

detect-secrets keeps global settings; every call here runs inside its ``transient_settings``
so nothing leaks into other users of the library in the same process. Only the results of
a baseline are read: its ``plugins_used`` can name plugin files by path, and reading a
baseline must never run code from it. Verification (network calls) is never enabled.
"""

from __future__ import annotations

from pathlib import Path

from byok_ci.errors import DetectSecretsError


def false_positive_hashes(path: Path) -> frozenset[str]:
    """The ``hashed_secret`` (SHA-1 of the value) of every entry audited as ``is_secret: false``."""
    from detect_secrets.core import baseline as ds_baseline
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.exceptions import UnableToReadBaselineError
    from detect_secrets.settings import transient_settings

    with transient_settings({"plugins_used": []}):
        try:
            data = ds_baseline.load_from_file(str(path))
        except UnableToReadBaselineError:
            raise DetectSecretsError("cannot read detect-secrets baseline (missing, unreadable or not JSON)") from None
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, dict):
            raise DetectSecretsError("not a detect-secrets baseline: 'results' must be an object")
        try:
            collection = SecretsCollection.load_from_baseline({"results": results})
        except KeyError as exc:
            raise DetectSecretsError(f"malformed detect-secrets baseline entry: missing field {exc}") from None
        except (TypeError, AttributeError):
            raise DetectSecretsError("malformed detect-secrets baseline: 'results' must map file names to lists of objects") from None
        return frozenset(secret.secret_hash for _, secret in collection if secret.is_secret is False)

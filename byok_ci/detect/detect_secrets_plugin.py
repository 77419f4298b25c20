"""byok-ci's AI-provider rules as a detect-secrets plugin.

    detect-secrets scan --plugin "$(python -c 'import byok_ci.detect.detect_secrets_plugin as m; print(m.__file__)')"

detect-secrets loads this file by path and hashes what the plugin yields (its baselines hold
the SHA-1, never the value). The plugin lives in ``byok_ci.detect`` because it hands raw
keys to detect-secrets, and only detection may hold them. It never verifies keys over the
network. Nothing else imports this module, so `byok-ci scan` never loads detect-secrets.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import lru_cache
from typing import Any

from detect_secrets.plugins.base import BasePlugin

from byok_ci.detect.engine import Detector
from byok_ci.rules import load_rules


@lru_cache(maxsize=1)
def _detector() -> Detector:
    return Detector(load_rules())


class ByokCiAIProviderDetector(BasePlugin):
    """Keys of the AI providers byok-ci knows (OpenAI, Anthropic, Gemini, Groq, …), one line at a time.

    Keys without a distinctive prefix need provider context on the same line here, since
    detect-secrets shows a plugin one line at a time.
    """

    secret_type = "AI Provider API Key (byok-ci)"  # noqa: S105 - a label, not a secret

    def analyze_string(self, string: str, **_kwargs: Any) -> Generator[str, None, None]:
        for candidate in _detector()._resolved(string):
            yield candidate.secret

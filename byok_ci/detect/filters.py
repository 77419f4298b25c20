"""False-positive filters that look at the text around a candidate. They see the raw secret,
so they run inside detection; what a rule itself says about a candidate's strength and
about fixture keys is in :mod:`byok_ci.rules.strength` and :mod:`byok_ci.rules.fixtures`.

Each returns True when a candidate is *not* a real key.
"""

from __future__ import annotations

import re

INLINE_MARKERS = ("byok-ci: allow", "byok-ci:allow", "pragma: allowlist secret", "gitleaks:allow")
NEXT_LINE_MARKER = "pragma: allowlist nextline secret"
_ENV_REFERENCE_TAILS = (
    "${", "$", "{{", "%(", "process.env.", "import.meta.env.", "os.environ[", "os.getenv(", "getenv(",
    "secrets.", "env.", "vars.", "ENV[", "ENV.fetch(",
)
_QUOTES_AND_SPACE = " \t\"'`[("


def sha1_of(secret: str) -> str:
    """detect-secrets' ``hashed_secret``: the SHA-1 of the value."""
    import hashlib  # only with a detect-secrets baseline: a scan without one never loads it

    return hashlib.sha1(secret.encode("utf-8")).hexdigest()  # noqa: S324 - an identity, not security


def is_env_reference(text: str, start: int) -> bool:
    """The value is the name in an environment or secret-store lookup, not a key."""
    before = text[max(0, start - 20):start].rstrip(_QUOTES_AND_SPACE)
    return before.endswith(_ENV_REFERENCE_TAILS)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def is_suppressed_inline(text: str, start: int, end: int) -> bool:
    """An allow marker on the finding's line, or a next-line marker on the line above."""
    line_start, line_end = line_bounds(text, start, end)
    for marker in INLINE_MARKERS:
        if text.find(marker, line_start, line_end) >= 0:
            return True
    if line_start > 0:
        previous_start = text.rfind("\n", 0, line_start - 1) + 1
        if text.find(NEXT_LINE_MARKER, previous_start, line_start) >= 0:
            return True
    return False


def has_boundaries(text: str, start: int, end: int) -> bool:
    """Not glued to an identifier: ``hf_`` inside a word is no Hugging Face token."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return False
    return True


_ASSIGNED_NAME = re.compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|[:=])\s*["'`]?$""")
# Names ending in one of these (snake, kebab or camelCase) leave the provider to the context.
_GENERIC_KEY_NAME = re.compile(
    r"(?i)(?:api[_.-]?key|key|token|secret|password|passwd|credentials?|bearer|value|authorization)$"
)


def assigned_name(text: str, start: int) -> str | None:
    """The name a value on its line is assigned to (``NAME=`` / ``name:`` / ``"name": "``), if any."""
    line_start = text.rfind("\n", max(0, start - 200), start) + 1
    found = _ASSIGNED_NAME.search(text, max(line_start, start - 120), start)
    return found.group(1) if found else None


def is_generic_key_name(name: str) -> bool:
    """``api_key``, ``token``, ``secret``…: a name that leaves the provider to the context around it."""
    return _GENERIC_KEY_NAME.search(name) is not None

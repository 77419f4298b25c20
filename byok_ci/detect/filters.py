"""False-positive filters that look at the text around a candidate. They see the raw secret,
so they run inside detection; what a rule itself says about a candidate's strength and
about fixture keys is in :mod:`byok_ci.rules.strength` and :mod:`byok_ci.rules.fixtures`.

Each returns True when a candidate is *not* a real key.
"""

from __future__ import annotations


from byok_ci._patterns import lazy_compile

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


_ASSIGNED_NAME = lazy_compile(r"""([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|[:=])\s*["'`]?$""")
# Names ending in one of these (snake, kebab or camelCase) leave the provider to the context.
_GENERIC_KEY_NAME = lazy_compile(
    r"(?i)(?:api[_.-]?key|key|token|secret|password|passwd|credentials?|bearer|value|authorization)$"
)


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
# What follows the name in _ASSIGNED_NAME: none of it is a name character.
_ASSIGNED_TAIL = lazy_compile(r"""["']?\s*(?::=|=>|[:=])\s*["'`]?""")


def assigned_name(text: str, start: int) -> str | None:
    """The name a value on its line is assigned to (``NAME=`` / ``name:`` / ``"name": "``), if any.

    ``_ASSIGNED_NAME.search`` over the window, computed from its end: the tail after the
    name holds no name character, so the name's run ends at the window's last name
    character, and the leftmost match starts at the run's first letter or underscore. A
    regex search tries every position of the window (on a minified JSON line of hashes,
    ``"hash":"…"`` thousands of times, that was most of a history scan's detection)."""
    line_start = text.rfind("\n", max(0, start - 200), start) + 1
    low = max(line_start, start - 120)
    end = start
    while end > low and text[end - 1] not in _NAME_CHARS:
        end -= 1
    if end == low or _ASSIGNED_TAIL.fullmatch(text, end, start) is None:
        return None
    at = end - 1
    while at > low and text[at - 1] in _NAME_CHARS:
        at -= 1
    while at < end and text[at] not in _NAME_FIRST:
        at += 1
    return text[at:end] if at < end else None


def is_generic_key_name(name: str) -> bool:
    """``api_key``, ``token``, ``secret``…: a name that leaves the provider to the context around it."""
    return _GENERIC_KEY_NAME.search(name) is not None

"""The words a label names (a key, a host, a path component) and the part of a file's path a
reviewer reads: the small, import-cheap half of byok_ci.detect.structure, which the detector
needs for every file (a path can name a provider) while the structural reading is imported
only when a context rule has a candidate."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def word_parts(label: str) -> list[str]:
    """The words of a label in order, lower case: ``XiApiKey`` → xi, api, key."""
    return [w.lower() for w in _WORD.findall(label)]


def words(label: str) -> set[str]:
    """The words of a label, lower case, with every run of up to three adjacent words
    joined: ``api.retellai.com`` → retellai; ``AssemblyAI`` → assemblyai; ``Z.ai`` → zai."""
    parts = word_parts(label)
    out = set(parts)
    for size in (2, 3):
        out.update("".join(parts[i:i + size]) for i in range(len(parts) - size + 1))
    return out


def path_label(path: str) -> str:
    """The part of a file's path a reviewer reads as context: its last two directories and
    its name (the ``!`` of an archive member's path separates like ``/``)."""
    parts = [p for p in path.replace("\\", "/").replace("!", "/").rsplit("/", 3)[-3:] if p]
    return "/".join(parts)

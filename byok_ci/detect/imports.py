"""The names a source file imports, and the modules they come from: ``import assemblyai as
aai`` makes ``aai`` stand for assemblyai (structural context, see :mod:`byok_ci.detect.structure`)."""

from __future__ import annotations

import re

_IMPORTS = re.compile(
    r"""(?m)^[ \t]*(?:import\s+([\w.]+)\s+as\s+(\w+)"""  # import assemblyai as aai
    r"""|from\s+([\w.]+)\s+import\s+\(?([\w ,]+)"""  # from deepgram import DeepgramClient, X as Y
    r"""|import\s+(?:\*\s+as\s+(\w+)|(\w+)|\{([^}]{1,300})\})\s+from\s+["']([^"']+)["']"""  # JS/TS
    r"""|(?:const|let|var)\s+(?:(\w+)|\{([^}]{1,300})\})\s*=\s*require\(\s*["']([^"']+)["']\s*\)"""
    r"""|import\s+([\w.]+)[ \t]*$)"""  # import pinecone
)


def imported_names(text: str) -> dict[str, str]:
    """Each imported name (alias) of Python or JavaScript/TypeScript ``text`` and its module."""
    if "import" not in text and "require" not in text:
        return {}
    found: dict[str, str] = {}

    def names(listed: str, module: str) -> None:
        for part in listed.split(","):
            bits = part.split()
            if bits:
                found[bits[-1]] = module

    for m in _IMPORTS.finditer(text):
        if m.group(1):
            found[m.group(2)] = m.group(1)
        elif m.group(3):
            names(m.group(4), m.group(3))
        elif m.group(8):
            module = m.group(8)
            if m.group(5) or m.group(6):
                found[m.group(5) or m.group(6)] = module
            if m.group(7):
                names(m.group(7), module)
        elif m.group(12):
            found[m.group(12).rsplit(".", 1)[-1]] = m.group(12)
        elif m.group(11):
            if m.group(9):
                found[m.group(9)] = m.group(11)
            if m.group(10):
                names(m.group(10), m.group(11))
    return found

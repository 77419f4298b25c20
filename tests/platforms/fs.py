"""What the file system under a test directory is like: case-insensitive (macOS's default
APFS, Windows' NTFS) or not, and whether it keeps names' Unicode normalisation."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path


def case_insensitive(directory: Path) -> bool:
    """Whether ``directory``'s file system finds ``probe`` under the name ``PROBE``."""
    probe = directory / ".byok-ci-case-probe"
    probe.write_text("")
    try:
        return os.path.exists(directory / probe.name.upper())
    finally:
        probe.unlink()


def normalization_insensitive(directory: Path) -> bool:
    """Whether a name written composed (NFC) is found decomposed (NFD), as on macOS."""
    name = unicodedata.normalize("NFC", "caf\u00e9-probe")
    (directory / name).write_text("")
    try:
        return os.path.exists(directory / unicodedata.normalize("NFD", name))
    finally:
        (directory / name).unlink()

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.conftest import REPO

MANIFESTS = REPO / "tests" / "data" / "manifests"
TODAY = dt.date(2026, 11, 27)
XSD = REPO / "tests" / "data" / "junit-10-file-line.xsd"


def write(tmp_path: Path, text: str, name: str = "byok.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path

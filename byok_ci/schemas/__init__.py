"""JSON Schemas (draft 2020-12) of the files users write and read: ``.byok-ci.yaml``
(``config``), ``byok.yaml`` (``manifest``) and the JSON report envelope (``report``).

They ship in the package for editors (``# yaml-language-server: $schema=…``) and for
``byok-ci schema NAME``. The loaders still validate by hand; tests/test_schemas.py keeps the
two in agreement (field names, types, the examples in docs/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAMES = ("config", "manifest", "report")
_DIR = Path(__file__).resolve().parent


def schema_path(name: str) -> Path:
    """The shipped schema file of ``name`` (one of :data:`NAMES`). Raises ValueError."""
    if name not in NAMES:
        raise ValueError(f"unknown schema {name!r} (schemas: {', '.join(NAMES)})")
    return _DIR / f"{name}.schema.json"


def schema_text(name: str) -> str:
    """The schema of ``name`` as shipped (JSON text)."""
    return schema_path(name).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """The schema of ``name`` as a mapping."""
    data: dict[str, Any] = json.loads(schema_text(name))
    return data

"""JSON Schemas (draft 2020-12) of the files users write and read: ``.byok-ci.yaml``
(``config``), ``byok.yaml`` (``manifest``) and the JSON report envelope (``report``).

They ship in the package for editors (``# yaml-language-server: $schema=…``) and for
``byok-ci schema NAME``, and byok-ci validates with them (:mod:`byok_ci.schemas.validate`):
the field names, types and enumerations the loaders know come from here. What a schema
cannot say (references that resolve, cross-field rules) stays in the loaders.
"""

from __future__ import annotations

import json
from functools import lru_cache
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


@lru_cache(maxsize=None)
def cached_schema(name: str) -> Any:
    """The schema of ``name``, parsed once per process; read-only (validation and derived constants)."""
    return load_schema(name)


def resolve(root: Any, ref: str) -> Any:
    """The part of ``root`` a local reference (``#/$defs/policy``, ``#/properties/check``) names."""
    if not ref.startswith("#"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node = root
    for part in filter(None, ref[1:].split("/")):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def enum(name: str, pointer: str) -> tuple[Any, ...]:
    """The values the ``enum`` at ``pointer`` of schema ``name`` allows."""
    return tuple(resolve(cached_schema(name), pointer)["enum"])

"""Environment key manifests (``byok.yaml``): load them and check each environment's keys.

    load_manifest   YAML → validated, typed :class:`Manifest` (bounded, safe loading)
    check_manifest  every check on every key → a :class:`~byok_ci.model.Report`
    render_docs     the manifest as a Markdown table
    starter_manifest  a TODO-filled manifest from the key names a repository uses
"""

from __future__ import annotations

from byok_ci.manifest.docs import render_docs
from byok_ci.manifest.init import starter_manifest
from byok_ci.manifest.load import DEFAULT_MANIFEST, load_manifest, parse_iso_date
from byok_ci.manifest.model import KeyEntry, Manifest
from byok_ci.manifest.policy import CHECK_IDS, Policy
from byok_ci.manifest.refs import SCHEMES, SecretRef, SecretRefError, parse_secret_ref
from byok_ci.manifest.run import check_manifest

__all__ = [
    "CHECK_IDS",
    "DEFAULT_MANIFEST",
    "SCHEMES",
    "KeyEntry",
    "Manifest",
    "Policy",
    "SecretRef",
    "SecretRefError",
    "check_manifest",
    "load_manifest",
    "parse_iso_date",
    "parse_secret_ref",
    "render_docs",
    "starter_manifest",
]

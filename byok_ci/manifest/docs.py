"""`byok-ci manifest docs`: the manifest as a Markdown table, so documentation is generated, not copied."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from byok_ci.config import Settings
from byok_ci.errors import ManifestError
from byok_ci.manifest.model import KeyEntry, Manifest
from byok_ci.outbound import markdown_code, markdown_text


def _cell(text: str) -> str:
    return markdown_text(text) or "—"


def _due(entry: KeyEntry, manifest: Manifest) -> str:
    if entry.rotated is None:
        return "unknown"
    return (entry.rotated + dt.timedelta(days=manifest.policy.rotate_every_days)).isoformat()


def render_docs(manifest: Manifest) -> str:
    """A Markdown section: one row per key, grouped by environment in policy order."""
    order = {env: i for i, env in enumerate(manifest.policy.environments)}
    keys = sorted(manifest.keys, key=lambda k: (order.get(k.env, len(order)), k.env, k.label))
    lines = [
        f"## AI provider keys of {markdown_text(manifest.project or 'this project')}",
        "",
        f"Generated from {markdown_code(manifest.path)} by `byok-ci manifest docs`; edit the manifest, not this table.",
        "",
        "| Environment | Key | Provider | Where it lives | Owner | Rotated | Rotation due | Expires | Allowed models / scopes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k in keys:
        allowed = "; ".join(
            f"{label}: {', '.join(values)}" for label, values in (("models", k.models), ("scopes", k.scopes)) if values
        )
        where = markdown_code(str(k.secret)) if k.secret else "not a valid reference"
        cells = [
            _cell(k.env), markdown_code(k.label), _cell(k.provider), where, _cell(k.owner),
            k.rotated.isoformat() if k.rotated else "unknown", _cell(_due(k, manifest)),
            k.expires.isoformat() if k.expires else "—", _cell(allowed),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def docs_for(path: Path, settings: Settings | None = None, *, shown: str | None = None) -> str:
    """Load the manifest at ``path`` and render it. Raises ManifestError when it cannot be
    loaded, or when it holds a key (the table would publish it)."""
    from byok_ci.detect.engine import Detector
    from byok_ci.manifest.load import load_manifest
    from byok_ci.manifest.run import base_policy
    from byok_ci.model import Chunk, ScanError
    from byok_ci.rules import load_rules

    settings = settings or Settings()
    shown = shown or path.as_posix()
    ruleset = load_rules(extra=settings.rule_files, disabled=settings.disable_rules)
    errors: list[ScanError] = []
    manifest = load_manifest(path, base_policy=base_policy(settings, errors), providers=ruleset.providers, shown=shown)
    inline = Detector(ruleset).detect(Chunk(text=manifest.text, path=shown))
    if inline:
        first = inline[0]
        raise ManifestError(shown, first.line, first.column,
                            f"holds a key ({first.rule_id}); run `byok-ci manifest check`, then revoke and remove it")
    return render_docs(manifest)

"""The versioned JSON envelope every byok-ci command writes."""

from __future__ import annotations

import json
from typing import Any, TextIO

from byok_ci._version import __version__
from byok_ci.model import Report, check_counts
from byok_ci.outbound import defuse_json

ENVELOPE_VERSION = 1


def envelope(report: Report) -> dict[str, Any]:
    stats = report.stats.to_dict()
    if report.checks:
        stats["checks"] = check_counts(report.checks)
    data: dict[str, Any] = {
        "version": ENVELOPE_VERSION,
        "tool": {
            "name": "byok-ci",
            "version": __version__,
            "rules": {"count": report.rules_count, "digest": report.rules_digest},
        },
        "command": report.command,
        "findings": [f.to_dict() for f in report.sorted_findings()],
        "errors": [e.to_dict() for e in sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message))],
        "stats": stats,
    }
    if report.warnings:
        data["warnings"] = [w.to_dict() for w in report.warnings]
    probes = getattr(report, "probes", None)
    if probes is not None:
        # Drift reports list every probe, passed or not, before the findings.
        head = {k: data.pop(k) for k in ("version", "tool", "command")}
        data = {**head, "checks": [c.to_dict() for c in probes], **data}
    return data


def write(report: Report, stream: TextIO, **_options: object) -> None:
    stream.write(defuse_json(json.dumps(envelope(report), indent=2, ensure_ascii=False)) + "\n")

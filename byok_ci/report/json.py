"""The versioned JSON envelope every byok-ci command writes."""

from __future__ import annotations

import json
from typing import Any, TextIO

from byok_ci._version import __version__
from byok_ci.model import Check, Report, check_counts
from byok_ci.outbound import defuse_json

ENVELOPE_VERSION = 1
# Drift checks keep the outcome spelling the envelope has always documented for them.
_DRIFT_OUTCOMES = {"passed": "pass", "failed": "fail"}


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
        **({"shard": report.shard, "scanned": report.scanned} if report.shard else {}),
        "findings": [f.to_dict() for f in report.sorted_findings()],
        "errors": [e.to_dict() for e in sorted(report.errors, key=lambda e: (e.path, e.line or 0, e.message))],
        "stats": stats,
    }
    if report.warnings:
        data["warnings"] = [w.to_dict() for w in report.warnings]
    if report.command == "drift":
        # Drift reports list every probe, passed or not, before the findings.
        head = {k: data.pop(k) for k in ("version", "tool", "command")}
        data = {**head, "checks": [_drift_check(c) for c in report.checks if c.drift is not None], **data}
    if report.command == "usage":
        # Usage reports list every check of every key, passed or not, before the findings.
        head = {k: data.pop(k) for k in ("version", "tool", "command")}
        data = {**head, "checks": [_usage_check(c) for c in report.checks], **data}
    return data


def _usage_check(check: Check) -> dict[str, Any]:
    env, key, name = (check.name.split(" / ", 2) + ["", ""])[:3]
    return {"env": env, "key": key, "check": name, "outcome": check.outcome,
            "rule_id": check.finding.rule_id if check.finding else None, "detail": check.detail}


def _drift_check(check: Check) -> dict[str, Any]:
    probe = check.drift
    assert probe is not None
    return {"env": probe.env, "key": probe.key, "provider": probe.provider, "probe": probe.probe,
            "outcome": _DRIFT_OUTCOMES.get(check.outcome, check.outcome), "status": probe.status,
            "reason": probe.reason}


def write(report: Report, stream: TextIO, **_options: object) -> None:
    stream.write(defuse_json(json.dumps(envelope(report), indent=2, ensure_ascii=False)) + "\n")

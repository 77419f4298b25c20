"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Results carry the line-independent fingerprint as ``partialFingerprints`` (so alerts follow
a key across line moves), relative artifact URIs (inner archive paths included), and never
a snippet of the secret: only the redacted form, in the message.
"""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import quote

from byok_ci._version import __version__
from byok_ci.model import Finding, Report, RuleInfo
from byok_ci.outbound import defuse_json
from byok_ci.rules import PROJECT_URL, rule_help_uri

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning keeps at most 5,000 results of a run (it accepts 25,000).
MAX_RESULTS = 5000
_LEVELS = {"error": "error", "warning": "warning"}
_URI_SAFE = "/!$&'()*+,;=:@-._~"


def artifact_uri(path: str) -> str:
    """A valid URI reference: relative paths stay relative, absolute ones become file URIs."""
    if path.startswith("/"):
        return "file://" + quote(path, safe=_URI_SAFE)
    return quote(path, safe=_URI_SAFE)


def _rule(info: RuleInfo) -> dict[str, Any]:
    revoke = f" Revoke and rotate it at {info.key_management}." if info.key_management else ""
    help_text = f"{info.description} found in plain text.{revoke} See {info.help_uri or rule_help_uri(info.id)}."
    return {
        "id": info.id,
        "name": "".join(part.capitalize() for part in info.id.replace("-", ".").split(".")),
        "shortDescription": {"text": info.description},
        "fullDescription": {"text": f"{info.description} ({info.provider})"},
        "help": {"text": help_text, "markdown": help_text},
        "helpUri": info.help_uri or rule_help_uri(info.id),
        "defaultConfiguration": {"level": _LEVELS.get(info.severity, "warning")},
        "properties": {
            "tags": ["security", "secret", info.provider],
            "precision": "high",
            "security-severity": "9.0" if info.severity == "error" else "5.0",
        },
    }


# SARIF's logical location kinds for where a key in a name was found.
_LOGICAL_KINDS = {"path": "resource", "author": "object", "ref": "object"}


def _location(f: Finding, region: dict[str, Any]) -> dict[str, Any]:
    if f.found_in:
        # A key in a name has no line in any file, and the file under its redacted name does
        # not exist: a logical location only, never a physical one.
        return {"logicalLocations": [
            {"name": f.path, "fullyQualifiedName": f"{f.found_in}:{f.path}", "kind": _LOGICAL_KINDS[f.found_in]}
        ]}
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(f.path)}, "region": region}}


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(f.line, 1)}
    if f.column:
        region["startColumn"] = f.column
    properties: dict[str, Any] = {"redacted": f.redacted, "provider": f.provider}
    for name in ("commit", "encoding", "source", "key", "env", "scanned_as", "found_in"):
        value = getattr(f, name)
        if value:
            properties[name] = value
    if f.history_only:
        properties["history_only"] = True
    where = f" in commit {f.commit[:12]}" if f.commit else ""
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS.get(f.severity, "warning"),
        "message": {"text": f"{f.message} ({f.redacted}){where}"},
        "locations": [_location(f, region)],
        "partialFingerprints": {"byokCiSecret/v1": f.fingerprint},
        "properties": properties,
    }


def sarif(report: Report) -> dict[str, Any]:
    findings = report.sorted_findings()
    shown = findings[:MAX_RESULTS]
    rule_ids = sorted({f.rule_id for f in shown})
    infos = [report.rules.get(rid) or RuleInfo(rid, rid.split(".")[0], rid) for rid in rule_ids]
    index = {rid: i for i, rid in enumerate(rule_ids)}
    notifications = [
        {"level": "error", "message": {"text": e.one_line()}} for e in report.errors
    ]
    if len(findings) > len(shown):
        notifications.append({
            "level": "warning",
            "message": {"text": f"{len(findings)} findings; only the first {MAX_RESULTS} are in this SARIF file "
                                "(GitHub's limit). The JSON report has them all."},
        })
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "byok-ci",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": [_rule(i) for i in infos],
            }
        },
        "automationDetails": {"id": f"byok-ci/{report.command}/"},
        "results": [_result(f, index[f.rule_id]) for f in shown],
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": notifications,
            }
        ],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write(report: Report, stream: TextIO, **_options: object) -> None:
    stream.write(defuse_json(json.dumps(sarif(report), indent=2, ensure_ascii=False)) + "\n")

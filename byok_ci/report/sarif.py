"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Results carry the line-independent fingerprint as ``partialFingerprints`` (so alerts follow
a key across line moves), artifact URIs relative to the report root (``%SRCROOT%``: the
repository root, which is what code scanning resolves them against), and never a snippet of
the secret: only the redacted form, in the message. A finding inside an archive points at
the archive file, a path GitHub can open; the member (``dist/app.whl!pkg/x.py``) is its
logical location and is named in the message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from byok_ci._version import __version__
from byok_ci.model import REACHABILITY, Finding, Report, RuleInfo
from byok_ci.outbound import defuse_json
from byok_ci._version import PROJECT_URL

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning keeps at most 5,000 results of a run (it accepts 25,000).
MAX_RESULTS = 5000
_LEVELS = {"error": "error", "warning": "warning"}
_URI_SAFE = "/!$&'()*+,;=:@-._~"
SRCROOT = "%SRCROOT%"
# SARIF's logical location kinds for where a key in a name was found.
_LOGICAL_KINDS = {"path": "resource", "author": "object", "ref": "object", "message": "object", "tag-message": "object",
                  "committer": "object", "tagger": "object", "header": "object"}


def artifact_uri(path: str) -> str:
    """A valid URI reference: relative paths stay relative, absolute ones become file URIs."""
    if path.startswith("/"):
        return "file://" + quote(path, safe=_URI_SAFE)
    return quote(path, safe=_URI_SAFE)


def artifact_location(path: str) -> dict[str, str]:
    """An ``artifactLocation``: relative paths against ``%SRCROOT%``, absolute ones as file URIs
    (SARIF allows a ``uriBaseId`` only on a relative reference)."""
    uri = artifact_uri(path)
    return {"uri": uri} if uri.startswith("file://") else {"uri": uri, "uriBaseId": SRCROOT}


def _locations(f: Finding, region: dict[str, Any]) -> dict[str, Any]:
    """The result's ``locations``: the file, or for an archive member the archive file
    (a member has no line GitHub could show) with the member as a logical location, or for
    a key in a name only a logical location."""
    if f.found_in:
        # A key in a name has no line in any file, and the file under its redacted name does
        # not exist: a logical location only, never a physical one.
        return {"locations": [{"logicalLocations": [
            {"name": f.path, "fullyQualifiedName": f"{f.found_in}:{f.path}", "kind": _LOGICAL_KINDS[f.found_in]}
        ]}]}
    archive, bang, _member = f.path.partition("!")
    if not bang or not archive:
        return {"locations": [{"physicalLocation": {"artifactLocation": artifact_location(f.path), "region": region}}]}
    member = f.path.rsplit("!", 1)[-1]
    return {"locations": [{
        "physicalLocation": {"artifactLocation": artifact_location(archive), "region": {"startLine": 1}},
        "logicalLocations": [{"name": member.rsplit("/", 1)[-1] or member, "fullyQualifiedName": f.path}],
    }]}


def _archive_member(f: Finding) -> str:
    """Where in the archive, for the message of a result that points at the archive file."""
    archive, bang, _ = f.path.partition("!")
    return f" in {f.path}, line {f.line}" if bang and archive and not f.found_in else ""


def _rule(info: RuleInfo) -> dict[str, Any]:
    if info.help:  # manifest and drift rules describe themselves (rules/_ids.yaml)
        text, tags = info.help, ["security", info.provider]
    else:  # a scanner rule: a key of this type in plain text
        revoke = f" Revoke and rotate it at {info.key_management}." if info.key_management else ""
        text, tags = f"{info.description} found in plain text.{revoke}", ["security", "secret", info.provider]
    help_text = f"{text} See {info.help_uri}." if info.help_uri else text
    if info.security_severity is not None:
        severity = info.security_severity
    else:
        severity = 9.0 if info.severity == "error" else 5.0
    rule: dict[str, Any] = {
        "id": info.id,
        "name": "".join(part.capitalize() for part in info.id.replace("-", ".").split(".")),
        "shortDescription": {"text": info.description},
        "fullDescription": {"text": info.help or f"{info.description} ({info.provider})"},
        "help": {"text": help_text, "markdown": help_text},
    }
    if info.help_uri:  # only rules with a section in docs/rules.md link there
        rule["helpUri"] = info.help_uri
    rule["defaultConfiguration"] = {"level": _LEVELS.get(info.severity, "warning")}
    rule["properties"] = {"tags": tags, "precision": "high", "security-severity": f"{severity:.1f}"}
    return rule





def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(f.line, 1)}
    if f.column:
        region["startColumn"] = f.column
    properties: dict[str, Any] = {"redacted": f.redacted, "provider": f.provider}
    for name in ("commit", "encoding", "source", "key", "env", "scanned_as", "found_in", "reachability"):
        value = getattr(f, name)
        if value:
            properties[name] = value
    if f.history_only:
        properties["history_only"] = True
    if f.verified is not None:
        properties["verified"] = f.verified.status
        if f.verified.reason:
            properties["verified_reason"] = f.verified.reason
    where = f" in commit {f.commit[:12]}" if f.commit else ""
    where += f" ({REACHABILITY[f.reachability]})" if f.reachability else ""
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS.get(f.severity, "warning"),
        # Manifest and drift findings about names and policy have no redacted form.
        "message": {"text": (f"{f.message} ({f.redacted})" if f.redacted else f.message) + f"{_archive_member(f)}{where}"},
        **_locations(f, region),
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
    if report.root:
        run["originalUriBaseIds"] = {SRCROOT: {
            "uri": Path(report.root).as_uri().rstrip("/") + "/",
            "description": {"text": "The repository root (outside git: the directory scanned)."},
        }}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def write(report: Report, stream: TextIO, **_options: object) -> None:
    stream.write(defuse_json(json.dumps(sarif(report), indent=2, ensure_ascii=False)) + "\n")

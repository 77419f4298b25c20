"""SARIF 2.1.0: valid against the OASIS schema, line-independent fingerprints, no secret."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest

from byok_ci.model import Finding, Report, RuleInfo, ScanError, Stats
from byok_ci.report import sarif as sarif_report
from byok_ci.report.sarif import artifact_uri, sarif

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "data" / "sarif-2.1.0.json").read_text())


def finding(path: str = "src/app.py", line: int = 3, fp: str = "0123456789abcdef") -> Finding:
    return Finding("openai.project-key", "openai", "error", path, line, 7, "OpenAI project API key in plain text",
                   "sk-proj-…abcd", fp, commit="a" * 40)


def report(findings: list[Finding], errors: list[ScanError] | None = None) -> Report:
    info = RuleInfo("openai.project-key", "openai", "OpenAI project API key", "error",
                    "https://example.invalid/docs/rules.md#openaiproject-key", "https://platform.openai.com/api-keys")
    return Report("scan", findings, errors or [], Stats(files=2), rules={info.id: info})


def validate(document: dict) -> None:  # type: ignore[type-arg]
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft4Validator)


def test_valid_and_complete() -> None:
    doc = sarif(report([finding(), finding("dist/app-1.0.whl!app/settings.py", 9, "f" * 16)],
                       [ScanError("x.yaml", "malformed YAML: bad", 2)]))
    validate(doc)
    run = doc["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["id"] == "openai.project-key" and rule["helpUri"].endswith("#openaiproject-key")
    assert "platform.openai.com" in rule["help"]["text"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris == ["dist/app-1.0.whl", "src/app.py"]
    assert run["results"][1]["partialFingerprints"] == {"byokCiSecret/v1": "0123456789abcdef"}
    assert run["results"][1]["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 7}
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "snippet" not in json.dumps(doc)


def test_clean_scan_is_valid() -> None:
    validate(sarif(report([])))


@pytest.mark.parametrize(
    ("path", "uri"),
    [("a b/ü.py", "a%20b/%C3%BC.py"), ("/abs/x.py", "file:///abs/x.py"), ("a.tar.gz!b.zip!c.py", "a.tar.gz!b.zip!c.py")],
)
def test_artifact_uris(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def test_results_capped_at_githubs_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif_report, "MAX_RESULTS", 3)
    doc = sarif(report([finding(line=n) for n in range(1, 6)]))
    validate(doc)
    run = doc["runs"][0]
    assert len(run["results"]) == 3
    assert "only the first 3" in run["invocations"][0]["toolExecutionNotifications"][-1]["message"]["text"]


def test_locations_are_relative_to_srcroot_and_archive_members_point_at_the_archive() -> None:
    doc = sarif(report([finding(), finding("a.tar.gz!b.zip!c.py", 9, "f" * 16), finding("/elsewhere/x.py", 2, "e" * 16)]))
    validate(doc)
    by_fp = {r["partialFingerprints"]["byokCiSecret/v1"]: r for r in doc["runs"][0]["results"]}
    plain = by_fp["0123456789abcdef"]["locations"][0]
    assert plain["physicalLocation"]["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    member = by_fp["f" * 16]
    (location,) = member["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "a.tar.gz", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 1}}
    assert location["logicalLocations"] == [{"name": "c.py", "fullyQualifiedName": "a.tar.gz!b.zip!c.py"}]
    assert "in a.tar.gz!b.zip!c.py, line 9" in member["message"]["text"]
    # SARIF allows uriBaseId only on relative references.
    assert by_fp["e" * 16]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///elsewhere/x.py"}


def test_srcroot_is_declared_when_the_report_root_is_known(tmp_path: Path) -> None:
    scanned = report([finding()])
    assert "originalUriBaseIds" not in sarif(scanned)["runs"][0]
    doc = sarif(dataclasses.replace(scanned, root=str(tmp_path)))
    validate(doc)
    base = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    assert base["uri"] == tmp_path.as_uri() + "/"

"""The shipped JSON Schemas: what they say, and that byok-ci's reports and documented
examples follow them (issue 21 §4).

The loaders validate with these schemas (:mod:`byok_ci.schemas.validate`); that validator's
agreement with ``jsonschema`` and the loaders' messages are tested in
tests/test_schema_validation.py.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from byok_ci.exitcodes import FAIL_ON
from byok_ci.manifest.load import load_manifest
from byok_ci.manifest.located import load_located
from byok_ci.manifest.policy import CHECK_IDS, Policy, UsagePolicy
from byok_ci.model import (
    FOUND_IN, OUTCOMES, REACHABILITY, SEVERITIES, UNKNOWN_REASONS, VERIFIED, Check, CommitInfo, DriftProbe, Finding,
    Report, ScanError, Stats, Verification,
)
from byok_ci.report import write_report
from byok_ci.rules import RuleSet
from byok_ci.schemas import NAMES, load_schema, schema_path
from byok_ci.schemas.validate import validate
from tests.doclinks import REPO

DOCS = REPO / "docs"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def props(schema: dict[str, Any], *path: str) -> set[str]:
    node = schema
    for step in path:
        node = node[step]
    return set(node["properties"])


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_a_valid_draft_2020_12_schema_with_its_published_id(name: str) -> None:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/main/" + schema_path(name).relative_to(REPO).as_posix())


def test_the_config_schema_is_what_the_settings_and_check_read() -> None:
    """The schema is the source of the field names; these are the places it must agree with other code."""
    from byok_ci.check import jobs, workflow_only
    from byok_ci.config import Settings

    schema = load_schema("config")
    assert schema["additionalProperties"] is False
    # Every setting the file may set is a field of Settings (or a section another module reads).
    settings = {f.name for f in dataclasses.fields(Settings)}
    assert set(props(schema)) - settings == {"version", "baseline"}  # version is checked; baseline → baselines
    run, fail_on = (schema["properties"]["check"]["properties"][k]["anyOf"][1]["items"]["enum"] for k in ("run", "fail_on"))
    assert tuple(fail_on) == FAIL_ON and tuple(run) == jobs() == ("scan", "artifacts", "manifest", "drift")
    assert set(workflow_only()) == {"allow_hosts", "allow_host", "proxy", "base_url", "base_urls",
                                    "allow_insecure_loopback", "vault_addr"}
    assert all(why.startswith("is ignored: it decides where keys are sent") for why in workflow_only().values())


def test_the_policy_is_one_definition_in_both_schemas_and_knows_the_policy_fields() -> None:
    policy = load_schema("manifest")["$defs"]["policy"]
    assert load_schema("config")["$defs"]["policy"] == policy
    assert set(policy["properties"]) == {f.name for f in dataclasses.fields(Policy)}
    assert set(policy["properties"]["usage"]["properties"]) == {f.name for f in dataclasses.fields(UsagePolicy)}
    checks = policy["properties"]["checks"]
    assert all(re.search(checks["propertyNames"]["pattern"], c) for c in CHECK_IDS)
    # YAML 1.1 reads a bare `off` as false, and the loader takes it as "off".
    assert checks["additionalProperties"]["enum"] == ["error", "warning", "off", False]


def test_the_report_schema_knows_every_finding_error_and_stats_field() -> None:
    schema = load_schema("report")
    finding = schema["$defs"]["finding"]["properties"]
    every = Finding("openai.project-key", "openai", "error", "a.py", 1, 2, "m", "sk-proj-…abcd", "0" * 16,
                    commit="c" * 40, commit_info=CommitInfo("A", "2026-01-01"), history_only=True, encoding="base64",
                    source="s", key="k", env="prod", scanned_as="x", found_in="path", reachability="unreachable",
                    verified=Verification("unknown", "network", "api.openai.com: no answer"))
    assert set(every.to_dict()) == set(finding)
    assert tuple(finding["severity"]["enum"]) == SEVERITIES
    assert set(finding["found_in"]["enum"]) == set(FOUND_IN)
    assert set(finding["reachability"]["enum"]) == set(REACHABILITY)
    assert tuple(finding["verified"]["enum"]) == VERIFIED
    assert tuple(finding["verified_reason"]["enum"]) == UNKNOWN_REASONS
    assert set(ScanError("p", "m", 3, 4, blocking=False).to_dict()) == set(schema["$defs"]["error"]["properties"])
    stats = schema["properties"]["stats"]["properties"]
    assert set(stats) == {f.name for f in dataclasses.fields(Stats)} | {"checks"}
    assert tuple(stats["checks"]["properties"]) == OUTCOMES
    assert tuple(schema["$defs"]["usage_check"]["properties"]["outcome"]["enum"]) == OUTCOMES


# --- the documented examples --------------------------------------------------------------

PAGES = ("configuration.md", "manifests.md", "iac.md", "usage.md", "ci.md", "drift.md")


def yaml_blocks() -> list[tuple[str, str]]:
    blocks = []
    for page in PAGES:
        text = (DOCS / page).read_text(encoding="utf-8")
        for index, match in enumerate(re.finditer(r"^```ya?ml\n(.*?)^```", text, re.M | re.S)):
            blocks.append((f"{page}#{index + 1}", textwrap.dedent(match.group(1))))
    return blocks


def example(text: str) -> tuple[str, Any] | None:
    """The kind of file a documented block is (config or manifest) and its data, or None
    for blocks of other files (workflows). A block of `keys:` alone is a manifest's keys."""
    from byok_ci.errors import ManifestError

    try:
        data = load_located(text, "doc.yaml")
    except ManifestError:
        if "${{" in text:  # a workflow's expression in a flow mapping, not YAML on its own
            return None
        raise
    if not isinstance(data, dict):
        return None
    if "keys" in data:
        return "manifest", {"version": 1, "project": "acme", **data}
    if set(data) <= set(load_schema("config")["properties"]) and not isinstance(data.get("jobs"), dict):
        return "config", data
    return None


EXAMPLES = [(where, *found) for where, text in yaml_blocks() if (found := example(text)) is not None]


def test_the_docs_have_config_and_manifest_examples() -> None:
    kinds = [kind for _, kind, _ in EXAMPLES]
    assert kinds.count("config") >= 5 and kinds.count("manifest") >= 3, EXAMPLES


@pytest.mark.parametrize(("where", "kind", "data"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_every_documented_example_validates_against_its_schema(where: str, kind: str, data: Any) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(kind).iter_errors(data)]
    assert errors == [], where
    assert validate(data, kind) == [], where


# --- real reports ----------------------------------------------------------------------------


def as_json(report: Report) -> Any:
    stream = io.StringIO()
    write_report(report, "json", stream)
    return json.loads(stream.getvalue())


def test_scan_manifest_and_drift_reports_validate(tmp_path: Path, shipped_rules: RuleSet) -> None:
    from byok_ci.scan import scan_paths
    from tests.report.test_drift_reports import sample
    from tests.report.test_golden import corpus, manifest_report

    corpus(tmp_path, shipped_rules)
    (tmp_path / "unreadable").mkdir()
    reports = {
        "scan": scan_paths([str(tmp_path), str(tmp_path / "missing.py")], rules=shipped_rules, root=tmp_path),
        "manifest": manifest_report(shipped_rules),
        "drift": sample(),
    }
    for command, report in reports.items():
        data = as_json(report)
        assert data["findings"], command
        validator("report").validate(data)
        assert validate(data, "report") == [], command
    assert as_json(reports["scan"])["errors"]
    assert as_json(reports["drift"])["checks"]


def test_a_report_with_every_optional_field_validates() -> None:
    finding = Finding("openai.project-key", "openai", "error", "dist/app.whl!pkg/s.py", 3, 19, "m", "sk-proj-…abcd",
                      "0" * 16, commit="c" * 40, commit_info=CommitInfo("A", "2026-01-01T00:00:00Z"),
                      history_only=True, encoding="base64", reachability="pull-request",
                      verified=Verification("live", "", "api.openai.com: 200"))
    report = Report("scan", [finding, dataclasses.replace(finding, found_in="ref", line=0, column=0, commit=None)],
                    [ScanError("a", "unreadable", 2, 3)], Stats(commits=4, baselined=1, ignored=0, allowed=2),
                    warnings=[ScanError(".byok-ci.yaml", "jobs capped", 3, blocking=False)], shard="1/2", scanned="t")
    data = as_json(report)
    assert data["shard"] == "1/2" and data["warnings"]
    validator("report").validate(data)


def test_a_usage_report_validates() -> None:
    finding = Finding("usage.idle", "openai", "warning", "byok.yaml", 4, 1, "idle", "", "", key="k", env="prod")
    checks = [Check("usage/prod", "prod / acme-prod-openai / idle", "warning", path="byok.yaml", line=4,
                    finding=finding, detail="unused for 40 days"),
              Check("usage/prod", "prod / acme-prod-openai / budget", "passed")]
    data = as_json(Report("usage", [finding], checks=checks))
    assert data["checks"][0]["check"] == "idle"
    validator("report").validate(data)


def test_a_report_with_an_unknown_field_or_outcome_is_refused() -> None:
    probe = DriftProbe("prod", "k", "openai", "real", 200, "accepted (200)")
    data = as_json(Report("drift", checks=[Check("drift/prod", "prod / k / real key accepted", "passed", drift=probe)]))
    validator("report").validate(data)
    assert not validator("report").is_valid({**data, "extra": 1})
    assert [v.keyword for v in validate({**data, "extra": 1}, "report")] == ["additionalProperties"]
    data["checks"][0]["outcome"] = "passed"  # drift spells it "pass"
    assert not validator("report").is_valid(data)
    assert validate(data, "report")


def test_byok_ci_schema_prints_each_schema(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from byok_ci.cli import main

    for name in NAMES:
        result = CliRunner().invoke(main, ["schema", name])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == load_schema(name)
    result = CliRunner().invoke(main, ["schema", "nope"])
    assert result.exit_code == 2 and "config" in result.output


FIXTURE_MANIFESTS = sorted(p for p in (REPO / "tests" / "data" / "manifests").rglob("*.yaml")
                           if p.name not in {"alias-bomb.yaml", "comments-only.yaml", "empty.yaml", "malformed.yaml",
                                             "python-tag.yaml"})  # not YAML mappings the loader reads at all


@pytest.mark.parametrize("path", FIXTURE_MANIFESTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_what_the_schema_refuses_in_a_fixture_manifest_the_loader_reports(path: Path, shipped_rules: RuleSet) -> None:
    """The loader reports every schema problem; it may report more (providers, references, dates)."""
    manifest = load_manifest(path, providers={rule.provider for rule in shipped_rules.rules})
    loader_ok = not [p for p in manifest.problems if p.rule_id == "manifest.schema"]
    data = load_located(path.read_text(encoding="utf-8"), path.name)
    assert validator("manifest").is_valid(data) == (validate(data, "manifest") == [])
    assert loader_ok <= validator("manifest").is_valid(data)
    assert len(FIXTURE_MANIFESTS) >= 8


@pytest.mark.parametrize("args", [
    ["scan", ".", "--format", "json"],
    ["manifest", "check", "--format", "json"],
    ["check", "--format", "json"],
])
def test_the_commands_json_reports_validate(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    """What the commands print with --format json, on test_check's tree (a leak, a manifest)."""
    import datetime as dt
    import random

    from tests.conftest import key_for
    from tests.test_check import invoke, manifest

    (tmp_path / "app.py").write_text(f'KEY = "{key_for(shipped_rules, "groq.api-key", random.Random(2))}"\n')
    (tmp_path / "byok.yaml").write_text(manifest(dt.date.today()))
    result = invoke(tmp_path, args)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert data["command"].split()[0] == args[0]
    validator("report").validate(data)

"""docs/rules.md's rule reference is generated from rules/ and must be current."""

from __future__ import annotations

import re
from pathlib import Path

from byok_ci.drift.probes import load_probes
from byok_ci.model import Finding, Report, RuleInfo
from byok_ci.report.sarif import sarif
from byok_ci.rules import RULES_DOC_URL, load_rules, rule_anchor
from byok_ci.rules import docs as rulesdoc
from tests.conftest import REPO
from tests.doclinks import github_anchors


def test_rules_doc_is_up_to_date() -> None:
    document = (REPO / "docs" / "rules.md").read_text()
    assert rulesdoc.refreshed(document, load_rules(), load_probes()[0]) == document, "run: byok-ci rules docs --write"


def test_every_rule_has_a_section_its_help_uri_points_to() -> None:
    document = (REPO / "docs" / "rules.md").read_text()
    for rule in load_rules().rules:
        assert f"\n#### {rule.id}\n" in document
        assert rule.info().help_uri.endswith("#" + rule_anchor(rule.id))


def every_rule_info() -> dict[str, RuleInfo]:
    """What every command's reports can describe: scanner, manifest and drift rules."""
    from byok_ci.drift import run_drift
    from byok_ci.manifest import check_manifest
    from byok_ci.scan import scan_text  # noqa: F401 - the rule infos of a scan are its rules'

    infos = {rule.id: rule.info() for rule in load_rules().rules}
    infos.update(check_manifest(REPO / "tests" / "data" / "manifests" / "good.yaml").rules)
    infos.update(run_drift([]).rules)
    return infos


def test_every_help_uri_a_report_emits_has_its_section_in_docs_rules_md() -> None:
    infos = every_rule_info()
    assert {"manifest.isolation", "manifest.owner", "drift.real-key-refused", "openai.project-key"} <= set(infos)
    findings = [Finding(rid, "p", "error", "a.py", 1, 1, "m", "", "0" * 16) for rid in [*infos, "user.own-rule"]]
    doc = sarif(Report("check", findings, rules=infos))
    uris = {rule["id"]: rule.get("helpUri") for rule in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert uris.pop("user.own-rule") is None  # a rule without a section links nowhere
    anchors = github_anchors((REPO / "docs" / "rules.md").read_text())
    missing = {}
    for rid, uri in uris.items():
        assert uri and uri.startswith(RULES_DOC_URL + "#"), rid
        if uri.split("#", 1)[1] not in anchors:
            missing[rid] = uri
    assert not missing, "no section in docs/rules.md for: " + ", ".join(missing)


def test_links_into_docs_rules_md_resolve() -> None:
    """README and the docs pages link to the rule reference (every link is checked in test_docs.py)."""
    anchors = github_anchors((REPO / "docs" / "rules.md").read_text())
    pages = [REPO / "README.md", *(REPO / "docs").glob("*.md")]
    links = [link for page in pages for link in re.findall(r"rules\.md#([\w-]+)", page.read_text())]
    assert links and all(link in anchors for link in links)


def test_a_rule_of_your_own_links_nowhere(tmp_path: Path) -> None:
    """docs/rules.md has sections for the shipped rules only; a helpUri to a missing anchor is a dead link."""
    own = tmp_path / "acme.yaml"
    own.write_text(
        "provider: acme\nname: Acme\nrules:\n  - id: acme.internal-key\n    description: Acme internal key\n"
        "    keywords: ['acme_']\n    pattern: 'acme_[a-z0-9]{32}'\n    format: ['acme_', {lower_alnum: 32}]\n"
    )
    ruleset = load_rules(extra=[own])
    assert not ruleset.errors
    assert ruleset.get("acme.internal-key").info().help_uri == ""  # type: ignore[union-attr]
    assert ruleset.get("openai.project-key").info().help_uri.startswith(RULES_DOC_URL)  # type: ignore[union-attr]

"""docs/rules.md's rule reference is generated from rules/ and must be current."""

from __future__ import annotations

from byok_ci import rulesdoc
from byok_ci.rules import load_rules, rule_anchor
from tests.conftest import REPO


def test_rules_doc_is_up_to_date() -> None:
    document = (REPO / "docs" / "rules.md").read_text()
    assert rulesdoc.refreshed(document, load_rules()) == document, "run: byok-ci rules docs --write"


def test_every_rule_has_a_section_its_help_uri_points_to() -> None:
    document = (REPO / "docs" / "rules.md").read_text()
    for rule in load_rules().rules:
        assert f"\n#### {rule.id}\n" in document
        assert rule.info().help_uri.endswith("#" + rule_anchor(rule.id))

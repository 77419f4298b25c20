"""The documentation holds together: every relative link and #anchor resolves, README links
every page and stays a short tour, and page anchors that code cites exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.doclinks import (
    anchors_of,
    broken_citation,
    broken_link,
    citations,
    documentation_pages,
    github_anchors,
    is_relative,
    links,
)

PAGES = documentation_pages()


def test_github_anchor_algorithm() -> None:
    assert github_anchors("# A b\n## a.b-c_d!\n```\n# not a heading\n```\n# A b\n") == {"a-b", "ab-c_d", "a-b-1"}
    assert github_anchors("## Options of `byok-ci scan`\n") == {"options-of-byok-ci-scan"}
    assert github_anchors("## git's own pre-push hook\n") == {"gits-own-pre-push-hook"}
    assert github_anchors("## Job summary, outputs and annotations\n") == {"job-summary-outputs-and-annotations"}
    assert github_anchors("## Robustness: no key in any output ##\n") == {"robustness-no-key-in-any-output"}
    assert github_anchors("  ~~~\n# inside a fence\n  ~~~\n#no space is no heading\n") == set()


def test_links_are_found_outside_code() -> None:
    text = "[a](a.md#x) ![i](img.png) `[not](code.md)`\n```\n[not](fenced.md)\n```\n[r]: ref.md\n"
    assert links(text) == [(1, "a.md#x"), (1, "img.png"), (5, "ref.md")]


def test_a_broken_link_or_anchor_is_named(tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text("# Page\n\n## Exit codes\n")
    home = tmp_path / "README.md"
    home.write_text("x")
    assert broken_link(home, "page.md#exit-codes") is None
    assert broken_link(home, "page.md#exit-code") == "page.md#exit-code: no heading with anchor #exit-code in page.md"
    assert broken_link(home, "missing.md") == "missing.md: no file missing.md"
    assert broken_link(tmp_path / "page.md", "#page") is None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = [f"{page.name}:{line}: {problem}" for line, target in links(text) if is_relative(target)
              if (problem := broken_link(page, target))]
    assert broken == []


def test_pages_link_to_each_other() -> None:
    relative = [target for page in PAGES
                for _, target in links(page.read_text(encoding="utf-8")) if is_relative(target)]
    assert sum("#" in target for target in relative) >= 20, "the anchor check would prove little"


def test_readme_links_every_docs_page() -> None:
    linked = {target.partition("#")[0] for _, target in links((REPO / "README.md").read_text(encoding="utf-8"))}
    pages = {page.relative_to(REPO).as_posix() for page in PAGES[1:]}
    assert pages - linked == set()


def test_readme_is_a_short_tour_and_the_pages_hold_the_rest() -> None:
    assert (REPO / "README.md").stat().st_size <= 20_000
    pages = [p for p in PAGES[1:] if p.name != "rules.md"]
    assert len(pages) >= 4 and all(p.stat().st_size >= 300 for p in pages)


def test_the_citation_checker_finds_what_is_broken() -> None:
    message = ("see docs/reports.md#exit-codes, https://github.com/byok-ci/byok-ci/blob/main/docs/ci.md#nowhere"
               " and docs/nothing.md#x; not bench/README.md#x")
    found = citations(message)
    assert found == ["docs/reports.md#exit-codes", "docs/ci.md#nowhere", "docs/nothing.md#x"]
    assert [broken_citation(c) for c in found] == [
        None,
        "docs/ci.md#nowhere: no heading with anchor #nowhere in docs/ci.md",
        "docs/nothing.md#x: no page docs/nothing.md",
    ]
    assert "exit-codes" in anchors_of("docs/reports.md")


def shipped_text_files() -> list[Path]:
    """What ships or runs for users: the package (its schemas word messages too), the rules, the Action and the hooks."""
    return [*sorted((REPO / "byok_ci").rglob("*.py")), *sorted((REPO / "byok_ci" / "schemas").glob("*.json")),
            *sorted((REPO / "rules").glob("*.yaml")),
            REPO / "action.yml", REPO / ".pre-commit-hooks.yaml"]


def test_every_page_anchor_cited_in_the_code_exists() -> None:
    cited = {(path.relative_to(REPO).as_posix(), citation)
             for path in shipped_text_files()
             for citation in citations(path.read_text(encoding="utf-8"))}
    assert len(cited) >= 10, "the citation check would prove little"
    assert [(where, broken_citation(c)) for where, c in sorted(cited) if broken_citation(c)] == []


def test_the_code_cites_docs_pages_not_readme_sections() -> None:
    """README is a short tour now: a section it no longer has must not be what a message cites."""
    citing_readme = [path.relative_to(REPO).as_posix() for path in shipped_text_files()
                     if re.search(r"README[ ,:]+[\"\w]", path.read_text(encoding="utf-8"))]
    assert citing_readme == []

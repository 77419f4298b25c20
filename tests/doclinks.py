"""Links and heading anchors of the Markdown documentation (README.md, docs/*.md).

Shared by the documentation tests and by any test that checks a page anchor a message
cites (``see docs/reports.md#exit-codes``): ``anchors_of(page)`` and ``broken_citation``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_FENCE = re.compile(r" {0,3}(```|~~~)")
_HEADING = re.compile(r" {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_INLINE_LINK = re.compile(r"(?<!!)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMAGE_LINK = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEF = re.compile(r" {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# A page anchor cited in text: docs/<page>.md#<anchor> or README.md#<anchor>, bare or at the
# end of a GitHub URL (…/blob/main/docs/reports.md#exit-codes).
CITATION = re.compile(r"(?:(?<=blob/main/)|(?<![\w/.-]))((?:docs/[\w.-]+|README)\.md)#([\w-]+)")


def _prose_lines(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines(), 1):
        opened = _FENCE.match(line)
        if opened:
            if fence is None:
                fence = opened.group(1)
            elif opened.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield number, line


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text, before duplicates are numbered: the rendered
    text (code spans, emphasis and link targets dropped) in lower case, everything but
    letters, digits, spaces, ``-`` and ``_`` removed, spaces turned into ``-``."""
    text = _CODE_SPAN.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*)(.+?)\1", r"\2", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings; a repeated slug gets ``-1``, ``-2``, …"""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _prose_lines(markdown):
        heading = _HEADING.match(line)
        if heading is None:
            continue
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        anchors.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return anchors


def anchors_of(page: str | Path) -> set[str]:
    """The heading anchors of a Markdown page (a path relative to the repository root, or absolute)."""
    path = Path(page)
    return github_anchors((path if path.is_absolute() else REPO / path).read_text(encoding="utf-8"))


def links(markdown: str) -> list[tuple[int, str]]:
    """(line, target) of every inline, image and reference-definition link outside code."""
    found: list[tuple[int, str]] = []
    for number, line in _prose_lines(markdown):
        definition = _REFERENCE_DEF.match(line)
        if definition:
            found.append((number, definition.group(1)))
            continue
        prose = _CODE_SPAN.sub("", line)
        found += [(number, m.group(1)) for m in _INLINE_LINK.finditer(prose)]
        found += [(number, m.group(1)) for m in _IMAGE_LINK.finditer(prose)]
    return found


def is_relative(target: str) -> bool:
    return not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//", target)


def broken_link(page: Path, target: str) -> str | None:
    """Why the relative link ``target`` on ``page`` leads nowhere, or None when it resolves."""
    path_part, _, anchor = target.partition("#")
    resolved = (page.parent / path_part).resolve() if path_part else page.resolve()
    if not resolved.exists():
        return f"{target}: no file {path_part}"
    if anchor and resolved.suffix == ".md" and anchor not in anchors_of(resolved):
        return f"{target}: no heading with anchor #{anchor} in {path_part or page.name}"
    return None


def broken_citation(citation: str) -> str | None:
    """Why a cited ``docs/page.md#anchor`` (relative to the repository root) leads nowhere, or None."""
    page, _, anchor = citation.partition("#")
    path = REPO / page
    if not path.is_file():
        return f"{citation}: no page {page}"
    if anchor and anchor not in anchors_of(path):
        return f"{citation}: no heading with anchor #{anchor} in {page}"
    return None


def citations(text: str) -> list[str]:
    """Every ``docs/<page>.md#<anchor>`` (or ``README.md#<anchor>``) cited in ``text``."""
    return [f"{page}#{anchor}" for page, anchor in CITATION.findall(text)]


def documentation_pages() -> list[Path]:
    """README.md and every Markdown page under docs/."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]

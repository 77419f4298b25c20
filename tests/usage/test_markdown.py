"""The usage Markdown shows names from manifests and providers as text, never as Markdown."""

from __future__ import annotations

import re
from decimal import Decimal

from byok_ci.model import Report
from byok_ci.usage.markdown import render
from byok_ci.usage.model import ContainerSpend, KeySummary
from byok_ci.usage.run import UsageResult

CRAFTED = "x`y|z <img src=https://evil.example/p.png> [click](https://evil.example) **bold** ![i](data:,) \u001b[31m"


def _rendered() -> str:
    row = KeySummary(env="prod", key=CRAFTED, provider="openai", month_usd=Decimal("1"))
    spend = ContainerSpend(env="prod", provider="openai", name=CRAFTED, month_usd=Decimal("2"))
    return render(UsageResult(Report(command="usage"), summaries=(row,), spend=(spend,),
                              notes=(CRAFTED + "\nsecond line",)), Report(command="usage"))


def test_a_crafted_name_adds_no_link_image_tag_column_or_line() -> None:
    text = _rendered()
    # Inside a code span Markdown and HTML are literal text; outside, nothing of the name is live.
    outside = re.sub(r"`` .*? ``", "", text)
    for live in (r"<img", r"\]\(", r"!\[", r"`y"):
        assert not re.search(r"(?<!\\)" + live, outside), live
    assert "\u001b" not in text
    key_row = next(line for line in text.splitlines() if line.startswith("| prod | ``"))
    # The code span is fenced by two backticks because the name holds one; the `|` inside is escaped.
    assert key_row.startswith("| prod | `` x`y\\|z ")
    cells = re.split(r"(?<!\\)\|", key_row)[1:-1]
    assert len(cells) == 8, cells  # the table's eight columns, none added
    spend_row = next(line for line in text.splitlines() if "$2.00" in line)
    assert len(re.split(r"(?<!\\)\|", spend_row)[1:-1]) == 5
    assert "\\<img" in spend_row and "\\[click\\]" in spend_row
    note = next(line for line in text.splitlines() if line.startswith("- "))
    assert note.endswith("second line")  # a note stays one list item

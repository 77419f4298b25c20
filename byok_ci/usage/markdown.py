"""The usage report people read: Markdown per environment and key (spend this month, forecast,
budget, a Unicode sparkline of daily tokens), for ``--markdown FILE`` and the GitHub job
summary, and an SVG chart per environment beside the Markdown file.

GitHub drops inline SVG and ``data:`` images from Markdown, so the trend in the table is a
sparkline and the chart is a separate file for the workflow to upload.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from byok_ci.model import Report, check_counts
from byok_ci.outbound import markdown_code as _code
from byok_ci.outbound import markdown_text as _cell
from byok_ci.usage.model import KeySummary
from byok_ci.usage.run import UsageResult

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """``[0, 5, 10]`` → ``▁▅█``: each value scaled to the largest."""
    top = max(values, default=0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, round(v / top * (len(BARS) - 1)))] for v in values)


def _money(value: Decimal | float | None) -> str:
    return "—" if value is None else f"${Decimal(str(value)).quantize(Decimal('0.01')):,}"


def _budget(row: KeySummary) -> str:
    parts = []
    if row.budget_usd is not None:
        share = ""
        if row.forecast_usd is not None or row.month_usd is not None:
            top = max(row.month_usd or Decimal(0), row.forecast_usd or Decimal(0))
            share = f" ({top / Decimal(str(row.budget_usd)):.0%} forecast)"
        parts.append(f"{_money(row.budget_usd)}/month{share}")
    if row.daily_budget is not None:
        parts.append(f"{row.daily_budget:,} tokens/day")
    return ", ".join(parts) or "—"


def render(result: UsageResult, report: Report) -> str:
    envs = sorted({c.suite.split("/", 1)[1] for c in report.checks if c.suite.startswith("usage/")})
    as_of = f" (as of {result.window.today})" if result.window else ""
    lines = [f"## byok-ci usage: {_cell(', '.join(envs)) or 'no environment'}{as_of}", ""]
    counts = check_counts(report.checks)
    lines += [" · ".join(f"{n} {outcome}" for outcome, n in counts.items() if n) or "no checks ran", ""]
    if result.summaries:
        days = max(len(row.daily_tokens) for row in result.summaries)
        lines += [f"| environment | key | provider | spend this month | forecast | budget | last day, tokens | "
                  f"trend ({days} days) |", "|---|---|---|---:|---:|---|---:|---|"]
        for row in result.summaries:
            spend = _money(row.month_usd) + (" ¹" if row.cost_note and "workspace" in row.cost_note else "")
            last = f"{row.last_day_tokens:,}" if row.last_day_tokens is not None else "—"
            lines.append(f"| {_cell(row.env)} | {_code(row.key)} | {_cell(row.provider)} | {spend} | {_money(row.forecast_usd)} | "
                         f"{_budget(row)} | {last} | {sparkline(row.daily_tokens)} |")
        lines.append("")
        if any(r.cost_note and "workspace" in r.cost_note for r in result.summaries):
            lines += ["¹ the key's workspace's cost: Anthropic reports cost per workspace, not per key.", ""]
        lines += ["Spend is what the provider's cost endpoint reports; the forecast is linear over the complete "
                  "days of the month.", ""]
    if result.spend:
        lines += ["| environment | provider | project or workspace | spend this month | forecast |",
                  "|---|---|---|---:|---:|"]
        lines += [f"| {_cell(row.env)} | {_cell(row.provider)} | {_cell(row.name)} | {_money(row.month_usd)} | "
                  f"{_money(row.forecast_usd)} |" for row in result.spend]
        lines.append("")
    problems = report.sorted_findings()
    if problems:
        lines += ["### Findings", "", "| rule | severity | key | message |", "|---|---|---|---|"]
        lines += [f"| {_code(f.rule_id)} | {f.severity} | {_code(f.key or '')} | {_cell(f.message)} |" for f in problems]
        lines.append("")
    if report.errors:
        lines += ["### Could not check", ""] + [f"- {_cell(e.one_line())}" for e in report.errors] + [""]
    if result.notes:
        lines += ["### What the providers do not report", ""] + [f"- {_cell(n)}" for n in result.notes] + [""]
    return "\n".join(lines)


def svg_chart(env: str, rows: Sequence[KeySummary], width: int = 640, height: int = 200) -> str:
    """A line per key of daily tokens over the days read (a plain SVG for a CI artifact)."""
    from xml.sax.saxutils import escape

    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
    top = max((v for r in rows for v in r.daily_tokens), default=0) or 1
    left, bottom, right, head = 60, 30, 10, 30
    plot_w, plot_h = width - left - right, height - head - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 18 * len(rows)}" '
           f'viewBox="0 0 {width} {height + 18 * len(rows)}" font-family="sans-serif" font-size="12">',
           f'<title>{escape(f"byok-ci usage: daily tokens per key, {env}")}</title>',
           f'<text x="{left}" y="18">{escape(f"Daily tokens per key: {env}")}</text>',
           f'<line x1="{left}" y1="{head + plot_h}" x2="{width - right}" y2="{head + plot_h}" stroke="#999"/>',
           f'<line x1="{left}" y1="{head}" x2="{left}" y2="{head + plot_h}" stroke="#999"/>',
           f'<text x="{left - 4}" y="{head + 4}" text-anchor="end">{top:,}</text>',
           f'<text x="{left - 4}" y="{head + plot_h}" text-anchor="end">0</text>']
    for i, row in enumerate(rows):
        values = row.daily_tokens
        step = plot_w / max(1, len(values) - 1)
        points = " ".join(f"{left + j * step:.1f},{head + plot_h - v / top * plot_h:.1f}" for j, v in enumerate(values))
        colour = colours[i % len(colours)]
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        out.append(f'<text x="{left}" y="{height + 14 + 18 * i}" fill="{colour}">{escape(row.key)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def chart_path(markdown: str, env: str) -> str:
    path = Path(markdown)
    return str(path.with_name(f"{path.stem}.{env}.svg"))


def write_markdown(result: UsageResult, report: Report, path: str, *, charts: bool = True, append: bool = False) -> None:
    """The Markdown report to ``path`` (appended for a job summary), every key in it redacted;
    with ``charts``, an SVG chart per environment beside it."""
    from byok_ci.outbound import RedactingWriter
    from byok_ci.report.output import write_file

    text = render(result, report)
    by_env: dict[str, list[KeySummary]] = {}
    for row in result.summaries:
        by_env.setdefault(row.env, []).append(row)
    if charts:
        for env, rows in by_env.items():
            svg = svg_chart(env, rows)
            write_file(chart_path(path, env), lambda handle, svg=svg: handle.write(svg))  # type: ignore[misc]
        text += "\n" + "\n".join(f"Chart: [{Path(chart_path(path, env)).name}]({Path(chart_path(path, env)).name})"
                                 for env in by_env) + "\n"

    def write(handle: TextIO) -> None:
        handle.write(text)

    if append:
        with open(path, "a", encoding="utf-8") as raw:
            redacted = RedactingWriter(raw)
            write(redacted)  # type: ignore[arg-type]
            redacted.flush()
    else:
        write_file(path, write)

"""GitHub Actions: workflow-command annotations and a Markdown job summary.

Annotations go to standard output (the runner turns them into inline comments on the pull
request); GitHub shows at most 10 error annotations per step, so only the first findings are
annotated, de-duplicated, with a notice saying how many more exist.
"""

from __future__ import annotations

from typing import TextIO

from collections.abc import Iterable

from byok_ci.model import FOUND_IN, OUTCOMES, PROBE_TITLES, PROBES, REACHABILITY, Finding, Report
from byok_ci.outbound import escape_terminal, escaped_report, markdown_code
from byok_ci.outbound import markdown_text as _cell

MAX_ANNOTATIONS = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: str | int | None) -> str:
    """One ``::command name=value,...::message`` line: the only way byok-ci writes one.

    Every value is data (a file name can hold a newline and ``::stop-commands::``), so
    control characters are made visible first, then the runner's own escaping applies.
    """
    props = ",".join(
        f"{name}={escape_property(escape_terminal(str(value)))}"
        for name, value in properties.items() if value is not None and value != ""
    )
    return f"::{command}{' ' + props if props else ''}::{escape_data(escape_terminal(message))}"


def annotation(f: Finding) -> str:
    level = "error" if f.severity == "error" else "warning"
    where = f" (commit {f.commit[:12]})" if f.commit else ""
    if f.reachability:
        where = f" ({f'commit {f.commit[:12]}, ' if f.commit else ''}{REACHABILITY[f.reachability]})"
    if f.found_in:
        # A key in a name: the redacted name is no file to attach the annotation to.
        return workflow_command(level, f"{f.message}: {FOUND_IN[f.found_in]} {f.path} ({f.redacted}){where}",
                                title=f"byok-ci: {f.rule_id}")
    shown = f"{f.message}: {f.redacted}" if f.redacted else f.message  # manifest/drift findings may have none
    return workflow_command(level, f"{shown}{where}", file=f.path, line=f.line,
                            col=f.column or None, title=f"byok-ci: {f.rule_id}")


def write(report: Report, stream: TextIO, *, limit: int = MAX_ANNOTATIONS, **_options: object) -> None:
    """Annotations for the first ``limit`` distinct findings, and one per error."""
    seen: set[tuple[str, int, str]] = set()
    shown = 0
    findings = report.sorted_findings()
    for f in findings:
        identity = (f.path, f.line, f.rule_id)
        if identity in seen:
            continue
        seen.add(identity)
        if shown < limit:
            stream.write(annotation(f) + "\n")
            shown += 1
    if len(seen) > shown:
        more = f"{len(seen) - shown} more findings are not annotated; see the job summary or the reports."
        stream.write(workflow_command("notice", more, title="byok-ci") + "\n")
    for error in report.errors:
        stream.write(workflow_command("warning", error.one_line(), title=f"byok-ci could not check {error.path}") + "\n")


def write_summary(report: Report, stream: TextIO, *, title: str = "byok-ci", notices: Iterable[str] = ()) -> None:
    """A Markdown job summary for ``$GITHUB_STEP_SUMMARY``: check counts by suite, the
    findings, what could not be checked, ``notices``, and the drift matrix."""
    report = escaped_report(report)  # file names and messages are data: no control characters
    findings = report.sorted_findings()
    stream.write(f"## {title}: {report.command}\n\n")
    if report.checks:
        suites: dict[str, dict[str, int]] = {}
        for check in report.checks:
            counts = suites.setdefault(check.suite, {})
            counts[check.outcome] = counts.get(check.outcome, 0) + 1
        stream.write("| suite | passed | failed | warning | inconclusive | skipped | error |\n"
                     "|---|---:|---:|---:|---:|---:|---:|\n")
        for suite, counts in suites.items():
            cells = " | ".join(str(counts.get(o, 0)) for o in OUTCOMES)
            stream.write(f"| {_cell(suite)} | {cells} |\n")
        stream.write("\n")
    if not findings and any(e.blocking for e in report.errors):
        stream.write(f"**Incomplete, not clean**: no key in what could be read ({report.stats.files} files checked), "
                     "but not everything could be checked (below).\n")
    elif not findings:
        stream.write(f"No leaks found ({report.stats.files} files checked).\n")
    else:
        stream.write(f"**{len(findings)} finding{'s' if len(findings) != 1 else ''}**\n\n")
        stream.write("| file | line | rule | message | redacted | commit |\n|---|---:|---|---|---|---|\n")
        for f in findings:
            commit = f.commit[:12] if f.commit else ""
            line = FOUND_IN[f.found_in] if f.found_in else f.line
            redacted = markdown_code(f.redacted) if f.redacted else ""
            stream.write(f"| {_cell(f.path)} | {line} | {f.rule_id} | {_cell(f.message)} | {redacted} | {commit} |\n")
    if report.errors:
        stream.write("\n**Could not check:**\n\n")
        for error in report.errors:
            stream.write(f"- {_cell(error.one_line())}\n")
    stream.write("\n")
    for notice in notices:
        stream.write(f"> {escape_terminal(notice)}\n\n")
    matrix = drift_matrix(report)
    if matrix:
        stream.write("### Drift\n\n" + matrix + "\n")


def drift_matrix(report: Report) -> str:
    """Markdown: environment × key, each probe's outcome, the probes in the order they run:
    real → invalid → no-auth → metadata."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    kinds: set[str] = set()
    for check in report.checks:
        if check.drift is not None:
            rows.setdefault((check.drift.env, check.drift.key), {})[check.drift.probe] = check.outcome
            kinds.add(check.drift.probe)
    if not rows:
        return ""
    probes = [p for p in PROBES if p in kinds]
    titles = {p: _cell(PROBE_TITLES[p]) for p in probes}
    lines = ["| environment | key | " + " | ".join(titles.values()) + " |", "|---|---|" + "---|" * len(probes)]
    for (env, key), cells in sorted(rows.items()):
        lines.append(f"| {_cell(env)} | {_cell(key)} | " + " | ".join(cells.get(p, "") for p in probes) + " |")
    return "\n".join(lines) + "\n"

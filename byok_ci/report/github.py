"""GitHub Actions: workflow-command annotations and a Markdown job summary.

Annotations go to standard output (the runner turns them into inline comments on the pull
request); GitHub shows at most 10 error annotations per step, so only the first findings are
annotated, de-duplicated, with a notice saying how many more exist.
"""

from __future__ import annotations

from typing import TextIO

from byok_ci.model import OUTCOMES, Finding, Report

MAX_ANNOTATIONS = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    level = "error" if f.severity == "error" else "warning"
    props = [f"file={escape_property(f.path)}", f"line={f.line}"]
    if f.column:
        props.append(f"col={f.column}")
    props.append(f"title={escape_property(f'byok-ci: {f.rule_id}')}")
    where = f" (commit {f.commit[:12]})" if f.commit else ""
    shown = f"{f.message}: {f.redacted}" if f.redacted else f.message  # manifest/drift findings may have none
    return f"::{level} {','.join(props)}::{escape_data(shown + where)}"


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
        stream.write(f"::notice title=byok-ci::{escape_data(f'{len(seen) - shown} more findings are not annotated; see the job summary or the reports.')}\n")
    for error in report.errors:
        stream.write(f"::warning title=byok-ci could not check {escape_property(error.path)}::{escape_data(error.one_line())}\n")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_summary(report: Report, stream: TextIO, *, title: str = "byok-ci") -> None:
    """A Markdown job summary for ``$GITHUB_STEP_SUMMARY``."""
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
        stream.write(f"**Incomplete**: no leaks found in what could be read ({report.stats.files} files checked), "
                     "but not everything could be checked (below).\n")
    elif not findings:
        stream.write(f"No leaks found ({report.stats.files} files checked).\n")
    else:
        stream.write(f"**{len(findings)} finding{'s' if len(findings) != 1 else ''}**\n\n")
        stream.write("| file | line | rule | message | redacted | commit |\n|---|---:|---|---|---|---|\n")
        for f in findings:
            commit = f.commit[:12] if f.commit else ""
            redacted = f"`{_cell(f.redacted)}`" if f.redacted else ""
            stream.write(f"| {_cell(f.path)} | {f.line} | {f.rule_id} | {_cell(f.message)} | {redacted} | {commit} |\n")
    if report.errors:
        stream.write("\n**Could not check:**\n\n")
        for error in report.errors:
            stream.write(f"- {_cell(error.one_line())}\n")
    stream.write("\n")

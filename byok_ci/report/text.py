"""Human-readable text, grouped by file; coloured only on a terminal without NO_COLOR."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from itertools import groupby
from typing import TextIO

from byok_ci.model import FOUND_IN, REACHABILITY, Check, Report, check_counts
from byok_ci.outbound import escaped_report

_STYLES = {"path": "\033[1m", "error": "\033[31m", "warning": "\033[33m", "dim": "\033[2m", "ok": "\033[32m"}
_RESET = "\033[0m"


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def write(report: Report, stream: TextIO, *, color: bool = False, quiet: bool = False, **_options: object) -> None:
    def paint(style: str, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    # File names and messages are data: no control characters. The rules' descriptions are not
    # printed here, and escaping every one cost a hook's report ~3 M instructions.
    report = escaped_report(replace(report, rules={}))
    findings = report.sorted_findings()
    for path, group in groupby(findings, key=lambda f: f.path):
        stream.write(paint("path", path) + "\n")
        for f in group:
            where = FOUND_IN[f.found_in] if f.found_in else f"{f.line}:{f.column}"
            commit = f"  commit {f.commit[:12]}" if f.commit else ""
            extra = "".join(f"  {name} {value}" for name, value in (("source", f.source), ("encoding", f.encoding)) if value)
            extra += "  history only" if f.history_only else ""
            extra += f"  {REACHABILITY[f.reachability]}" if f.reachability else ""
            redacted = f"  {f.redacted}" if f.redacted else ""  # manifest and drift findings may have none
            stream.write(
                f"  {where:>9}  {paint(f.severity, f.severity)}  {f.rule_id}{redacted}"
                f"  {paint('dim', 'fp ' + f.fingerprint)}{commit}{extra}\n"
                f"             {f.message}\n"
            )
    if quiet:
        return
    if report.checks or report.command != "scan":
        _write_checks(report, stream, paint)
        return
    stats = report.stats
    scanned = f"{stats.files} files, {_human_bytes(stats.bytes)} in {stats.seconds:.2f}s"
    if stats.commits is not None:  # git scans: files are file versions, bytes are added lines
        scanned = f"{stats.commits} commits, " + scanned
    if findings:
        files = len({f.path for f in findings if f.found_in in (None, "path")})
        noun = "finding" if len(findings) == 1 else "findings"
        summary = paint("error", f"{len(findings)} {noun} in {files} file{'s' if files != 1 else ''}")
    elif report.errors:  # what could not be read is never "no leaks found"
        summary = paint("error", "incomplete, not clean: no key in what could be read, but not everything was")
    else:
        summary = paint("ok", "no leaks found")
    count = len(report.errors)
    problems = f", {count} problem{'s' if count != 1 else ''} reported as errors" if count else ""
    held = ", ".join(f"{n} {name}" for name, n in (("baselined", stats.baselined), ("ignored", stats.ignored),
                                                   ("allowed", stats.allowed)) if n)
    held = f"; known and held back: {held}" if held else ""
    stream.write(f"{summary} ({scanned}{problems}{held})\n")


def _counts_text(checks: Iterable[Check]) -> str:
    counts = check_counts(checks)
    words = {"warning": "warnings", "error": "errors"}
    return ", ".join(f"{n} {words.get(outcome, outcome) if n != 1 else outcome}"
                     for outcome, n in counts.items() if n or outcome in ("passed", "failed"))


def _write_checks(report: Report, stream: TextIO, paint) -> None:  # type: ignore[no-untyped-def]
    """One line per suite ("manifest/prod: 14 passed, 1 failed"), then the whole run."""
    suites: dict[str, list[Check]] = {}
    for check in report.checks:
        suites.setdefault(check.suite, []).append(check)
    for suite, checks in suites.items():
        stream.write(f"{suite}: {_counts_text(checks)}\n")
        for check in checks:
            if check.outcome in ("inconclusive", "error"):  # failed checks are among the findings above
                label = f"{check.outcome.upper():<12}"
                stream.write(f"  {paint('warning' if check.outcome == 'inconclusive' else 'error', label)} "
                             f"{check.name}: {check.detail}\n")
    counts = check_counts(report.checks)
    style = "error" if counts["failed"] or counts["error"] else "warning" if counts["warning"] or counts["inconclusive"] else "ok"
    errors = len(report.errors)
    problems = f", {errors} problem{'s' if errors != 1 else ''} reported as errors" if errors else ""
    stream.write(paint(style, f"{len(report.checks)} check{'s' if len(report.checks) != 1 else ''}: {_counts_text(report.checks)}") + f" ({report.stats.seconds:.2f}s{problems})\n")

"""Human-readable text, grouped by file; coloured only on a terminal without NO_COLOR."""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from byok_ci.model import Report

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

    findings = report.sorted_findings()
    for path, group in groupby(findings, key=lambda f: f.path):
        stream.write(paint("path", path) + "\n")
        for f in group:
            where = f"{f.line}:{f.column}"
            commit = f"  commit {f.commit[:12]}" if f.commit else ""
            extra = "".join(f"  {name} {value}" for name, value in (("source", f.source), ("encoding", f.encoding)) if value)
            extra += "  history only" if f.history_only else ""
            stream.write(
                f"  {where:>9}  {paint(f.severity, f.severity)}  {f.rule_id}  {f.redacted}"
                f"  {paint('dim', 'fp ' + f.fingerprint)}{commit}{extra}\n"
                f"             {f.message}\n"
            )
    if quiet:
        return
    stats = report.stats
    scanned = f"{stats.files} files, {_human_bytes(stats.bytes)} in {stats.seconds:.2f}s"
    if stats.commits is not None:  # git scans: files are file versions, bytes are added lines
        scanned = f"{stats.commits} commits, " + scanned
    if findings:
        files = len({f.path for f in findings})
        noun = "finding" if len(findings) == 1 else "findings"
        summary = paint("error", f"{len(findings)} {noun} in {files} file{'s' if files != 1 else ''}")
    else:
        summary = paint("ok", "no leaks found")
    count = len(report.errors)
    problems = f", {count} problem{'s' if count != 1 else ''} reported as errors" if count else ""
    stream.write(f"{summary} ({scanned}{problems})\n")

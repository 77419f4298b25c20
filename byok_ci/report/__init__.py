"""Reporters: one module per format, each ``write(report, stream)``.

A reporter never closes a stream it did not open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TextIO

if TYPE_CHECKING:
    from byok_ci.model import Report

FORMATS = ("text", "json", "junit", "sarif", "github")


def writer(name: str) -> Callable[..., None]:
    """The ``write`` function of format ``name``, imported only when asked for."""
    if name == "text":
        from byok_ci.report.text import write
    elif name == "json":
        from byok_ci.report.json import write
    elif name == "junit":
        from byok_ci.report.junit import write
    elif name == "sarif":
        from byok_ci.report.sarif import write
    elif name == "github":
        from byok_ci.report.github import write
    else:
        raise ValueError(f"unknown report format {name!r}")
    return write


def write_report(report: Report, name: str, stream: TextIO, **options: object) -> None:
    writer(name)(report, stream, **options)

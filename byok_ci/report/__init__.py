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
    import importlib

    if name not in FORMATS:
        raise ValueError(f"unknown report format {name!r}")
    write: Callable[..., None] = importlib.import_module(f"byok_ci.report.{name}").write
    return write


def write_report(report: Report, name: str, stream: TextIO, **options: object) -> None:
    """Write ``report`` in format ``name``, every key in it redacted (a file name, a value
    quoted in an error) whatever the format."""
    from byok_ci.outbound import RedactingWriter, keep_identifiers

    if isinstance(stream, RedactingWriter):  # already redacted on its way out
        writer(name)(report, stream, **options)
        return
    keep_identifiers(f.commit for f in report.findings)
    redacted = RedactingWriter(stream)
    writer(name)(report, redacted, **options)
    redacted.flush()

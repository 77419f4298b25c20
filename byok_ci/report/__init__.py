"""Reporters: one module per format, each ``write(report, stream)``.

A reporter never closes a stream it did not open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from byok_ci.model import Report


def _text(report: Report, stream: TextIO, **options: Any) -> None:
    from byok_ci.report.text import write

    write(report, stream, **options)


def _json(report: Report, stream: TextIO, **options: Any) -> None:
    from byok_ci.report.json import write

    write(report, stream, **options)


def _junit(report: Report, stream: TextIO, **options: Any) -> None:
    from byok_ci.report.junit import write

    write(report, stream, **options)


def _sarif(report: Report, stream: TextIO, **options: Any) -> None:
    from byok_ci.report.sarif import write

    write(report, stream, **options)


def _github(report: Report, stream: TextIO, **options: Any) -> None:
    from byok_ci.report.github import write

    write(report, stream, **options)


def _gitlab(report: Report, stream: TextIO, **options: Any) -> None:
    from byok_ci.report.gitlab import write

    write(report, stream, **options)


# The one registry of formats: a new format is a module with ``write(report, stream)`` and a
# line here. Each writer imports its module only when it is called (the scan's hot path).
WRITERS: dict[str, Callable[..., None]] = {
    "text": _text,
    "json": _json,
    "junit": _junit,
    "sarif": _sarif,
    "github": _github,
    "gitlab": _gitlab,
}
FORMATS = tuple(WRITERS)


def writer(name: str) -> Callable[..., None]:
    """The ``write`` function of format ``name``."""
    try:
        return WRITERS[name]
    except KeyError:
        raise ValueError(f"unknown report format {name!r}") from None


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

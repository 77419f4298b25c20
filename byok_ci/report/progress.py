"""Progress bars on standard error for long scans, shown only on a terminal."""

from __future__ import annotations

import sys
from typing import Any, TextIO

PROGRESS_MIN_BYTES = 64 * 1024 * 1024  # smaller scans take a second or two: no bar


class Progress:
    """A ``progress(done, total)`` callback drawing a bar on ``stream``, started by the first
    call whose ``total`` reaches ``min_total``. ``shift`` scales the counts (20: megabytes).
    Use it as a context manager, so the bar is closed however the scan ends."""

    def __init__(self, label: str, *, shift: int = 0, min_total: int = 0, stream: TextIO | None = None) -> None:
        self.label, self.shift, self.min_total = label, shift, min_total
        self.stream = stream if stream is not None else sys.stderr
        self._bar: Any = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        if self._bar is None:
            import click

            self._bar = click.progressbar(length=total >> self.shift, label=self.label, file=self.stream)
            self._bar.__enter__()
        self._bar.update((done >> self.shift) - self._shown)
        self._shown = done >> self.shift

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def on_terminal(stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


def byte_progress(stream: TextIO | None = None) -> Progress:
    """The bar of a file scan, in megabytes, for scans of at least :data:`PROGRESS_MIN_BYTES`."""
    return Progress("byok-ci: MB", shift=20, min_total=PROGRESS_MIN_BYTES, stream=stream)


def commit_progress(stream: TextIO | None = None) -> Progress:
    """The bar of a history scan, in commits."""
    return Progress("byok-ci: commits", stream=stream)

"""Where reports go: files written whole or not at all, then standard output.

Every command that reports calls :func:`write_outputs`; what could not be written becomes
an error of the report it returns, so the exit code counts it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from byok_ci.model import Report, ScanError


def write_outputs(
    report: Report,
    fmt: str,
    output: str | None,
    extra: Mapping[str, str | None],
    *,
    on_error: Callable[[ScanError], None],
    quiet: bool = False,
    color: bool = False,
) -> Report:
    """Write ``report`` as ``fmt`` to ``output`` (standard output when None) and as each
    format of ``extra`` to its file. Files first, standard output last, so a closed pipe
    never costs a report file. ``on_error`` hears of each write that failed; the report
    returned lists them after its own errors."""
    from byok_ci.outbound import close_stdout_quietly, keep_identifiers
    from byok_ci.report import write_report

    keep_identifiers(f.commit for f in report.findings)
    failures: list[ScanError] = []

    def failed(path: str, name: str, exc: OSError) -> None:
        error = ScanError(path, f"cannot write {name} report: {(exc.strerror or str(exc)).lower()}")
        failures.append(error)
        on_error(error)

    targets = [(fmt, output), *((name, path) for name, path in extra.items() if path)]
    for name, path in targets:
        if path is None:
            continue
        try:
            write_file(path, lambda handle, name=name: write_report(report, name, handle, quiet=quiet))  # type: ignore[misc]
        except OSError as exc:
            failed(path, name, exc)
    if output is None:
        try:
            write_report(report, fmt, sys.stdout, quiet=quiet, color=color and fmt == "text")
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): the command still finishes its other
            # outputs, and exits 141 (byok_ci.exitcodes.CLOSED_PIPE).
            close_stdout_quietly()
        except OSError as exc:
            # Standard output redirected to a full disk: say so; the exit code counts it.
            failed("<stdout>", fmt, exc)
            _silence_stdout()
    return report.with_errors(after=failures)


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def write_file(path: str, write: Callable[[TextIO], None]) -> None:
    """Write a report to ``path``, every key in it redacted.

    A regular file (or a path that does not exist yet) is written to a temporary file
    beside it and renamed into place, so an interrupted run never leaves a partial report
    that looks complete; through a symbolic link the file it points to is replaced and the
    link stays. Anything else (``/dev/null``, a FIFO, ``/dev/fd/N``, a socket) is opened and
    written as it is: renaming over it would put a regular file in its place.
    """
    from byok_ci.outbound import RedactingWriter

    committed = committed_link(path)
    if committed:
        # A checkout's commit chose where such a link points: writing through it would let a
        # pull request overwrite (or create) any file the job can write.
        raise PermissionError(errno.EPERM, f"{committed} is a symbolic link tracked by git; not written through "
                                           "(remove the link or write the report elsewhere)")
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "w", encoding="utf-8") as handle:
            redacted = RedactingWriter(handle)
            write(redacted)  # type: ignore[arg-type]
            redacted.flush()
        return
    target = os.path.realpath(path)
    fd, partial = _new_partial(os.path.dirname(target))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            redacted = RedactingWriter(handle)
            write(redacted)  # type: ignore[arg-type]
            redacted.flush()
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


# tempfile.mkstemp's flags: a new file of this process's alone, never through a link.
_PARTIAL_FLAGS = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
                  | getattr(os, "O_BINARY", 0))


def _new_partial(directory: str) -> tuple[int, str]:
    """A new, empty file in ``directory`` readable by its owner alone, open, and its path:
    what ``tempfile.mkstemp`` makes, without importing tempfile (with shutil and random,
    10-20 ms at the end of every scan that writes a report file)."""
    for _ in range(100):
        partial = os.path.join(directory, f".byok-ci-{os.urandom(6).hex()}.partial")
        try:
            return os.open(partial, _PARTIAL_FLAGS, 0o600), partial
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused name for a report being written", directory)


def committed_link(path: str) -> str:
    """The first component of ``path`` that is a symbolic link git tracks (a commit made it),
    or "". Only links are asked about, so an ordinary path costs no git process (nor the
    import of subprocess)."""
    current = os.path.abspath(path)
    while True:
        if os.path.islink(current):
            import subprocess

            try:
                done = subprocess.run(["git", "ls-files", "--error-unmatch", "--", os.path.basename(current)],
                                      cwd=os.path.dirname(current), capture_output=True, check=False)
            except OSError:
                return ""  # no git: nothing can be tracked
            if done.returncode == 0:
                return current
        parent = os.path.dirname(current)
        if parent == current:
            return ""
        current = parent


def append_summary(path: str, report: Report, notices: tuple[str, ...] = ()) -> None:
    """Append the Markdown job summary of ``report`` to ``path`` ($GITHUB_STEP_SUMMARY)."""
    from byok_ci.outbound import RedactingWriter, keep_identifiers
    from byok_ci.report.github import write_summary

    keep_identifiers(f.commit for f in report.findings)
    with open(path, "a", encoding="utf-8") as raw:
        handle = RedactingWriter(raw)
        write_summary(report, handle, title="byok-ci", notices=notices)  # type: ignore[arg-type]
        handle.flush()

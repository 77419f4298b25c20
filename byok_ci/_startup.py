"""The cyclic garbage collector, paused while `byok-ci scan` starts (issue 16 §1).

Start-up (click's and byok-ci's modules, their dataclasses, the options, the rules) makes
tens of thousands of objects that live as long as the process and no cyclic garbage: the
collector only walks them again and again, about a tenth of a pre-commit hook's CPU time.
In a process that is the `byok-ci scan` command (not an import of byok-ci by another
program or a test), collection is paused from the package's first import (the console
script's) or the CLI's (``python -m byok_ci``) until the scan has imported what it runs, then
resumed with what start-up made frozen (:func:`gc.freeze`: never walked again, nor at exit),
so the scan itself collects as any program does. The same process defines its records'
dataclass methods from texts compiled with the package (:mod:`byok_ci._precompiled`)
instead of compiling them as each class is defined.

When that process is done (its reports written, its exit code decided) it ends at once
(:func:`exit_now`) instead of tearing down every module and object one by one, as long as
nothing waits for the end: no other thread, no worker processes, no ``atexit`` handler.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading


_SCRIPTS = ("byok-ci", "byok-ci.exe", "byok-ci-script.py")


def _is_the_scan_command() -> bool:
    """``byok-ci scan …`` (the console script) or ``python -m byok_ci scan …``."""
    if sys.argv[1:2] != ["scan"]:
        return False
    main = sys.modules.get("__main__")
    return (os.path.basename(sys.argv[0]) in _SCRIPTS
            or getattr(getattr(main, "__spec__", None), "name", "") == "byok_ci.__main__")


_paused = False
_the_command = False


def pause_collection() -> None:
    """Pause the collector if this process is the scan command (and it is on), and have its
    records' dataclass methods defined from their compiled texts (:mod:`byok_ci._precompiled`)."""
    global _paused, _the_command
    if not _paused and gc.isenabled() and _is_the_scan_command():
        gc.disable()
        _paused = _the_command = True
        from byok_ci import _precompiled

        _precompiled.install()


def resume_collection() -> None:
    """Resume what :func:`pause_collection` paused, start-up's objects frozen; else nothing."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def exit_now(code: object) -> None:
    """End the scan command's process with ``code`` (``sys.exit``'s) without tearing it down,
    standard output and error flushed; returns (the caller exits as usual) in any other
    process, or when anything waits for the end or cannot be flushed."""
    if not _the_command or not isinstance(code, int):
        return  # click and byok_ci.cli.options.finish exit with a code; anything else, as usual
    # atexit._ncallbacks is CPython's count of registered handlers; without it, wait as usual.
    handlers = getattr(atexit, "_ncallbacks", None)
    if handlers is None or handlers() or threading.active_count() != 1:
        return
    if "multiprocessing" in sys.modules or "concurrent.futures" in sys.modules:
        return  # workers, or threads that join at exit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        return  # a closed pipe, a full disk, no stream at all: the usual exit, as before
    os._exit(code)

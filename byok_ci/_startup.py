"""The cyclic garbage collector, paused while `byok-ci scan` starts (issue 16 §1).

Start-up (click's and byok-ci's modules, their dataclasses, the options, the rules) makes
tens of thousands of objects that live as long as the process and no cyclic garbage: the
collector only walks them again and again, about a tenth of a pre-commit hook's CPU time.
In a process that is the `byok-ci scan` command (not an import of byok-ci by another
program or a test), collection is paused from the package's first import (the console
script's) or the CLI's (``python -m byok_ci``) until the scan has imported what it runs, then
resumed with what start-up made frozen (:func:`gc.freeze`: never walked again, nor at exit),
so the scan itself collects as any program does.
"""

from __future__ import annotations

import gc
import os
import sys


_SCRIPTS = ("byok-ci", "byok-ci.exe", "byok-ci-script.py")


def _is_the_scan_command() -> bool:
    """``byok-ci scan …`` (the console script) or ``python -m byok_ci scan …``."""
    if sys.argv[1:2] != ["scan"]:
        return False
    main = sys.modules.get("__main__")
    return (os.path.basename(sys.argv[0]) in _SCRIPTS
            or getattr(getattr(main, "__spec__", None), "name", "") == "byok_ci.__main__")


_paused = False


def pause_collection() -> None:
    """Pause the collector if this process is the scan command (and it is on)."""
    global _paused
    if not _paused and gc.isenabled() and _is_the_scan_command():
        gc.disable()
        _paused = True


def resume_collection() -> None:
    """Resume what :func:`pause_collection` paused, start-up's objects frozen; else nothing."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()

"""Helpers for tests that drive real byok-ci processes."""

from __future__ import annotations

import os
import time
from pathlib import Path


def slow_tree(root: Path, files: int = 1200) -> Path:
    """``root``/big: plain files a scan reads for a few seconds (``BYOK_CI_PREFILTER=python``),
    so a signal sent once :func:`wait_until_reading` returns arrives mid-scan. (150 files were
    read in a fraction of a second once reads got fast: the waiter missed every open file,
    and the signal tests skipped on a quiet machine.)"""
    big = root / "big"
    big.mkdir()
    text = "plain text line with sk- and hf_ in it\n" * 4000
    for n in range(files):
        (big / f"f{n}.txt").write_text(text)
    return big


def wait_until_reading(pid: int, tree: Path, timeout: float = 20) -> None:
    """Until the scan (or one of its workers) has a file of ``tree`` open: on a busy machine
    a fixed sleep can signal a process still importing, before the CLI handles signals.
    Never seeing it is an error, not a signal sent at a guess."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                pids += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
        for each in pids:
            try:
                links = [os.readlink(fd) for fd in Path(f"/proc/{each}/fd").iterdir()]
            except OSError:
                continue
            if any(link.startswith(str(tree)) for link in links):
                return
        time.sleep(0.005)
    raise TimeoutError(f"no process of {pid} opened a file of {tree} within {timeout} s")

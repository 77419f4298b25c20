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


def wait_until_reading(pid: int, tree: Path, timeout: float = 60, past: int = 32 * 1024 * 1024) -> None:
    """Until the scan (or one of its workers) is reading ``tree``: on a busy machine a fixed
    sleep can signal a process still importing, before the CLI handles signals. Never seeing
    it is an error, not a signal sent at a guess.

    Reading shows as a file of ``tree`` open, or as more than ``past`` bytes read in all
    (``rchar`` of ``/proc/PID/io``; start-up reads a few MB, :func:`slow_tree` 190). A file is
    read whole in one ``read`` and closed before it is scanned, so its descriptor is open a
    few microseconds of every file's milliseconds: sampled alone, CI's busier machine missed
    all of them for 20 s once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                pids += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                pass
        read = 0
        for each in pids:
            try:
                links = [os.readlink(fd) for fd in Path(f"/proc/{each}/fd").iterdir()]
                read += _bytes_read(Path(f"/proc/{each}/io").read_text())
            except OSError:
                continue
            if any(link.startswith(str(tree)) for link in links):
                return
        if read > past:
            return
        time.sleep(0.005)
    raise TimeoutError(f"no process of {pid} read {tree} within {timeout} s")


def _bytes_read(io: str) -> int:
    for line in io.splitlines():
        name, _, value = line.partition(":")
        if name == "rchar":
            return int(value)
    return 0

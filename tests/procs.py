"""Helpers for tests that drive real byok-ci processes."""

from __future__ import annotations

import os
import time
from pathlib import Path


def wait_until_reading(pid: int, tree: Path, timeout: float = 20) -> None:
    """Until the scan (or one of its workers) has a file of ``tree`` open: on a busy machine
    a fixed sleep can signal a process still importing, before the CLI handles signals."""
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

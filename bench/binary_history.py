"""What reading every binary file version costs a history scan (UTF-16 files are told
from other binaries by their bytes, so each version git diffs as binary is read once).

Builds a history of ``--commits`` commits each adding a random binary file of ``--size``
bytes (the worst case: nothing but binaries), scans it in-process and prints CPU seconds
(this process and its git children) and peak RSS. Run it from a tree to measure that
tree's code (before/after: run the same script from a checkout of main)::

    .venv/bin/python bench/binary_history.py --commits 400 --size 200000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from byok_ci.scan_git import GitTarget, scan_git  # noqa: E402

ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def build(repo: Path, commits: int, size: int) -> None:
    rng = random.Random(7)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=ENV)
    stream = bytearray()
    for n in range(commits):
        data = rng.randbytes(size)
        stream += b"commit refs/heads/main\ncommitter A <a@example.com> %d +0000\ndata 3\nadd\n" % (1_700_000_000 + n)
        stream += b"M 100644 inline bin/%d.dat\ndata %d\n%s\n" % (n, len(data), data)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True, env=ENV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--build", help=argparse.SUPPRESS)  # in a child: its memory is not the scan's
    args = parser.parse_args()
    if args.build:
        build(Path(args.build), args.commits, args.size)
        return
    with tempfile.TemporaryDirectory(prefix="byok-ci-binary-history-") as tmp:
        repo = Path(tmp) / "repo"
        subprocess.run([sys.executable, __file__, "--commits", str(args.commits), "--size", str(args.size),
                        "--build", str(repo)], check=True)
        before, started = cpu(), time.perf_counter()  # after the build's child: not counted
        report = scan_git(GitTarget("history"), cwd=str(repo))
        spent, wall = cpu() - before, time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.commits} binary versions of {args.size:,} B: {spent:.2f} s CPU (with git), {wall:.2f} s wall, "
          f"peak RSS {peak:.0f} MiB, skipped_binary {report.stats.skipped_binary}, load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

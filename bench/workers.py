"""Directory scans with and without worker processes: wall time, the main process's CPU and
the workers', in-process (``scan_paths``, start-up not included), interleaved.

For each DIR: ``-j 1`` and ``-j JOBS`` with workers forced whatever the tree's size (the
threshold, ``PARALLEL_MIN_BYTES``, set to 0), so the size from which workers pay off can be
read on the machine at hand (on a shared machine the second core may not be free: read the
CPU columns then). Run it with another checkout first on ``PYTHONPATH`` for "before".

Usage: .venv/bin/python bench/workers.py DIR [DIR ...] [--runs 7] [--jobs 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import statistics
import time
from pathlib import Path


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    import byok_ci
    import byok_ci.scan as scan
    from byok_ci.config import Settings

    def run(directory: Path, jobs: int) -> tuple[float, float, float]:
        settings = dataclasses.replace(Settings(), jobs=jobs)
        main_before, workers_before = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        scan.scan_paths([directory], settings=settings)
        wall = time.perf_counter() - started
        return wall, _cpu(resource.RUSAGE_SELF) - main_before, _cpu(resource.RUSAGE_CHILDREN) - workers_before

    scan.PARALLEL_MIN_BYTES = {kind: 0 for kind in scan.PARALLEL_MIN_BYTES}
    print(f"byok_ci from {Path(byok_ci.__file__).parent}; load average {os.getloadavg()[0]:.1f}; "
          f"median of {args.runs} runs\n")
    print("| tree | MB | files | -j | wall s | main CPU s | workers CPU s | CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for directory in args.dirs:
        files = [p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()]
        size = sum(p.stat().st_size for p in files) / 1e6
        run(directory, 1)  # warm: page cache, Hyperscan's database
        results: dict[int, list[tuple[float, float, float]]] = {1: [], args.jobs: []}
        for _ in range(args.runs):
            for jobs in results:
                results[jobs].append(run(directory, jobs))
        for jobs, rows in results.items():
            wall, main_cpu, workers_cpu = (statistics.median(row[i] for row in rows) for i in range(3))
            print(f"| {directory.name} | {size:.1f} | {len(files)} | {jobs} | {wall:.3f} | {main_cpu:.3f} | "
                  f"{workers_cpu:.3f} | {main_cpu + workers_cpu:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load benchmark: 100,000 small files and one 2 GB file. Peak memory, wall time, file descriptors.

Not a test (it takes minutes and gigabytes of disk). Generates its inputs under --workdir,
runs `byok-ci scan` on them under `/usr/bin/time -v`, and deletes everything it generated
afterwards (unless --keep). Keys are generated at run time from byok-ci's shipped rules
(`byok_ci.keygen`); this file holds none.

Cases:
  small        --files small files (about 200 bytes each) in 100 directories, --keys of them
               holding a key. Every key must be found. File descriptors of byok-ci and its
               workers are sampled from /proc every 20 ms while it runs.
  small-fds    the same tree with `ulimit -n 64` (RLIMIT_NOFILE): a descriptor leak would
               make the scan fail after about 60 files; it must find every key.
  big-default  one --big-gb GB text file with keys on known lines, default --max-file-size
               (50 MB): reported as too big, memory stays small.
  big-whole    the same file with --max-file-size raised above its size: the file is read
               whole today, so memory grows with the file (skip with --skip-whole).

  scale-Nx     (--scale-tree DIR) the tree DIR, and 2x and 5x it (hard-linked copies side
               by side): wall time should grow linearly, peak RSS stay flat.
  small-N      (--small-sizes 100000,300000,1000000) the small-file tree grown to each size
               in turn: peak RSS at the largest should be within 10 MB of the smallest.

Usage:
  python bench/load.py                       # 100,000 files, 2 GB
  python bench/load.py --skip-small --big-gb 0 --scale-tree /tmp/tree     # 1x, 2x, 5x a tree
  python bench/load.py --small-sizes 100000,300000,1000000 --big-gb 0      # RSS by file count
  python bench/load.py --files 20000 --big-gb 0.5 --skip-whole
  python bench/load.py --skip-small --pythonpath /tmp/old-checkout   # another version's numbers
Results: a Markdown table on stdout, everything in bench/out/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from byok_ci.keygen import generate_key  # noqa: E402
from byok_ci.rules import load_rules  # noqa: E402

FILLER = "the quick brown fox jumps over the lazy dog; config value = 42 # comment line\n"


def make_small_tree(root: Path, files: int, keys: int, rng: random.Random, start: int = 0) -> int:
    """Files ``start`` to ``files`` of the tree, ``keys`` of them holding a key."""
    rules = [r for r in load_rules().rules if r.prefix and r.context is None]
    with_key = set(rng.sample(range(start, files), keys))
    for n in range(start, files):
        directory = root / f"d{n % 100:02d}"
        directory.mkdir(exist_ok=True)
        text = FILLER * 2 + f"value_{n} = {n}\n"
        if n in with_key:
            text += f"API_KEY = '{generate_key(rng.choice(rules), rng)}'\n"
        (directory / f"f{n:06d}.py").write_text(text)
    return len(with_key)


def make_big_file(path: Path, size: int, keys: int, rng: random.Random) -> dict[int, str]:
    """A text file of ``size`` bytes with keys on known lines (first, spread, last)."""
    rule = load_rules().get("groq.api-key")
    assert rule is not None
    block = FILLER * (1 << 20 // len(FILLER))  # about 1 MB of whole lines
    lines_per_block = block.count("\n")
    blocks = max(1, size // len(block))
    key_blocks = sorted({0, blocks - 1, *rng.sample(range(blocks), min(keys, blocks) - 2 if blocks > 2 else 0)})
    planted: dict[int, str] = {}
    line = 0
    with open(path, "w") as handle:
        for b in range(blocks):
            if b in key_blocks:
                planted[line + 1] = rule.id
                handle.write(f"GROQ_API_KEY={generate_key(rule, rng)}\n")
                line += 1
            handle.write(block)
            line += lines_per_block
    return planted


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


class FdSampler(threading.Thread):
    """Largest number of open descriptors seen in any process of the tree under ``pid``."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples, self.stop = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in _children(self.pid):
                try:
                    count = len(os.listdir(f"/proc/{pid}/fd"))
                except OSError:
                    continue
                self.peak = max(self.peak, count)
            self.samples += 1
            time.sleep(0.02)


PYTHONPATH: str | None = None  # --pythonpath: run that checkout's byok_ci instead


def run_case(name: str, args: list[str], cwd: Path, nofile: int | None = None) -> dict:
    byok = Path(sys.executable).parent / "byok-ci"
    command = [str(byok), *args] if byok.exists() and not PYTHONPATH else [sys.executable, "-m", "byok_ci", *args]
    env = {**os.environ, "PYTHONPATH": PYTHONPATH} if PYTHONPATH else None
    timing = cwd / f"{name}.time"

    def limits() -> None:
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    started = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(timing), *command], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=limits, env=env)
    sampler = FdSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    sampler.stop.set()
    sampler.join()
    wall = time.perf_counter() - started
    fields = {}
    for line in timing.read_text().splitlines():
        key, _, value = line.strip().rpartition(": ")
        fields[key] = value
    return {
        "case": name, "command": " ".join(["byok-ci", *args]), "exit": proc.returncode, "wall_s": round(wall, 2),
        "peak_rss_mb": round(int(fields["Maximum resident set size (kbytes)"]) / 1024, 1),
        "peak_fds": sampler.peak, "fd_samples": sampler.samples, "stdout": out, "stderr": err[-2000:],
    }


def findings(result: dict, report: Path) -> list[dict]:
    if not report.exists():
        return []
    return json.loads(report.read_text())["findings"]


class _Done(Exception):
    """No big file asked for (--big-gb 0)."""


def scale_cases(source: Path, work: Path, jobs: list[str]) -> list[dict]:
    """The tree at 1x, 2x and 5x: hard-linked copies of it side by side (same bytes, same
    page cache), each scanned three times; the median wall time and the largest RSS."""
    results = []
    root = work / "scale"
    root.mkdir()
    made = 0
    for factor in (1, 2, 5):
        while made < factor:
            subprocess.run(["cp", "-al", str(source), str(root / f"copy{made}")], check=True)
            made += 1
        runs = [run_case(f"scale-{factor}x", ["scan", str(root), "--format", "json", "--output",
                                              str(work / "scale.json"), *jobs], work) for _ in range(3)]
        runs.sort(key=lambda r: r["wall_s"])
        result = runs[1]
        result["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        result["findings"], result["expected"] = len(findings(result, work / "scale.json")), "-"
        result["bytes"] = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--big-gb", type=float, default=2.0)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--skip-whole", action="store_true", help="skip reading the big file whole")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pythonpath", help="a byok-ci checkout to measure instead of the installed one")
    parser.add_argument("--skip-small", action="store_true")
    parser.add_argument("--scale-tree", type=Path, help="a tree to scan at 1x, 2x and 5x its size")
    parser.add_argument("--small-sizes", help="comma-separated file counts: the small tree grown to each")
    parser.add_argument("--jobs", help="-j for byok-ci scan (default: its own)")
    opts = parser.parse_args()
    global PYTHONPATH
    PYTHONPATH = opts.pythonpath
    rng = random.Random(opts.seed)
    work = Path(tempfile.mkdtemp(prefix="byok-ci-load-", dir=opts.workdir))
    results = []
    try:
        tree = work / "tree"
        tree.mkdir()
        t0 = time.perf_counter()
        planted = 0 if opts.skip_small else make_small_tree(tree, opts.files, opts.keys, rng)
        print(f"generated {opts.files:,} files in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        jobs = ["-j", opts.jobs] if opts.jobs else []
        if opts.scale_tree:
            results += scale_cases(opts.scale_tree, work, jobs)
        if opts.small_sizes:
            done = 0
            planted = 0
            for count in (int(n) for n in opts.small_sizes.split(",")):
                t0 = time.perf_counter()
                planted += make_small_tree(tree, count, opts.keys * (count - done) // count, rng, start=done)
                print(f"grew the tree to {count:,} files in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
                done = count
                report = work / f"small-{count}.json"
                result = run_case(f"small-{count}", ["scan", str(tree), "--format", "json", "--output", str(report),
                                                     *jobs], work)
                result["findings"], result["expected"] = len(findings(result, report)), planted
                results.append(result)
        for name, nofile in () if opts.skip_small or opts.small_sizes else (("small", None), ("small-fds", 64)):
            report = work / f"{name}.json"
            result = run_case(name, ["scan", str(tree), "--format", "json", "--output", str(report)], work, nofile)
            result["findings"], result["expected"] = len(findings(result, report)), planted
            results.append(result)
        big = work / "big.txt"
        if not opts.big_gb:
            raise _Done
        t0 = time.perf_counter()
        lines = make_big_file(big, int(opts.big_gb * (1 << 30)), 10, rng)
        size = big.stat().st_size
        print(f"generated {size / (1 << 30):.2f} GB in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        cases: list[tuple[str, list[str]]] = [("big-default", [])]
        if not opts.skip_whole:
            cases.append(("big-whole", ["--max-file-size", str(size + 1)]))
        for name, extra in cases:
            report = work / f"{name}.json"
            result = run_case(name, ["scan", str(big), "--format", "json", "--output", str(report), *extra], work)
            found = findings(result, report)
            result["findings"], result["expected"] = len(found), len(lines) if extra else 0
            result["lines_right"] = sorted(f["line"] for f in found) == sorted(lines) if extra else None
            result["file_gb"] = round(size / (1 << 30), 2)
            results.append(result)
    except _Done:
        pass
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("| case | exit | wall (s) | MB/s | peak RSS (MB) | peak fds | findings / expected |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        rate = f"{r['bytes'] / 1e6 / r['wall_s']:.0f}" if r.get("bytes") else "-"
        print(f"| {r['case']} | {r['exit']} | {r['wall_s']} | {rate} | {r['peak_rss_mb']} | {r['peak_fds']} | "
              f"{r['findings']} / {r['expected']} |")
    (HERE / "out").mkdir(exist_ok=True)
    for r in results:
        r.pop("stdout", None)
    (HERE / "out" / ("load-other.json" if PYTHONPATH else "load.json")).write_text(json.dumps({"cpus": os.cpu_count(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark sharded scans: N shards as N local processes, the commands a CI matrix runs.

For each repository (a generated one from bench/history.py's builder, and any --repo) and
each N of --counts, it runs

    byok-ci scan --history --shard K/N --format json --output shard-K.json -q     (K = 1..N)
    byok-ci report merge shard-*.json --format json --output merged.json -q

and the same for a directory scan of the repository's work tree (`byok-ci scan DIR --shard K/N`).
The machine has fewer cores than shards, so each shard runs alone, one after the other (a
matrix job would have its runner to itself); the critical path of a matrix is then the
slowest shard plus the merge, and the runner time is the sum of the shards' times. N = 2 is
also run as two concurrent processes, as a check that one-at-a-time timing is not flattering.
Every merged report's findings are compared with the single scan's (they must be equal).

    python bench/shards.py                                   # generated repository, N = 2, 4, 8
    python bench/shards.py --repo /tmp/openai-python --skip-generated
    python bench/shards.py --commits 5000 --runs 3

Prints Markdown tables; writes everything to bench/out/shards.json. Timings on a shared
machine are noisy: take the median of --runs and compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its children: git included) of one command."""
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, env={**os.environ, **GIT_ENV})
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def findings(path: Path) -> list[dict]:
    return json.loads(path.read_text())["findings"]


def bench_case(byok: str, cwd: Path, scan: list[str], counts: list[int], runs: int, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    single = out / "single.json"
    walls, cpus = zip(*[run([byok, "scan", *scan, "-q", "--format", "json", "--output", str(single)], cwd)
                        for _ in range(runs)])
    result: dict = {"single": {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}, "shards": {}}
    expected = findings(single)
    for count in counts:
        shard_walls, shard_cpus = [], []
        for k in range(1, count + 1):
            report = out / f"shard-{count}-{k}.json"
            timings = [run([byok, "scan", *scan, "--shard", f"{k}/{count}", "-q", "--format", "json",
                            "--output", str(report)], cwd) for _ in range(runs)]
            shard_walls.append(statistics.median(t[0] for t in timings))
            shard_cpus.append(statistics.median(t[1] for t in timings))
        merged = out / f"merged-{count}.json"
        merge_wall, _ = run([byok, "report", "merge", *(str(out / f"shard-{count}-{k}.json") for k in range(1, count + 1)),
                             "-q", "--format", "json", "--output", str(merged)], cwd)
        equal = findings(merged) == expected
        if not equal:
            raise SystemExit(f"{count} shards: the merged findings differ from the single scan's")
        result["shards"][count] = {"walls": shard_walls, "cpus": shard_cpus, "merge": merge_wall,
                                   "critical_path": max(shard_walls) + merge_wall, "runner_seconds": sum(shard_walls),
                                   "equal": equal}
        log(f"{' '.join(scan)}: N={count} critical path {max(shard_walls) + merge_wall:.2f}s "
            f"(single {result['single']['wall']:.2f}s)")
    if 2 in counts:  # two real processes at once on this machine's cores
        started = time.perf_counter()
        procs = [subprocess.Popen([byok, "scan", *scan, "--shard", f"{k}/2", "-q", "--format", "json", "--output",
                                   str(out / f"concurrent-{k}.json")], cwd=cwd, env={**os.environ, **GIT_ENV},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for k in (1, 2)]
        for proc in procs:
            proc.wait()
        result["concurrent_2"] = time.perf_counter() - started
    return result


def table(name: str, result: dict) -> str:
    single = result["single"]
    lines = [f"### {name}", "",
             "| N | slowest shard (s) | merge (s) | critical path (s) | speed-up | runner time (s, sum of shards) | "
             "shard CPU, min-max (s) |",
             "|---|---|---|---|---|---|---|",
             f"| 1 (no shard) | {single['wall']:.2f} | - | {single['wall']:.2f} | 1.00 | {single['wall']:.2f} | "
             f"{single['cpu']:.2f} |"]
    for count, shard in result["shards"].items():
        lines.append(f"| {count} | {max(shard['walls']):.2f} | {shard['merge']:.2f} | {shard['critical_path']:.2f} | "
                     f"{single['wall'] / shard['critical_path']:.2f} | {shard['runner_seconds']:.2f} | "
                     f"{min(shard['cpus']):.2f}-{max(shard['cpus']):.2f} |")
    if "concurrent_2" in result:
        lines += ["", f"N = 2 as two concurrent processes on this machine: {result['concurrent_2']:.2f} s."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=2500)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--counts", default="2,4,8")
    parser.add_argument("--repo", type=Path, action="append", default=[], help="an existing repository (repeatable)")
    parser.add_argument("--skip-generated", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "byok-ci-bench-shards")
    parser.add_argument("--byok-ci", default=str(Path(sys.executable).parent / "byok-ci"))
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    repos = list(args.repo)
    if not args.skip_generated:
        from history import build_repository

        generated = args.workdir / "generated"
        log(f"building a repository of {args.commits} commits in {generated}")
        build_repository(generated, args.commits, args.keys, args.seed)
        subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=generated, check=True,
                       env={**os.environ, **GIT_ENV})
        repos.insert(0, generated)
    results = {}
    for repo in repos:
        commits = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=repo, capture_output=True,
                                 text=True).stdout.strip()
        for kind, scan in (("history", ["--history"]), ("work tree", ["."])):
            name = f"{repo.name} ({commits} commits), {kind}"
            log(name)
            results[name] = bench_case(args.byok_ci, repo, scan, counts, args.runs,
                                       args.workdir / "out" / repo.name / kind.replace(" ", "-"))
            print(table(name, results[name]) + "\n", flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "shards.json").write_text(json.dumps({"cpus": os.cpu_count(), "load": os.getloadavg(),
                                                 "results": results}, indent=2))


if __name__ == "__main__":
    main()

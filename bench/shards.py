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
Each command's CPU time is split into byok-ci's (its own process and its `-j` worker
processes) and the git processes it ran (each timed by /usr/bin/time through a `git` first
on PATH; without /usr/bin/time, every waited-for child counts as git), so the table shows
each shard's git work against 1/N of the single scan's.

    python bench/shards.py                                   # generated repository, N = 2, 4, 8
    python bench/shards.py --repo /tmp/openai-python --skip-generated
    python bench/shards.py --commits 5000 --runs 3
    python bench/shards.py --repo /tmp/gen --skip-generated --kinds history --counts 2,4,8
    python bench/shards.py --commits 10000 --keys 200 --repack --kinds history --repo /tmp/oai
    python bench/shards.py --repo /tmp/hay --skip-generated --kinds history --plan   # shards read one plan

To time another checkout of byok-ci, put it first on PYTHONPATH (the commands run
`python -c` with byok_ci imported from there).

Prints Markdown tables; writes everything to bench/out/shards.json. Timings on a shared
machine are noisy: take the median of --runs and compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# Runs byok-ci's CLI in a Python process that then reports its own CPU time and its
# children's: the git processes byok-ci started and waited for.
RUNNER = """
import json, resource, sys
out, sys.argv = sys.argv[1], ["byok-ci-bench", *sys.argv[2:]]  # not "byok-ci": the scan would end with os._exit before the finally below
code = 0
try:
    from byok_ci.cli import main
    main()
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
finally:
    me, git = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as stream:
        json.dump({"python": me.ru_utime + me.ru_stime, "git": git.ru_utime + git.ru_stime}, stream)
sys.exit(code)
"""


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    python: float  # CPU seconds of byok-ci: its own process and its worker processes
    git: float  # CPU seconds of the git processes it ran


# The waited-for children are git and byok-ci's own worker processes (`-j`): a `git` first on
# PATH that has /usr/bin/time log each git's CPU tells them apart (without it, "git" is all
# the children, as in the tables before round 5).
GIT_WRAPPER = '#!/bin/sh\nexec /usr/bin/time -a -o "$BYOK_BENCH_GIT_LOG" -f "%U %S" {git} "$@"\n'


def _git_wrapper() -> Path | None:
    git = shutil.which("git")
    if git is None or not os.access("/usr/bin/time", os.X_OK):
        return None
    directory = Path(tempfile.mkdtemp(prefix="byok-bench-git-"))
    (directory / "git").write_text(GIT_WRAPPER.format(git=git))
    (directory / "git").chmod(0o755)
    atexit.register(shutil.rmtree, directory, True)
    return directory


WRAPPER = _git_wrapper()


def _git_seconds(log: Path) -> float:
    total = 0.0
    for line in log.read_text().splitlines():  # "Command exited with non-zero status" lines too
        fields = line.split()
        if len(fields) == 2 and all(f.replace(".", "", 1).isdigit() for f in fields):
            total += float(fields[0]) + float(fields[1])
    return total


def run(argv: list[str], cwd: Path) -> Timing:
    """Wall and CPU seconds of one byok-ci command (argv without the program)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as usage, tempfile.NamedTemporaryFile(suffix=".git") as gits:
        env = {**os.environ, **GIT_ENV}
        if WRAPPER is not None:
            env.update(PATH=f"{WRAPPER}{os.pathsep}{env.get('PATH', '')}", BYOK_BENCH_GIT_LOG=gits.name)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", RUNNER, usage.name, *argv], cwd=cwd, capture_output=True,
                              env=env)
        wall = time.perf_counter() - started
        # 2 (incomplete) with a report written: a damaged commit is reported by the shard holding it (/tmp/hay).
        if done.returncode not in (0, 1) and not (done.returncode == 2 and b"internal error" not in done.stderr):
            raise SystemExit(f"byok-ci {' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
        cpu = json.loads(Path(usage.name).read_text())
        if WRAPPER is None:
            return Timing(wall, cpu["python"], cpu["git"])
        git = _git_seconds(Path(gits.name))
        return Timing(wall, cpu["python"] + max(cpu["git"] - git, 0.0), git)


def median(timings: list[Timing]) -> Timing:
    return Timing(*(statistics.median(getattr(t, name) for t in timings) for name in ("wall", "python", "git")))


def findings(path: Path) -> list[dict]:
    return json.loads(path.read_text())["findings"]


def bench_case(cwd: Path, scan: list[str], counts: list[int], runs: int, out: Path, concurrent: bool = True,
               planned: bool = False) -> dict:
    """The single scan, then N shards for each N of ``counts``; ``planned`` (a history): the plan
    made once by `byok-ci shard-plan N` (timed apart, as a first matrix job would make it) and
    read by every shard (`--shard-plan`)."""
    out.mkdir(parents=True, exist_ok=True)
    single = out / "single.json"
    one = median([run(["scan", *scan, "-q", "--format", "json", "--output", str(single)], cwd) for _ in range(runs)])
    result: dict = {"single": asdict(one), "shards": {}}
    expected = findings(single)
    for count in counts:
        shards = []
        plan: list[str] = []
        planning = None
        if planned:
            plan_file = out / f"plan-{count}.json"
            planning = median([run(["shard-plan", str(count), "--output", str(plan_file)], cwd) for _ in range(runs)])
            plan = ["--shard-plan", str(plan_file)]
        for k in range(1, count + 1):
            report = out / f"shard-{count}-{k}.json"
            shards.append(median([run(["scan", *scan, "--shard", f"{k}/{count}", *plan, "-q", "--format", "json",
                                       "--output", str(report)], cwd) for _ in range(runs)]))
        merged = out / f"merged-{count}.json"
        merge = run(["report", "merge", *(str(out / f"shard-{count}-{k}.json") for k in range(1, count + 1)),
                     "-q", "--format", "json", "--output", str(merged)], cwd)
        if findings(merged) != expected:
            raise SystemExit(f"{count} shards: the merged findings differ from the single scan's")
        walls = [t.wall for t in shards]
        result["shards"][count] = {"shards": [asdict(t) for t in shards], "merge": merge.wall,
                                   "critical_path": max(walls) + merge.wall, "runner_seconds": sum(walls),
                                   "equal": True, "plan": None if planning is None else asdict(planning)}
        log(f"{' '.join(scan)}: N={count} critical path {max(walls) + merge.wall:.2f}s, git CPU per shard "
            f"{min(t.git for t in shards):.2f}-{max(t.git for t in shards):.2f}s (single {one.wall:.2f}s, git {one.git:.2f}s)")
    if 2 in counts and concurrent:  # two real processes at once on this machine's cores
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "byok_ci", "scan", *scan, "--shard", f"{k}/2", "-q",
                                   "--format", "json", "--output", str(out / f"concurrent-{k}.json")], cwd=cwd,
                                  env={**os.environ, **GIT_ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for k in (1, 2)]
        for proc in procs:
            proc.wait()
        result["concurrent_2"] = time.perf_counter() - started
    return result


def table(name: str, result: dict) -> str:
    single = result["single"]
    lines = [f"### {name}", "",
             "| N | critical path (s) | speed-up | runner time (s) | git CPU, slowest shard (s) | git CPU, 1/N of the single "
             "(s) | git CPU, all shards / single | byok-ci CPU per shard, max (s) |",
             "|---|---|---|---|---|---|---|---|",
             f"| 1 (no shard) | {single['wall']:.2f} | 1.00 | {single['wall']:.2f} | {single['git']:.2f} | "
             f"{single['git']:.2f} | 1.00 | {single['python']:.2f} |"]
    for count, shard in result["shards"].items():
        gits = [t["git"] for t in shard["shards"]]
        lines.append(f"| {count} | {shard['critical_path']:.2f} | {single['wall'] / shard['critical_path']:.2f} | "
                     f"{shard['runner_seconds']:.2f} | {max(gits):.2f} | {single['git'] / int(count):.2f} | "
                     f"{sum(gits) / max(single['git'], 1e-9):.2f} | {max(t['python'] for t in shard['shards']):.2f} |")
    plans = {count: shard["plan"] for count, shard in result["shards"].items() if shard.get("plan")}
    if plans:
        lines += ["", "The plan, made once (`byok-ci shard-plan N`), not in the shards' figures above: "
                  + "; ".join(f"N = {count}: {plan['wall']:.2f} s, git {plan['git']:.2f} + byok-ci {plan['python']:.2f} CPU-s"
                              for count, plan in plans.items()) + "."]
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
    parser.add_argument("--kinds", default="history,work tree", help="history, work tree, or both (default)")
    parser.add_argument("--repack", action="store_true",
                        help="repack the generated repository (`git repack -a -d -f`) as a server's clone would be: "
                             "git fast-import's pack makes git's diffs about 3x slower")
    parser.add_argument("--no-concurrent", action="store_true", help="skip N = 2 as two concurrent processes")
    parser.add_argument("--plan", action="store_true",
                        help="history shards read a plan made once (`byok-ci shard-plan N`, timed apart) instead of "
                             "each listing the history")
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
        if args.repack:
            subprocess.run(["git", "repack", "-a", "-d", "-f", "-q"], cwd=generated, check=True,
                           env={**os.environ, **GIT_ENV})
        repos.insert(0, generated)
    results = {}
    for repo in repos:
        commits = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=repo, capture_output=True,
                                 text=True).stdout.strip()
        for kind, scan in (("history", ["--history"]), ("work tree", ["."])):
            if kind not in args.kinds.split(","):
                continue
            name = f"{repo.name} ({commits} commits), {kind}"
            log(name)
            results[name] = bench_case(repo, scan, counts, args.runs,
                                       args.workdir / "out" / repo.name / kind.replace(" ", "-"),
                                       not args.no_concurrent, args.plan and kind == "history")
            print(table(name, results[name]) + "\n", flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "shards.json").write_text(json.dumps({"cpus": os.cpu_count(), "load": os.getloadavg(),
                                                 "uptime": subprocess.run(["uptime"], capture_output=True,
                                                                          text=True).stdout.strip(),
                                                 "results": results}, indent=2))


if __name__ == "__main__":
    main()

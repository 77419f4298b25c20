"""Benchmark how a history scan splits git's work into `-j` parts: by predicted cost or by count.

A whole-history scan runs one `git log -p` per part, each on a consecutive run of the
commits; the slowest part is the scan's critical path on a machine with a core per part.
For each repository and each number of parts this times every part's git process alone
(CPU seconds of the process, median of --runs), with the parts byok-ci makes now (runs
of equal predicted cost, byok_ci.sources.git.cost) and with runs of equal commit count
(how parts were cut before), and what predicting the cost costs (`git diff-tree` and
`git cat-file` of the sampled commits, CPU seconds).

    python bench/parts.py --repo /tmp/openai-python --repo /tmp/gen --counts 2,4 --runs 3

Prints a Markdown table; writes bench/out/parts.json. CPU seconds, so a shared machine
shifts them less than wall times; compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from byok_ci.sources.git import cost  # noqa: E402
from byok_ci.sources.git.commits import CommitPart, CommitSource  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def part_cpu(part: CommitPart, runs: int) -> float:
    """CPU seconds of the part's `git log -p`, its output read and dropped."""
    times = []
    for _ in range(runs):
        before = children_cpu()
        with part._log(part._remaining()) as out:
            while out.read1(1 << 20):  # type: ignore[attr-defined]
                pass
        times.append(children_cpu() - before)
    return statistics.median(times)


def split(repo: Path, count: int, predict: bool) -> list[CommitPart]:
    """The parts byok-ci makes with a core to spare (by cost), or on 2 cores (by count)."""
    cost.PREDICT_MIN_CPUS = 0 if predict else 1 << 30
    return CommitSource(all_refs=True, cwd=str(repo), max_parts=count).parts()


def bench(repo: Path, count: int, runs: int) -> dict:
    result = {}
    for name, predict in (("cost", True), ("count", False)):
        parts = split(repo, count, predict)
        total = sum(part.count for part in parts)
        cpus = [part_cpu(part, runs) for part in parts]
        result[name] = {"commits": [part.count / total for part in parts], "cpu": cpus}
    listed = CommitSource(all_refs=True, cwd=str(repo)).commit_list().split()
    listed = listed[::max(1, len(listed) // cost.SAMPLED_COMMITS)]
    times = []
    for _ in range(runs):
        before = children_cpu()
        cost.commit_costs(listed, str(repo))
        times.append(children_cpu() - before)
    result["prediction_cpu"] = statistics.median(times)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, action="append", required=True)
    parser.add_argument("--counts", default="2,4")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict = {}
    lines = ["| repository | parts | by count: commits, git CPU per part (s) | max "
             "| by cost: commits, git CPU per part (s) | max | predicting (s) |", "|---|---|---|---|---|---|---|"]
    for repo in args.repo:
        for count in (int(c) for c in args.counts.split(",")):
            found = bench(repo, count, args.runs)
            results[f"{repo}:{count}"] = found

            def cells(split: dict) -> str:
                return ", ".join(f"{share:.0%} {cpu:.2f}" for share, cpu in zip(split["commits"], split["cpu"]))

            lines.append(f"| {repo.name} | {count} | {cells(found['count'])} | {max(found['count']['cpu']):.2f} | "
                         f"{cells(found['cost'])} | {max(found['cost']['cpu']):.2f} | {found['prediction_cpu']:.2f} |")
            print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "parts.json").write_text(json.dumps({"load": os.getloadavg(), "results": results}, indent=2))


if __name__ == "__main__":
    main()

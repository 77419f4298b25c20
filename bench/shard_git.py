"""What git does in each history shard: the CPU of the scan's own `git log -p` with a shard's
pathspecs, and of the same walk with `--raw` instead (the tree walk alone, no diffs).

For each N of --counts and each shard K of N it computes the shard's narrowing as a scan
would (byok_ci.sources.git.sharding: the listing, the plan, the pathspecs) and times, in
one git process over every commit of the history (`rev-list --topo-order --reverse --all`
fed to `--no-walk=unsorted --stdin`, as the scan's parts are), the user + sys CPU of

    git log -p -c <the scan's diff options> --sparse --full-history -- <the shard's pathspecs>
    git log --raw -c --sparse --full-history -- <the shard's pathspecs>

(median of --runs), and the same for the single scan. `-p` minus `--raw` is the shards'
diff work, which should add up to the single scan's; `--raw` is the tree walk under the
shard's pathspecs, which every shard repeats.

A shard gives git only the commits its listing says change one of its paths (round 8), and
reads the others' headers alone (`git log --no-patch`): the "its commits" column times that
`git log -p` plus the header log, next to `log -p` over every commit (before round 8).

    python bench/shard_git.py --repo /tmp/oai --counts 4,8 --runs 3
    PYTHONPATH=/tmp/main python bench/shard_git.py --repo /tmp/oai      # another checkout

CPU seconds, not wall: fine on a shared machine, though noisy; compare ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def cpu(argv: list[str], repo: Path, stdin: bytes, runs: int) -> float:
    """Median user + sys CPU seconds of one git command."""
    spent = []
    for _ in range(runs):
        proc = subprocess.Popen(argv, cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                env={**os.environ, **GIT_ENV})
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
        _, _, usage = os.wait4(proc.pid, 0)
        spent.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--counts", default="4,8")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pathspec", action="append", default=[],
                        help="time only these pathspecs (separated by ';', repeatable), no shards")
    args = parser.parse_args()
    from byok_ci.shard import Shard
    from byok_ci.config import DEFAULT_MAX_FILE_SIZE
    from byok_ci.sources.git.commits import DIFF_OPTIONS, LOG_FORMAT
    from byok_ci.sources.git.process import diff_config
    from byok_ci.sources.git.sharding import history_listing, narrowed

    repo = args.repo
    listing = history_listing(str(repo), False)
    weights = listing.weights()
    shas = subprocess.run(["git", "rev-list", "--topo-order", "--reverse", "--all"], cwd=repo, check=True,
                          capture_output=True, env={**os.environ, **GIT_ENV}).stdout

    def timed(config: list[str], pathspecs: list[str], fed: bytes = shas) -> tuple[float, float]:
        narrow = ["--sparse", "--full-history"] if pathspecs else []
        tail = ["--root", f"--format={LOG_FORMAT}", "--no-renames", *narrow, "--no-walk=unsorted", "--stdin",
                "--", *pathspecs]
        # The scan's own options (sources.git.commits: `-c`, not `--cc`; git's big-file threshold).
        patches = cpu(["git", *diff_config(DEFAULT_MAX_FILE_SIZE), *config, "log", "-p", "-c", *DIFF_OPTIONS,
                       "--irreversible-delete", *tail], repo, fed, args.runs)
        walk = cpu(["git", *config, "log", "--raw", "-c", *tail], repo, fed, args.runs)
        return patches, walk

    def its_commits(config: list[str], pathspecs: list[str], touched: set[bytes]) -> float:
        """`log -p` over the commits that change the shard's paths, and the others' headers."""
        mine = b"".join(sha + b"\n" for sha in shas.split() if sha in touched)
        rest = b"".join(sha + b"\n" for sha in shas.split() if sha not in touched)
        narrow = ["--sparse", "--full-history", "--no-walk=unsorted", "--stdin", "--", *pathspecs]
        patches = cpu(["git", *diff_config(DEFAULT_MAX_FILE_SIZE), *config, "log", "-p", "-c", *DIFF_OPTIONS,
                       "--irreversible-delete", "--root", f"--format={LOG_FORMAT}", "--no-renames", *narrow], repo,
                      mine, args.runs) if mine else 0.0
        headers = cpu(["git", "log", "--no-walk=unsorted", "--stdin", "--no-patch", f"--format={LOG_FORMAT}"], repo,
                      rest, args.runs) if rest else 0.0
        return patches + headers

    if args.pathspec:  # git's work for a set of paths alone, e.g. a heavy directory against the rest
        for spec in args.pathspec:
            patches, walk = timed([], spec.split(";"))
            print(f"{spec}: `log -p` {patches:.2f}, `--raw` {walk:.2f} CPU-s", flush=True)
        return
    single, single_walk = timed([], [])
    print("| N | `log -p`, slowest shard | `log -p`, all shards (/ single) | `--raw`, all shards | per shard `-p` "
          "| its commits: slowest | all (/ single) | per shard |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| 1 | {single:.2f} | {single:.2f} (1.00) | {single_walk:.2f} | | | | |", flush=True)
    for count in (int(c) for c in args.counts.split(",")):
        patches, walks, own = [], [], []
        for index in range(1, count + 1):
            with narrowed(Shard(index, count), weights, (), str(repo)) as narrowing:
                p, w = timed(list(narrowing.config), list(narrowing.pathspecs))
                touched = set(listing.commit_costs(narrowing.owns))
                own.append(its_commits(list(narrowing.config), list(narrowing.pathspecs), touched))
            patches.append(p)
            walks.append(w)
        print(f"| {count} | {max(patches):.2f} | {sum(patches):.2f} ({sum(patches) / single:.2f}) | {sum(walks):.2f} | "
              f"{' '.join(f'{p:.2f}' for p in patches)} | {max(own):.2f} | {sum(own):.2f} ({sum(own) / single:.2f}) | "
              f"{' '.join(f'{p:.2f}' for p in own)} |", flush=True)

if __name__ == "__main__":
    sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: another checkout wins
    main()

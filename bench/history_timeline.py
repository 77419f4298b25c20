"""Where a history scan leaves a core idle: byok-ci's and its git children's CPU over time.

Runs a byok-ci command (default ``scan --history``) in REPO and samples /proc (Linux) every
10 ms: the CPU of byok-ci's process and of every git process it started, summed per
``--bucket`` seconds. A bucket where byok-ci is near 100 % is one where its own work (one
core: the GIL) holds the scan back; one where the two together are well under the cores
available is one where a core idles (start-up, the reads after git's diffs). Meaningful
on a quiet machine only::

    .venv/bin/python bench/history_timeline.py /tmp/oai
    .venv/bin/python bench/history_timeline.py --byok-ci .venv/bin/byok-ci /tmp/oai -- scan --history -j 1

``--gits`` also lists every git process: when it was first and last seen, its CPU and what it ran.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
    except OSError:
        pass
    return found


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = [word.decode("utf-8", "replace") for word in cmdline.read().split(b"\0") if word]
    except OSError:
        return "?"
    # git's own options (-c name=value) first: the subcommand is the first word after them
    words = words[1:]
    while words and words[0] in ("-c", "-C"):
        words = words[2:]
    return " ".join(word for word in words[:1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo")
    parser.add_argument("--byok-ci", default="byok-ci")
    parser.add_argument("--bucket", type=float, default=0.1)
    parser.add_argument("--gits", action="store_true", help="list every git process: seen from, to, CPU, command")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="after --: byok-ci's arguments (scan --history)")
    args = parser.parse_args()
    command = [word for word in args.command if word != "--"] or ["scan", "--history"]
    begun = time.perf_counter()
    byok = os.path.abspath(args.byok_ci) if os.sep in args.byok_ci else args.byok_ci
    process = subprocess.Popen([byok, *command], cwd=args.repo, stdout=subprocess.DEVNULL)
    gits: dict[int, float] = {}
    seen: dict[int, list[float]] = {}  # pid -> first seen, last seen
    commands: dict[int, str] = {}
    samples: list[tuple[float, float, float]] = []
    while process.poll() is None:
        own = _cpu(process.pid)
        for child in _children(process.pid):
            spent = _cpu(child)
            if spent is not None:
                gits[child] = spent
                now = time.perf_counter() - begun
                seen.setdefault(child, [now, now])[1] = now
                if child not in commands:
                    commands[child] = _command(child)
        if own is not None:
            samples.append((time.perf_counter() - begun, own, sum(gits.values())))
        time.sleep(0.01)
    wall = time.perf_counter() - begun
    buckets: dict[int, tuple[float, float]] = {}
    for at, own, git in samples:
        buckets[int(at / args.bucket)] = (own, git)
    cores = os.cpu_count() or 1
    print(f"wall {wall:.2f} s; byok-ci {samples[-1][1]:.2f} CPU-s, git {samples[-1][2]:.2f} CPU-s; {cores} cores")
    print("   at s  byok-ci %  git %")
    last_own = last_git = 0.0
    held_back = idle = 0.0
    for index in sorted(buckets):
        own, git = buckets[index]
        own_share, git_share = (own - last_own) / args.bucket, (git - last_git) / args.bucket
        last_own, last_git = own, git
        held_back += args.bucket if own_share >= 0.9 else 0
        idle += args.bucket * max(0.0, cores - own_share - git_share)
        print(f"{index * args.bucket:7.1f}  {100 * own_share:9.0f}  {100 * git_share:5.0f}")
    print(f"byok-ci at >= 90 % of a core: {held_back:.1f} s; idle core-seconds: {idle:.2f}")
    if args.gits:
        print("  from s    to s  CPU s  git")
        for pid in sorted(seen, key=lambda pid: seen[pid][0]):
            print(f"{seen[pid][0]:7.2f} {seen[pid][1]:7.2f} {gits[pid]:6.2f}  {commands[pid]}")


if __name__ == "__main__":
    main()

"""How often a history scan reads whole files for a key's context, and what it costs.

A diff-based scan reads a file version whole when its added lines hold a value shaped like
a key of a rule with context that those lines cannot confirm. This runs `scan --history`
in-process on a repository and counts, per file patch (each file a commit changes):

- patches screened (Hyperscan), and those the screen lets through to detection;
- ``shaped``: patches whose added bytes hold the shape of a rule with context (the
  simplest trigger: read every one of them);
- ``read``: patches read whole (the trigger as shipped: a match passing every check of
  detection but its context), and what was found on their added lines;
- CPU seconds (this process and its git children) of the whole scan, of the trigger's
  checks, and of reading and detecting the whole files.

``--simple`` reads every shaped patch instead, to compare the two triggers::

    .venv/bin/python bench/context_reads.py /tmp/oai
    .venv/bin/python bench/context_reads.py /tmp/oai --simple
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from byok_ci.config import Settings  # noqa: E402
from byok_ci.detect import engine  # noqa: E402
from byok_ci.sources.git import blobs  # noqa: E402
from byok_ci.scan_git import GitTarget, scan_git  # noqa: E402


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo")
    parser.add_argument("--simple", action="store_true", help="read every patch that holds a context rule's shape")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()

    counts: Counter[str] = Counter()
    spent: Counter[str] = Counter()
    triage, wants, found_in_context = engine.Detector.triage, engine.Detector.wants_context, blobs.found_in_context

    def counted_triage(self):  # type: ignore[no-untyped-def]
        inner = triage(self)
        assert inner is not None, "needs Hyperscan"

        def counted(data: bytes, path: str):  # type: ignore[no-untyped-def]
            worth, shaped = inner(data, path)
            counts["patches screened"] += 1
            counts["passed the screen"] += worth
            counts["shaped (simplest trigger)"] += bool(shaped)
            return worth, shaped

        return counted

    def counted_wants(self, text, path="", rules=None):  # type: ignore[no-untyped-def]
        started = time.process_time()
        answer = True if args.simple else wants(self, text, path, rules)
        spent["trigger checks"] += time.process_time() - started
        return answer

    def counted_found(chunker, detector, known, cwd=None):  # type: ignore[no-untyped-def]
        counts["recorded to read whole"] += len(chunker.in_context)
        counts["distinct (blob, path) read"] += len({(v.blob, v.path) for v in chunker.in_context})
        started = cpu()
        found = found_in_context(chunker, detector, known, cwd)
        spent["reading and detecting whole files"] += cpu() - started
        counts["found only in the whole file"] += len(found)
        return found

    engine.Detector.triage = counted_triage  # type: ignore[method-assign]
    engine.Detector.wants_context = counted_wants  # type: ignore[method-assign]
    blobs.found_in_context = counted_found  # type: ignore[assignment]
    before, wall = cpu(), time.perf_counter()
    report = scan_git(GitTarget("history"), cwd=args.repo, settings=Settings(jobs=args.jobs))
    total, wall = cpu() - before, time.perf_counter() - wall
    print(f"{args.repo} ({'simple' if args.simple else 'sharpened'} trigger, -j{args.jobs})")
    for name, value in counts.items():
        print(f"  {name}: {value:,}")
    for name, value in spent.items():
        print(f"  CPU s in {name}: {value:.2f}")
    print(f"  CPU s of the scan (with git): {total:.2f}; wall s {wall:.2f}; findings {len(report.findings)}; "
          f"errors {len(report.errors)}")


if __name__ == "__main__":
    main()

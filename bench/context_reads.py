"""How often a history scan reads whole files for a key's context, and what it costs.

A diff-based scan reads a file version whole when its added lines hold a value shaped like
a key of a rule with context that those lines cannot confirm. This runs `scan --history`
in-process on a repository and counts, per file patch (each file a commit changes):

- patches screened (Hyperscan), and those the screen lets through to detection;
- ``handed to the reader (shape added)``: patches (of files that existed before) whose
  added bytes hold the shape of a rule with context, each handed to the reader;
  ``(keyword added, or renamed)``: those whose added bytes hold a keyword of one, or that
  git renamed, each handed to the reader for a key of the lines they kept
  (:mod:`byok_ci.sources.git.later`);
- ``blobs read``: versions the reader read (not those whose lines can hold no keyword of
  the rules whose shapes they hold, nor one ruled out once again),
  ``detected``: those where a keyword could reach the added lines and an added line held a
  match passing every check but its context, and what was found there;
- CPU seconds: the whole scan (this process and its git children), and the reader (with
  its git cat-file).

``--simple`` detects every version read (no keyword or candidate check), to compare::

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
from byok_ci.scan_git import GitTarget  # noqa: E402

scan_git = sys.modules["byok_ci.scan_git"]  # the module (the package exports a function of that name)


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
    triage, finish, read, detected = (engine.Detector.triage, blobs.ContextReader.finish, blobs.ContextReader._read_all,
                                      blobs.ContextReader._detected)
    # (Before sources.git.later, neither of the last two exists: this runs on older checkouts too.)
    add = blobs.ContextReader.add
    context_added, found_later = getattr(blobs.ContextReader, "context_added", None), getattr(scan_git, "found_later", None)

    def counted_triage(self):  # type: ignore[no-untyped-def]
        inner = triage(self)
        assert inner is not None, "needs Hyperscan"

        def counted(data: bytes, path: str, all_shapes: bool = True):  # type: ignore[no-untyped-def]
            worth, shaped, worded = inner(data, path, all_shapes)
            counts["patches screened"] += 1
            counts["passed the screen"] += worth
            return worth, shaped, worded

        return counted

    def counted_add(self, version):  # type: ignore[no-untyped-def]
        counts["handed to the reader (shape added)"] += 1
        return add(self, version)

    def counted_context_added(self, version, data=None):  # type: ignore[no-untyped-def]
        counts["handed to the reader (keyword added, or renamed)"] += 1
        return context_added(self, version, data)

    def timed_found_later(*args):  # type: ignore[no-untyped-def]
        started = cpu()
        try:
            return found_later(*args)
        finally:
            spent["the reader for context added later (with its git cat-file)"] += cpu() - started

    def timed_finish(self, known):  # type: ignore[no-untyped-def]
        started = cpu()
        try:
            return finish(self, known)
        finally:
            spent["the reader (with its git cat-file)"] += cpu() - started

    def counted_read(self, wanted):  # type: ignore[no-untyped-def]
        counts["blobs read"] += len(wanted)
        return read(self, wanted)

    def counted_detected(self, version, data):  # type: ignore[no-untyped-def]
        if args.simple:
            found = blobs._on_lines(self.detector.detect(blobs.Chunk(text=data.decode("utf-8", "replace"),
                                                                     path=version.path)), version.added)
        else:
            found = detected(self, version, data)
        counts["detected"] += found is not None
        counts["found on added lines"] += len(found or ())
        return found

    try:  # every read counted here: none in a forked process sharing the tail (pipeline.context)
        from byok_ci.pipeline import context as shared_tail

        shared_tail.SHARE_MIN_VERSIONS = 1 << 62
    except ImportError:  # a checkout from before the tail was shared
        pass
    engine.Detector.triage = counted_triage  # type: ignore[method-assign]
    blobs.ContextReader.finish = timed_finish  # type: ignore[method-assign]
    blobs.ContextReader._read_all = counted_read  # type: ignore[method-assign]
    blobs.ContextReader._detected = counted_detected  # type: ignore[method-assign]
    blobs.ContextReader.add = counted_add  # type: ignore[method-assign]
    if context_added is not None:
        blobs.ContextReader.context_added = counted_context_added  # type: ignore[method-assign]
        scan_git.found_later = timed_found_later
    before, wall = cpu(), time.perf_counter()
    report = scan_git.scan_git(GitTarget("history"), cwd=args.repo, settings=Settings(jobs=args.jobs))
    total, wall = cpu() - before, time.perf_counter() - wall
    print(f"{args.repo} ({'every version read detected' if args.simple else 'as shipped'}, -j{args.jobs})")
    for name, value in counts.items():
        print(f"  {name}: {value:,}")
    for name, value in spent.items():
        print(f"  CPU s in {name}: {value:.2f}")
    print(f"  CPU s of the scan (with git): {total:.2f}; wall s {wall:.2f}; findings {len(report.findings)}; "
          f"errors {len(report.errors)}")


if __name__ == "__main__":
    main()

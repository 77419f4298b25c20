"""Where a directory scan's time goes, stage by stage (cProfile, one process: ``-j 1``).

Runs ``scan_paths`` on DIR under cProfile and sums the time of each stage's functions
(their own time plus the C functions they call), so a before/after pair shows which stage
a change made cheaper. Run it with another checkout first on ``PYTHONPATH`` for "before".

Usage: .venv/bin/python bench/stages.py DIR [--json OUT]
       PYTHONPATH=/tmp/old .venv/bin/python bench/stages.py DIR
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import pstats
import sys
import time
from pathlib import Path

# Stage -> functions (file suffix, function name) whose own time counts for it, and the C
# calls made from them. A function in no stage counts as "other".
STAGES = {
    "walk": [("sources/files.py", "_walk"), ("sources/files.py", "files"), ("sources/files.py", "_all_files"),
             ("sources/files.py", "display_path"), ("scan.py", "_look_ahead"), ("scan.py", "watch")],
    "read (open, read, decode)": [("sources/read.py", "*"), ("sources/artifacts/__init__.py", "file_chunks"),
                                  ("sources/artifacts/__init__.py", "file_read"),
                                  ("sources/artifacts/__init__.py", "_large_chunks"),
                                  ("sources/artifacts/__init__.py", "_archive_at"), ("sources/files.py", "entry_read"),
                                  ("sources/artifacts/__init__.py", "_read_large"),
                                  ("sources/artifacts/__init__.py", "expand"),
                                  ("sources/artifacts/formats.py", "*"), ("sources/artifacts/zipdir.py", "*"),
                                  ("sources/artifacts/documents.py", "chunks"), ("sources/files.py", "entry_chunks")],
    "prefilter (Hyperscan, keyword spans)": [("detect/hyperscan_prefilter.py", "*"), ("detect/hyperscan_expressions.py", "*"),
                                             ("detect/prefilter.py", "*")],
    "rules (regexes, checks, context)": [("detect/engine.py", "_candidates"), ("detect/engine.py", "_check"),
                                         ("detect/engine.py", "_resolved"), ("detect/engine.py", "_findings"),
                                         ("detect/structure.py", "*"), ("detect/filters.py", "*"),
                                         ("rules/strength.py", "*"), ("rules/fixtures.py", "*")],
    "encoded (base64, URL)": [("detect/encoded.py", "*"), ("_offsets.py", "*")],
    "names, report": [("pipeline/names.py", "*"), ("detect/anywhere.py", "*"), ("pipeline/__init__.py", "finish"),
                      ("scan.py", "_sift"), ("pipeline/detection.py", "unique")],
    "rules loading": [("rules/load.py", "*"), ("rules/cache.py", "*"), ("_yaml.py", "*")],
}


def stage_of(filename: str, function: str) -> str | None:
    for stage, places in STAGES.items():
        for suffix, name in places:
            if filename.endswith(suffix) and name in ("*", function):
                return stage
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import byok_ci
    from byok_ci.config import Settings
    from byok_ci.scan import scan_paths

    settings = dataclasses.replace(Settings(), jobs=1)
    scan_paths([args.dir], settings=settings)  # warm: page cache, Hyperscan's database
    profile = cProfile.Profile(time.process_time)  # CPU time: the machine may be shared
    started = time.perf_counter()
    profile.enable()
    report = scan_paths([args.dir], settings=settings)
    profile.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profile)
    totals: dict[str, float] = {stage: 0.0 for stage in STAGES}
    totals["other"] = 0.0
    # Own time of each Python function, plus the own time of C functions charged to the
    # stage of their caller.
    for (filename, _line, function), (_cc, _nc, own, _cum, callers) in stats.stats.items():  # type: ignore[attr-defined]
        stage = stage_of(filename, function)
        if stage is not None:
            totals[stage] += own
        elif filename == "~":  # a built-in: split its time among its callers' stages
            for (cfile, _cline, cfunc), caller_stats in callers.items():
                totals[stage_of(cfile, cfunc) or "other"] += caller_stats[2]
        else:
            totals["other"] += own
    profiled = sum(totals.values())
    print(f"byok_ci from {Path(byok_ci.__file__).parent}; {report.stats.files} files, "
          f"{report.stats.bytes / 1e6:.1f} MB, {len(report.findings)} findings; {wall:.2f} s under cProfile (CPU seconds below)\n")
    print("| stage | s | share |")
    print("|---|---:|---:|")
    for stage, seconds in totals.items():
        print(f"| {stage} | {seconds:.2f} | {seconds / profiled:.0%} |")
    if args.json:
        args.json.write_text(json.dumps({"wall_s": wall, "stages": totals}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

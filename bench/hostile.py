"""Benchmark: hostile inputs that once cost unbounded time or memory (security round 2).

Builds each input under ``--out`` and runs ``byok-ci scan FILE --format json -j 1`` on it
under ``/usr/bin/time -v``, printing wall seconds, peak RSS, exit code and the errors the
scan reported. A script, not a test (the tests in ``tests/sources/test_hostile_archives.py``
and ``tests/detect/test_linear.py`` hold the bounds with wide margins):

    python bench/hostile.py                    # every case
    python bench/hostile.py --cases zip-cd,b64 --timeout 600
    python bench/hostile.py --byok-ci /other/checkout/.venv/bin/byok-ci   # e.g. before a fix

Cases: ``oci-fanout`` (40 KB OCI index, fan-out 64, 4 levels), ``gnu-longname`` and
``pax`` (an extended header claiming 2 GB), ``zip-cd`` (2 M central-directory entries),
``sourcemap`` and ``sourcemap-2x`` (a key on each of 40 k / 80 k lines), ``keys-ts`` (the
same 40 k keys in a plain file), ``b64`` and ``b64-2x`` (25 / 50 MB of short base64 runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from byok_ci.keygen import generate_key  # noqa: E402
from byok_ci.rules import load_rules  # noqa: E402
from tests import hostile_inputs as hostile  # noqa: E402


def _cases(rng: random.Random) -> dict[str, tuple[str, Callable[[Path], object]]]:
    rule = load_rules().get("groq.api-key")
    assert rule is not None
    secret = f"GROQ_API_KEY={generate_key(rule, rng)}\n".encode()
    keys = [generate_key(rule, rng) for _ in range(80_000)]
    return {
        "oci-fanout": ("image.tar", lambda path: path.write_bytes(hostile.oci_fanout(64))),
        "gnu-longname": ("longname.tar", lambda path: hostile.write_tar_with_huge_extended_header(
            path, b"L", 2 * 1024**3, secret, backed=True)),
        "pax": ("pax.tar", lambda path: hostile.write_tar_with_huge_extended_header(
            path, b"x", 2 * 1024**3, secret, backed=True)),
        "zip-cd": ("many.zip", lambda path: path.write_bytes(
            hostile.zip_with_huge_central_directory(2_000_000, secret))),
        "sourcemap": ("app.js.map", lambda path: path.write_bytes(
            hostile.source_map_with_keys(keys[:40_000]).encode())),
        "sourcemap-2x": ("app.js.map", lambda path: path.write_bytes(hostile.source_map_with_keys(keys).encode())),
        # The same 40 k keys in a plain file: what the findings themselves cost.
        "keys-ts": ("keys.ts", lambda path: path.write_text(
            "".join(f'export const k{n} = "{key}";\n' for n, key in enumerate(keys[:40_000])))),
        "b64": ("blobs.txt", lambda path: path.write_bytes(hostile.short_base64_runs(25 * 10**6).encode())),
        "b64-2x": ("blobs.txt", lambda path: path.write_bytes(hostile.short_base64_runs(50 * 10**6).encode())),
    }


def measure(byok_ci: str, path: Path, timeout: float) -> dict[str, object]:
    report = path.with_suffix(path.suffix + ".json")
    command = ["/usr/bin/time", "-v", byok_ci, "scan", str(path), "--format", "json", "-o", str(report),
               "-j", "1", "--max-file-size", "200MB"]
    started = time.monotonic()
    # A session of its own, so a timeout stops the scan too, not only /usr/bin/time.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"wall_s": f">{timeout:.0f}", "rss_mb": "?", "exit": "timeout", "errors": []}
    wall = time.monotonic() - started
    done = subprocess.CompletedProcess(command, process.returncode, "", stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    errors: list[str] = []
    findings = 0
    if report.exists():
        data = json.loads(report.read_text())
        errors = [e["message"] for e in data.get("errors", [])]
        findings = len(data.get("findings", []))
    return {"wall_s": round(wall, 2), "rss_mb": round(int(rss.group(1)) / 1024) if rss else "?",
            "exit": done.returncode, "findings": findings, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--byok-ci", default=str(Path(sys.executable).with_name("byok-ci")))
    parser.add_argument("--cases", default="")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="byok-ci-hostile-"))
    cases = _cases(random.Random(7))
    wanted = [c for c in args.cases.split(",") if c] or list(cases)
    print("| case | input | wall s | peak RSS MB | exit | findings | errors |")
    print("|---|---|---|---|---|---|---|")
    for name in wanted:
        filename, build = cases[name]
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / filename
        build(path)
        result = measure(args.byok_ci, path, args.timeout)
        size = path.stat().st_size
        shown = f"{size / 1e6:.1f} MB" if size > 10**6 else f"{size / 1e3:.0f} KB"
        errors = "; ".join(str(e) for e in result["errors"])[:160]  # type: ignore[union-attr]
        print(f"| {name} | {shown} | {result['wall_s']} | {result['rss_mb']} | {result['exit']} "
              f"| {result.get('findings', '?')} | {errors} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

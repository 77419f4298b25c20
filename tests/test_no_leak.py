"""No output stream or file ever holds a key: every format and error path, every rule.

Later commands and formats add themselves to OUTPUT_RUNS.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

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


def run_in(cwd: Path, args: list[str], **kwargs: Any) -> Result:
    """``byok-ci ARGS`` run from ``cwd`` (CliRunner has no cwd of its own)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, **kwargs)
    finally:
        os.chdir(old)


def outputs_of(result: Result, out_dir: Path) -> dict[str, str]:
    """Everything a run wrote: its two streams and each report file."""
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for path in out_dir.iterdir():
        outputs[path.name] = path.read_text()
    return outputs


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
    result = run_in(tmp_path, args, input=stdin, env={"NO_COLOR": None})
    assert result.exit_code in (0, 1, 2), result.output
    outputs = outputs_of(result, tmp_path / "out")
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
    for args in runs:
        result = run_in(tmp_path, args, env={"NO_COLOR": None})
        assert result.exit_code in (0, 1, 2), result.output
        for name, text in {"stdout": result.stdout, "stderr": result.stderr}.items():
            assert leaked_runs(text, planted) == [], (args, name)
        assert leaked_runs((tmp_path / "out" / "baseline.json").read_text(), planted) == [], args


MANIFEST_RUNS = [
    ["manifest", "check"],
    ["manifest", "check", "--format", "json"],
    ["manifest", "check", "--format", "junit"],
    ["manifest", "check", "--strict", "-q", "--output", "out/m.txt", "--json", "out/m.json", "--junit", "out/m.xml",
     "--sarif", "out/m.sarif"],
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
    result = run_in(tmp_path, args, env={"NO_COLOR": None})
    assert result.exit_code in (0, 1, 2), result.output
    outputs = outputs_of(result, tmp_path / "out")
    for name, text in outputs.items():
        assert leaked_runs(text, planted) == [], name


def test_the_seeded_manifest_reports_every_planted_key(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Guard for the test above: every rule's key really is found in the manifest."""
    from byok_ci.manifest import check_manifest

    seed_manifest(tmp_path, shipped_rules)
    report = check_manifest(tmp_path / "byok.yaml", rules=shipped_rules)
    assert report.errors == ()
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
    result = run_in(tmp_path, args, env={"NO_COLOR": None})
    assert result.exit_code in (0, 1, 2), result.output
    if "--no-archives" not in args:
        assert result.exit_code == 1 and "dist/app.whl!app/settings.py" in result.stdout
    for name, text in {"stdout": result.stdout, "stderr": result.stderr}.items():
        assert leaked_runs(text, planted) == [], name
# --- byok-ci drift -------------------------------------------------------------------------
# Providers echo keys in error bodies (whole or in part) and URLs carry ?key=: every drift
# output and the audit log must still hold no run of a key's random part.

DRIFT_RUNS = [
    [],
    ["-q"],
    ["--format", "json"],
    ["--format", "junit"],
    ["--format", "github"],
    ["--strict", "--output", "out/drift.txt", "--json", "out/drift.json", "--junit", "out/drift.xml",
     "--sarif", "out/drift.sarif", "--audit-log", "out/audit.jsonl"],
]
DRIFT_KEYS = {"openai": "openai.project-key", "deepseek": "deepseek.api-key", "xai": "xai.api-key",
              "google": "google.api-key", "anthropic": "anthropic.api-key"}


def _drift_tree(root: Path, ruleset: RuleSet, base: str) -> tuple[dict[str, str], list[Planted], list[str]]:
    rng = random.Random(77)
    env, planted, argv = {}, [], []
    lines = ["version: 1", "project: acme", "keys:"]
    for provider, rule_id in DRIFT_KEYS.items():
        rule = ruleset.get(rule_id)
        assert rule is not None
        key, parts = generate_with_parts(rule, rng)
        planted.append(Planted(rule_id, parts))
        env[f"KEY_{provider.upper()}"] = key
        lines += [f"  - name: acme-prod-{provider}", "    env: prod", f"    provider: {provider}",
                  f"    secret: env://KEY_{provider.upper()}"]
        argv += ["--base-url", f"acme-prod-{provider}={base}/{provider}"]
    # One key whose manifest base URL is refused, one whose secret is missing.
    lines += ["  - name: acme-prod-groq", "    env: prod", "    provider: groq", "    secret: env://KEY_GROQ",
              "    base_url: https://evil.example/v1",
              "  - name: acme-prod-mistral", "    env: prod", "    provider: mistral", "    secret: env://UNSET"]
    groq = ruleset.get("groq.api-key")
    assert groq is not None
    key, parts = generate_with_parts(groq, rng)
    planted.append(Planted("groq.api-key", parts))
    env["KEY_GROQ"] = key
    # And one key pasted inline instead of a reference.
    inline, parts = generate_with_parts(groq, rng)
    planted.append(Planted("groq.api-key inline", parts))
    lines += ["  - name: acme-prod-groq-inline", "    env: prod", "    provider: groq", f"    secret: {inline}"]
    (root / "byok.yaml").write_text("\n".join(lines) + "\n")
    return env, planted, argv


@pytest.mark.parametrize("args", DRIFT_RUNS, ids=lambda a: " ".join(["drift", *a]))
def test_no_drift_output_contains_a_key(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    from tests.drift.fake_provider import serve

    (tmp_path / "out").mkdir()
    with serve() as fake:
        env, planted, argv = _drift_tree(tmp_path, shipped_rules, fake.url)
        fake.valid_keys.update(env.values())
        fake.modes.update({"deepseek": "revoked", "anthropic": "500", "google": "bypass"})
        fake.echo = "full"  # invalid-key bodies echo the whole key they were sent
        result = run_in(tmp_path, ["drift", "--env", "prod", "--allow-insecure-loopback", *argv, *args],
                        env={**env, "NO_COLOR": None})
        fake_sent = [cred for _, _, cred in fake.hits if cred]
    assert result.exit_code in (1, 2), result.output
    assert len(fake_sent) >= 8  # the real and invalidated keys really went out and were echoed back
    outputs = outputs_of(result, tmp_path / "out")
    prefixes = sorted({r.prefix for r in shipped_rules.rules if r.prefix}, key=len, reverse=True)
    invalid = [Planted("sent", [c[len(next((p for p in prefixes if c.startswith(p)), "")):]]) for c in fake_sent]
    for name, text in outputs.items():
        assert leaked_runs(text, planted + invalid) == [], name


def test_drift_with_key_in_the_query_string_leaks_nothing(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """A probe that sends ?key= (Google's alternative form), a body echoing the URL, and a refused connection."""
    import io
    import shutil

    from byok_ci.drift import DriftOptions, DriftTarget, run_drift
    from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
    from byok_ci.report import json as json_report
    from byok_ci.report import junit, text
    from byok_ci.rules import default_rules_dir
    from tests.drift.conftest import probes
    from tests.drift.fake_provider import free_port, serve

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    google = rules / "google.yaml"
    google.write_text(google.read_text().replace("auth: {header: x-goog-api-key}", "auth: {query: key}"))
    rule = shipped_rules.get("google.api-key")
    assert rule is not None
    rng = random.Random(3)
    key, parts = generate_with_parts(rule, rng)
    with serve() as fake:
        fake.modes["google"] = "echo-url"
        targets = [DriftTarget("prod", "acme-prod-google", "google", "env://K"),
                   DriftTarget("prod", "acme-prod-gemini", "google", "env://K")]
        policy = EndpointPolicy(HostAllowlist(), True, {"acme-prod-google": fake.base("google"),
                                                       "acme-prod-gemini": f"http://127.0.0.1:{free_port()}"})
        audit = io.StringIO()
        report = run_drift(targets, DriftOptions(policy=policy, environ={"K": key}, rules_dir=rules), audit_stream=audit)
    texts = [audit.getvalue()]
    for module in (text, junit, json_report):
        stream = io.StringIO()
        module.write(report, stream)
        texts.append(stream.getvalue())
    assert any("No route for GET" in c.reason for c in probes(report))
    assert any("key=REDACTED" in c.reason for c in probes(report))
    for written in texts:
        assert leaked_runs(written, [Planted("google.api-key", parts)]) == []


GIT_RUNS = [
    ["scan", "--staged"],
    ["scan", "--staged", "--format", "json"],
    ["scan", "--history", "-v"],
    ["scan", "--history", "--format", "junit"],
    ["scan", "--history", "--output", "out/report.txt", "--json", "out/report.json", "--junit", "out/report.xml"],
    ["scan", "--since", "HEAD~2", "--format", "json"],
    ["scan", "--pre-push", "--format", "json"],
]


@pytest.mark.parametrize("args", GIT_RUNS, ids=lambda a: " ".join(a))
def test_no_git_scan_output_contains_a_key(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    """Keys committed, deleted again (history only), and staged: every git mode."""
    from tests.gitrepo import GIT_ENV, GitRepo

    repo = GitRepo(tmp_path)
    repo.commit("empty start")
    planted = seed_tree(tmp_path, shipped_rules)
    repo.commit("keys")
    for path in sorted(tmp_path.glob("*.txt"))[::2]:
        path.unlink()
    repo.commit("half of them deleted")
    (tmp_path / "staged").mkdir()
    for path in sorted(tmp_path.glob("*.txt")):
        (tmp_path / "staged" / path.name).write_text(path.read_text())
    repo.git("add", "staged")
    (tmp_path / "out").mkdir()
    env = {**GIT_ENV, "NO_COLOR": None, "PRE_COMMIT_FROM_REF": "0" * 40, "PRE_COMMIT_TO_REF": "HEAD"}
    result = run_in(tmp_path, args, env=env)
    assert result.exit_code == 1, result.output
    outputs = outputs_of(result, tmp_path / "out")
    for name, text in outputs.items():
        assert leaked_runs(text, planted) == [], name


# --- Issue 10: forced internal errors, `check` under GitHub, YAML errors ---------------------

FAULT_RUNS = [
    ["scan", "."],
    ["scan", ".", "-v", "--format", "json", "--json", "out/r.json"],
    ["scan", ".", "--jobs", "2"],
    ["scan", "--history"],
    ["check", "--run", "scan,manifest", "--paths", ".", "--annotate", "--json", "out/c.json"],
    ["manifest", "check", "--format", "json"],
    ["manifest", "docs"],
    ["baseline", "create", ".", "--output", "out/b.json"],
    ["drift", "--env", "prod"],
]


@pytest.mark.parametrize("args", FAULT_RUNS, ids=lambda a: " ".join(a))
def test_an_internal_error_quoting_a_key_prints_no_key(
    tmp_path: Path, shipped_rules: RuleSet, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash whose message holds a key (detection and drift raise with the key text): exit 3,
    a one-line message naming the exception type only, and no report file left behind."""
    from byok_ci.detect.engine import Detector
    from tests.gitrepo import GIT_ENV, GitRepo

    planted = seed_manifest(tmp_path, shipped_rules)
    (tmp_path / ".byok-ci.yaml").unlink()
    GitRepo(tmp_path).commit("keys")
    (tmp_path / "out").mkdir()
    quoted = " ".join("".join(p.random_parts) for p in planted)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise ValueError(f"cannot handle {quoted}")

    monkeypatch.setattr(Detector, "detect", crash)
    if "--jobs" in args:  # make the small tree big enough for worker processes
        monkeypatch.setattr("byok_ci.scan.PARALLEL_MIN_BYTES", {"python": 0, "hyperscan": 0})
    monkeypatch.setattr("byok_ci.drift.run_drift", crash)
    monkeypatch.setattr("byok_ci.drift.load_targets", crash)
    result = run_in(tmp_path, args, env={**GIT_ENV, "NO_COLOR": None, "BYOK_CI_DEBUG": None})
    assert result.exit_code == 3, result.output
    assert "internal error (ValueError" in result.stderr
    assert leaked_runs(result.stdout + result.stderr, planted) == []
    assert list((tmp_path / "out").iterdir()) == []



def test_a_debug_traceback_quoting_a_key_prints_no_key(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """BYOK_CI_DEBUG=1 prints a crash's traceback. It was raised past the redaction of
    standard error, with the exception's message: a message quoting a key (prefixed or
    bare) reached a CI log whole. It now shows where, and the type, never the message."""
    import subprocess
    import sys

    planted = seed_tree(tmp_path, shipped_rules)
    quoted = " ".join((tmp_path / f"{p.rule_id}.txt").read_text() for p in planted)  # whole keys, prefixes too
    crash = ("import os, sys\n"
             "from byok_ci.detect.engine import Detector\n"
             "def crash(*args, **kwargs):\n"
             "    raise ValueError('cannot handle ' + os.environ['QUOTED'])\n"
             "Detector.detect = crash\n"
             "from byok_ci.cli import main\n"
             "sys.argv = ['byok-ci', 'scan', '.']\n"
             "main()\n")
    done = subprocess.run([sys.executable, "-c", crash], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "BYOK_CI_DEBUG": "1", "QUOTED": quoted, "NO_COLOR": "1"})
    assert done.returncode == 3
    assert "Traceback" in done.stderr and "ValueError" in done.stderr and "crash" in done.stderr
    assert leaked_runs(done.stdout + done.stderr, planted) == []


def test_check_under_github_actions_leaks_nothing(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """`byok-ci check` with annotations, job summary, step outputs and every report file."""
    from tests.gitrepo import GIT_ENV, GitRepo

    planted = seed_manifest(tmp_path, shipped_rules)
    planted += seed_artifacts(tmp_path, shipped_rules)
    (tmp_path / ".byok-ci.yaml").unlink()
    repo = GitRepo(tmp_path)
    repo.commit("keys")
    (tmp_path / "out").mkdir()
    summary, outputs_file = tmp_path / "out" / "summary.md", tmp_path / "out" / "outputs.txt"
    event = tmp_path / "out" / "event.json"
    event.write_text('{"repository": {"default_branch": "main"}}')
    env = {**GIT_ENV, "NO_COLOR": None, "BYOK_CI_DEBUG": None, "GITHUB_ACTIONS": "true",
           "GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_EVENT_PATH": str(event),
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs_file)}
    result = run_in(tmp_path, [
        "check", "--run", "scan,artifacts,manifest", "--artifacts", "dist", "--scheduled", "tree",
        "--junit", "out/c.xml", "--sarif", "out/c.sarif", "--json", "out/c.json",
    ], env=env)
    assert result.exit_code == 1, result.output
    assert "::error" in result.stdout and summary.read_text() and "result=" in outputs_file.read_text()
    texts = outputs_of(result, tmp_path / "out")
    for name, text in texts.items():
        assert leaked_runs(text, planted) == [], name


YAML_BREAKERS = [
    "k: [{key}\n", "k: {{{key}\n", "k: '{key}\n", 'k: "{key}\n', "k: {key}: v: w\n", "- {key}\nk: v\n",
    "k: *{key}\n", "k: !{key} v\n", "k: &{key}\n  - a\n b\n", "k: |\n  {key}\n x: [\n", "{key}\n\t- x\n",
    "k: v\n{key}\n", "k: \"\\q{key}\"\n", "k: %{key}\n", "? {key}\n? {key}\n:\n  - ]\n", "k: @{key}\n",
    "k: `{key}`\n", "k: '{key}'x\n", "---\n{key}: [\n...\n{key}\n", "k: !!python/object:{key} {{}}\n",
    "k: !!binary {key}\n", "k: !!int {key}\n", "k: !!timestamp {key}\n",
]


@pytest.mark.parametrize("template", YAML_BREAKERS)
def test_yaml_errors_never_quote_a_key(tmp_path: Path, shipped_rules: RuleSet, template: str) -> None:
    """Every YAML loader (config, rules, manifest, baseline) names the line, never the text on it."""
    from byok_ci.config import load_config
    from byok_ci.errors import ConfigError
    from byok_ci.manifest import check_manifest
    from byok_ci.rules import load_rules

    rng = random.Random(template)
    rule = shipped_rules.rules[len(template) % len(shipped_rules.rules)]
    key, parts = generate_with_parts(rule, rng)
    planted = [Planted(rule.id, parts)]
    text = template.format(key=key)
    messages = []
    (tmp_path / ".byok-ci.yaml").write_text(text)
    try:
        load_config(tmp_path / ".byok-ci.yaml")
    except ConfigError as exc:
        messages.append(str(exc))
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "mine.yaml").write_text(text)
    messages += [e.one_line() if hasattr(e, "one_line") else str(e) for e in load_rules([rules_dir]).errors]
    (tmp_path / "byok.yaml").write_text("version: 1\n" + text)
    messages += [e.one_line() for e in check_manifest(tmp_path / "byok.yaml", rules=shipped_rules).errors]
    assert messages  # the text really was rejected somewhere
    for message in messages:
        assert "\n" not in message
        assert leaked_runs(message, planted) == [], message


# --- Security round 2: keys in every input string, not only in scanned content --------------
# A key can reach byok-ci in a file or directory name, a commit author, a branch name, a
# config value, a manifest value, a command-line argument or a provider's answer. Every run
# below sees all of them at once; none may print or write a run of any of them.

INPUT_KEYS = {
    "dir": "huggingface.user-token", "file": "groq.api-key", "clean_file": "openai.project-key",
    "content": "xai.api-key", "author": "anthropic.api-key", "branch": "perplexity.api-key",
    "git_path": "jina.api-key", "config_field": "nvidia.api-key", "config_paths": "fireworks.api-key",
    "fail_on": "cerebras.api-key", "environments": "together.api-key", "manifest_env": "openrouter.api-key",
    "secret_file": "replicate.api-token", "template": "google.api-key", "description": "pinecone.api-key",
    "argument": "openai.service-account-key", "answer": "wandb.v1-key", "base_url": "xai.management-key",
    "report_path": "anthropic.admin-key",
}


def seed_hostile_inputs(root: Path, ruleset: RuleSet) -> tuple[dict[str, str], list[Planted]]:
    """A git repository whose names, author, branch, configs, manifests and rule file all hold keys."""
    from tests.gitrepo import GitRepo

    rng = random.Random(20261)
    keys, planted = {}, []
    for role, rule_id in INPUT_KEYS.items():
        rule = ruleset.get(rule_id)
        assert rule is not None, rule_id
        keys[role], parts = generate_with_parts(rule, rng)
        planted.append(Planted(f"{role} ({rule_id})", parts))
    k = keys
    repo = GitRepo(root)
    folder = root / f"cache-{k['dir']}"
    folder.mkdir()
    (folder / f"cfg-{k['file']}.env").write_text(f"XAI_API_KEY={k['content']}\n")
    (root / f"{k['clean_file']}.txt").write_text("nothing secret in here\n")
    repo.commit("keys in names", f"--author={k['author']} <ci@example.com>")
    repo.git("branch", f"feature/{k['branch']}")
    repo.write(f"logs/{k['git_path']}/app.log", "started\n")
    repo.commit("a log directory")
    (root / "cfg-field.yaml").write_text(f"{k['config_field']}: 1\n")
    (root / "cfg-paths.yaml").write_text(
        f"rule_files: [{k['config_paths']}.yaml]\nbaseline: {k['config_paths']}.json\nignore_file: {k['config_paths']}.ig\n"
    )
    (root / "cfg-check.yaml").write_text(f"check:\n  fail_on: [{k['fail_on']}]\n")
    (root / "cfg-policy.yaml").write_text(f"policy:\n  environments: [{k['environments']}, prod]\n")
    (root / "byok.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n  - name: acme-prod-openai\n"
        f"    env: {k['manifest_env']}\n    provider: openai\n    secret: env://OPENAI_API_KEY\n"
    )
    (root / "drift.yaml").write_text(
        "version: 1\nproject: acme\nkeys:\n"
        f"  - name: acme-prod-openai\n    env: prod\n    provider: openai\n    secret: file://{k['secret_file']}\n"
        "  - name: acme-prod-xai\n    env: prod\n    provider: xai\n    secret: env://XAI_KEY\n"
    )
    (root / "leaky-rules.yaml").write_text(
        "provider: mine\nrules:\n  - id: mine.token\n"
        f"    description: Mine token, e.g. {k['description']}\n    keywords: [mine_]\n"
        "    pattern: 'mine_[a-z]{30}'\n    format: ['mine_', {letters: 30}]\n"
        f"    examples:\n      positive: ['X={k['template']}']\n"
    )
    (root / "out").mkdir()
    return keys, planted


INPUT_RUNS = [
    ["scan", "."],
    ["scan", ".", "-q"],
    ["scan", ".", "-v", "--no-color"],
    ["scan", ".", "--format", "json"],
    ["scan", ".", "--format", "junit"],
    ["scan", ".", "--format", "sarif"],
    ["scan", ".", "--format", "github"],
    ["scan", ".", "--output", "out/r.txt", "--json", "out/r.json", "--junit", "out/r.xml", "--sarif", "out/r.sarif"],
    ["scan", "--history", "-v", "--json", "out/h.json", "--junit", "out/h.xml", "--sarif", "out/h.sarif"],
    ["scan", "--history", "--format", "github"],
    ["scan", "--since", "feature/{branch}", "--format", "json"],
    ["scan", "--since", "{argument}"],
    ["scan", "--range", "{argument}..HEAD", "--format", "json"],
    ["scan", "{argument}", "--format", "junit"],
    ["scan", ".", "--format", "{argument}"],
    ["scan", ".", "--config", "cfg-field.yaml", "--format", "json"],
    ["scan", ".", "--config", "cfg-paths.yaml", "--format", "sarif"],
    ["scan", ".", "--rules", "{argument}.yaml", "--baseline", "{argument}.json", "--exclude", "{argument}"],
    ["check", "--run", "scan,manifest", "--config", "cfg-check.yaml"],
    ["check", "--run", "scan,manifest", "--paths", ". {argument}", "--json", "out/c.json", "--junit", "out/c.xml"],
    ["manifest", "check", "--config", "cfg-policy.yaml", "--format", "json"],
    ["manifest", "check"],
    ["manifest", "check", "--format", "junit", "--sarif", "out/m.sarif"],
    ["manifest", "check", "--format", "github"],
    ["manifest", "check", "--manifest", "{argument}"],
    ["manifest", "docs"],
    ["rules", "show", "{argument}"],
    ["rules", "test", "leaky-rules.yaml"],
    ["rules", "list", "--rules", "leaky-rules.yaml"],
    ["rules", "show", "mine.token", "--rules", "leaky-rules.yaml"],
    ["baseline", "create", ".", "--bind-paths", "--output", "out/b.json"],
    ["baseline", "update", ".", "--baseline", "out/{argument}.json"],
    ["drift", "--env", "{argument}", "--manifest", "drift.yaml", "--base-url", "{argument}=https://{argument}.example"],
    ["drift", "--env", "prod", "--manifest", "drift.yaml", "--allow-host", "{argument}", "--format", "json"],
]


@pytest.mark.parametrize("args", INPUT_RUNS, ids=lambda a: " ".join(a))
def test_keys_in_input_strings_never_reach_an_output(tmp_path: Path, shipped_rules: RuleSet, args: list[str]) -> None:
    from tests.gitrepo import GIT_ENV

    keys, planted = seed_hostile_inputs(tmp_path, shipped_rules)
    argv = [arg.format(**keys) for arg in args]
    result = run_in(tmp_path, argv, env={**GIT_ENV, "NO_COLOR": None})
    assert result.exit_code in (0, 1, 2), result.output
    outputs = outputs_of(result, tmp_path / "out")
    for name, text in outputs.items():
        assert leaked_runs(text, planted) == [], name


def test_keys_in_names_are_findings_of_their_own(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Guard for the test above: the names really hold keys byok-ci recognises."""
    import json

    from tests.gitrepo import GIT_ENV

    seed_hostile_inputs(tmp_path, shipped_rules)
    result = run_in(tmp_path, ["scan", "--history", "--format", "json"], env=GIT_ENV)
    found = {(f["rule_id"], f.get("found_in")) for f in json.loads(result.stdout)["findings"]}
    assert {(INPUT_KEYS[role], where) for role, where in (
        ("dir", "path"), ("file", "path"), ("clean_file", "path"), ("git_path", "path"), ("author", "author"),
        ("branch", "ref"), ("content", None),
    )} <= found


def test_keys_in_drift_inputs_and_provider_answers_never_reach_an_output(
    tmp_path: Path, shipped_rules: RuleSet
) -> None:
    """`secret: file://<key>`, a base URL holding a key, and provider answers carrying another key."""
    from tests.drift.fake_provider import serve

    keys, planted = seed_hostile_inputs(tmp_path, shipped_rules)
    xai = shipped_rules.get("xai.api-key")
    assert xai is not None
    real, parts = generate_with_parts(xai, random.Random(8))
    planted.append(Planted("probed xai key", parts))
    with serve() as fake:
        fake.valid_keys.add(real)
        fake.say = f"key {keys['answer']} belongs to someone else"
        result = run_in(tmp_path, [
            "drift", "--env", "prod", "--manifest", "drift.yaml", "--allow-insecure-loopback",
            "--base-url", f"acme-prod-xai={fake.base('xai')}/{keys['base_url']}/..", "--base-url",
            f"acme-prod-openai={fake.url}/openai/{keys['base_url']}", "--json", "out/d.json", "--junit", "out/d.xml",
            "--sarif", "out/d.sarif", "--audit-log", "out/audit.jsonl",
        ], env={"XAI_KEY": real, "NO_COLOR": None})
        said = sum(1 for _, _, cred in fake.hits if cred)
    assert result.exit_code in (1, 2, 4), result.output
    assert said >= 2  # the provider really answered (and said the other key)
    for name, text in outputs_of(result, tmp_path / "out").items():
        assert leaked_runs(text, planted) == [], name


def test_keys_in_input_strings_under_check_on_github_actions(tmp_path: Path, shipped_rules: RuleSet) -> None:
    """Annotations, notices, job summary, step outputs (a report path holding a key) and reports."""
    from tests.gitrepo import GIT_ENV

    keys, planted = seed_hostile_inputs(tmp_path, shipped_rules)
    event = tmp_path / "out" / "event.json"
    event.write_text('{"repository": {"default_branch": "main"}}')
    env = {**GIT_ENV, "NO_COLOR": None, "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "workflow_dispatch",
           "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(tmp_path / "out" / "summary.md"),
           "GITHUB_OUTPUT": str(tmp_path / "out" / "outputs.txt")}
    result = run_in(tmp_path, ["check", "--run", "scan,manifest", "--junit", f"out/{keys['report_path']}.xml",
                               "--sarif", "out/c.sarif", "--json", "out/c.json"], env=env)
    assert result.exit_code == 1, result.output
    assert "::error" in result.stdout and "junit=out/" in (tmp_path / "out" / "outputs.txt").read_text()
    for name, text in outputs_of(result, tmp_path / "out").items():
        assert leaked_runs(text, planted) == [], name


def test_a_detection_candidate_shows_no_key(shipped_rules: RuleSet, rng: random.Random) -> None:
    """The engine's candidate holds the raw key until a finding is made; its repr (a traceback's
    locals, a debugger, a log line) shows none of it."""
    from byok_ci.detect.engine import Detector
    from tests.conftest import key_for

    key = key_for(shipped_rules, "openai.admin-key", rng)
    candidates = Detector(shipped_rules)._resolved(f'OPENAI_ADMIN_KEY = "{key}"\n', "app.py")
    assert candidates and all(c.secret == key for c in candidates)
    assert all(key[-RUN:] not in repr(c) and key not in str(c) for c in candidates)


def test_records_holding_a_manifests_inline_key_or_an_admin_key_show_none(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """A manifest entry's inline key (``secret_text``, "never shown") and ``byok-ci usage``'s
    admin key were in their dataclass repr (a traceback's locals, a debugger, a log line)."""
    from byok_ci.manifest.load import load_manifest
    from byok_ci.usage.run import _Admin
    from tests.conftest import key_for
    from tests.manifest.conftest import MANIFESTS, write

    key = key_for(shipped_rules, "openai.project-key", rng)
    text = (MANIFESTS / "good.yaml").read_text().replace("secret: aws-sm://acme/prod/openai#api_key", f"secret: {key}")
    manifest = load_manifest(write(tmp_path, text), providers=[p for p in shipped_rules.providers])
    (entry,) = [e for e in manifest.keys if e.secret_text == key]
    admin = _Admin(entry, secret=key_for(shipped_rules, "openai.admin-key", rng))
    for record, secret in ((entry, key), (manifest, key), (admin, admin.secret)):
        assert secret[-RUN:] not in repr(record), type(record).__name__


def test_records_holding_scanned_text_show_none_of_it(shipped_rules: RuleSet, rng: random.Random) -> None:
    """A chunk of scanned text, a parsed config line, a source map's decoded strings and a git
    patch's added lines hold the text a key sits in; their repr (a traceback's locals, a
    debugger) showed it."""
    from byok_ci.detect.structure import _parse
    from byok_ci.model import Chunk
    from byok_ci.sources.artifacts.documents import chunks
    from byok_ci.drift.http import Exchange
    from byok_ci.sources.git.patch import FilePatch, Run
    from tests.conftest import key_for

    key = key_for(shipped_rules, "openai.project-key", rng)
    line = f"openai_api_key: {key}"
    source_map = '{"version": 3, "sources": ["a.js"], "sourcesContent": ["const k = \\"' + key + '\\";"]}'
    decoded = [c for c in chunks(Chunk(text=source_map, path="app.js.map")) if c.origin is not None]
    assert decoded, "the source map was not decoded"
    run = Run(3, f"{line}\n".encode())
    echoed = Exchange(401, text=f'{{"error": "invalid key {key}"}}')  # an endpoint that echoes the key
    records = [Chunk(text=line, path="a.yaml"), _parse(line, 0, len(line)), *decoded, decoded[0].origin,
               run, FilePatch(None, "a.yaml", runs=[run]), echoed]
    for record in records:
        assert key[-RUN:] not in repr(record), type(record).__name__

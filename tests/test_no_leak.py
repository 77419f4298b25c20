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
    ["scan", ".", "--output", "out/report.txt", "--json", "out/report.json", "--junit", "out/report.xml"],
    ["scan", ".", "--rules", "bad-rules.yaml"],
    ["scan", ".", "missing-file", "--format", "json"],
    ["scan", "-"],
    ["rules", "test", "bad-rules.yaml"],
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
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        env = {**GIT_ENV, "NO_COLOR": None, "PRE_COMMIT_FROM_REF": "0" * 40, "PRE_COMMIT_TO_REF": "HEAD"}
        result = CliRunner().invoke(main, args, env=env)
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output
    outputs = {"stdout": result.stdout, "stderr": result.stderr}
    for path in (tmp_path / "out").iterdir():
        outputs[path.name] = path.read_text()
    for name, text in outputs.items():
        assert leaked_runs(text, planted) == [], name

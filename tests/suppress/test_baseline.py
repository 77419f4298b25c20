"""Baselines: byte-stable files keyed by fingerprint that survive moved lines and rebases."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from byok_ci.config import Settings
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.suppress.baseline import dumps, read_baseline
from byok_ci.baseline import create_baseline, update_baseline
from tests.conftest import key_for


def plant(root: Path, ruleset: RuleSet, rng: random.Random) -> dict[str, str]:
    keys = {
        "openai": key_for(ruleset, "openai.project-key", rng),
        "groq": key_for(ruleset, "groq.api-key", rng),
    }
    (root / "src").mkdir()
    (root / "src" / "settings.py").write_text(f'OPENAI_API_KEY = "{keys["openai"]}"\n')
    (root / ".env").write_text(f"GROQ_API_KEY={keys['groq']}\n")
    return keys


@pytest.fixture
def tree(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return plant(tmp_path, shipped_rules, rng)


def test_two_people_on_the_same_tree_write_the_same_bytes(tmp_path: Path, shipped_rules: RuleSet) -> None:
    outputs = []
    for person in ("alice", "bob"):
        root = tmp_path / person / "checkout"
        root.mkdir(parents=True)
        plant(root, shipped_rules, random.Random(5))
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(root)
            outcome = create_baseline(["."], Path(".byok-ci-baseline.json"))
        assert outcome.written
        outputs.append((root / ".byok-ci-baseline.json").read_bytes())
    assert outputs[0] == outputs[1]
    text = outputs[0].decode()
    data = json.loads(text)
    assert str(tmp_path) not in text and set(data) == {"version", "tool", "entries"}  # nothing volatile
    assert list(data["entries"]) == sorted(data["entries"]) and len(data["entries"]) == 2


def test_the_file_holds_no_key_only_fingerprints_and_redacted_forms(tree: dict[str, str]) -> None:
    create_baseline(["."], Path("b.json"))
    text = Path("b.json").read_text()
    for key in tree.values():
        assert key not in text and key[-12:] not in text
    entry = next(iter(json.loads(text)["entries"].values()))
    assert set(entry) == {"rule_id", "redacted"}


def test_scan_with_baseline_reports_only_new_findings_after_lines_move(tree: dict[str, str], shipped_rules: RuleSet) -> None:
    create_baseline(["."], Path("b.json"))
    # Lines move, the file is renamed and a new key arrives: only the new key is reported.
    settings = Path("src/settings.py")
    settings.write_text("# a new header\n\n" + settings.read_text())
    shutil.move(".env", ".env.local")
    new_key = key_for(shipped_rules, "anthropic.api-key", random.Random(9))
    Path("src/client.py").write_text(f'KEY = "{new_key}"\n')
    report = scan_paths(["."], settings=Settings(baselines=(Path("b.json"),)))
    assert [f.rule_id for f in report.findings] == ["anthropic.api-key"]
    assert report.stats.baselined == 2
    assert report.stats.to_dict()["baselined"] == 2
    assert report.errors == ()


def test_bound_entries_cover_only_their_paths(tree: dict[str, str]) -> None:
    Path("conf").mkdir()
    outcome = create_baseline(["."], Path("conf/b.json"), bind_paths=True, reason="accepted in SEC-1")
    assert outcome.baseline is not None
    paths = sorted(p for e in outcome.baseline.entries.values() for p in e.paths)
    assert paths == ["../.env", "../src/settings.py"]  # relative to the baseline's directory
    assert {e.reason for e in outcome.baseline.entries.values()} == {"accepted in SEC-1"}
    shutil.copy("src/settings.py", "src/copy.py")
    report = scan_paths(["."], settings=Settings(baselines=(Path("conf/b.json"),)))
    assert [f.path for f in report.findings] == ["src/copy.py"]


def test_update_adds_new_keeps_reasons_and_reports_stale(tree: dict[str, str], shipped_rules: RuleSet) -> None:
    create_baseline(["."], Path("b.json"), reason="old")
    Path(".env").unlink()
    Path("new.py").write_text(f'K = "{key_for(shipped_rules, "xai.api-key", random.Random(3))}"\n')
    outcome = update_baseline(["."], Path("b.json"))
    assert outcome.update is not None
    assert [e.rule_id for e in outcome.update.added] == ["xai.api-key"]
    assert [e.rule_id for e in outcome.update.stale] == ["groq.api-key"]
    baseline, errors = read_baseline(Path("b.json"))
    assert errors == []
    assert sorted(e.rule_id for e in baseline.entries.values()) == ["groq.api-key", "openai.project-key", "xai.api-key"]
    assert {e.rule_id: e.reason for e in baseline.entries.values()}["openai.project-key"] == "old"

    pruned = update_baseline(["."], Path("b.json"), prune=True)
    assert pruned.update is not None and pruned.update.pruned
    baseline, _ = read_baseline(Path("b.json"))
    assert sorted(e.rule_id for e in baseline.entries.values()) == ["openai.project-key", "xai.api-key"]


def test_update_never_prunes_after_an_incomplete_scan(tree: dict[str, str]) -> None:
    create_baseline(["."], Path("b.json"))
    Path(".env").unlink()
    outcome = update_baseline([".", "missing.txt"], Path("b.json"), prune=True)
    assert outcome.update is not None and not outcome.update.pruned
    assert any("not pruning" in e.message for e in outcome.report.errors)
    assert len(read_baseline(Path("b.json"))[0].entries) == 2


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("{\n  \"entries\": {\n", 3, "malformed baseline JSON"),
        ('{"version": 1, "tool": "byok-ci",\n "entries": {\n  "NOTHEX": {"rule_id": "a.b", "redacted": "…"}}}', 3, "fingerprint"),
        ('{"version": 1,\n "entries": {\n  "0123456789abcdef": {"rule_id": "a.b"}}}', 3, "missing field 'redacted'"),
        ('{"version": 1,\n "entries": {\n  "0123456789abcdef": {"rule_id": "a.b", "redacted": "…", "line": 3}}}', 3, "unknown field 'line'"),
        ('{"version": 7, "entries": {}}', 1, "unsupported baseline version"),
    ],
)
def test_malformed_baseline_is_a_one_line_error_naming_file_and_line(
    tmp_path: Path, content: str, line: int, message: str
) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    _, errors = read_baseline(path)
    assert len(errors) == 1
    assert errors[0].line == line and message in errors[0].message
    assert "\n" not in errors[0].one_line()


def test_a_bad_baseline_suppresses_nothing_and_makes_the_run_incomplete(tree: dict[str, str]) -> None:
    Path("b.json").write_text("not json\n")
    report = scan_paths(["."], settings=Settings(baselines=(Path("b.json"),)))
    assert len(report.findings) == 2
    assert [e.path for e in report.errors] == ["b.json"]


def test_dumps_is_sorted_with_a_final_newline(tree: dict[str, str]) -> None:
    outcome = create_baseline(["."], None)
    assert outcome.baseline is not None
    text = dumps(outcome.baseline)
    assert text.endswith("}\n") and json.loads(text)["version"] == 1
    assert not Path(".byok-ci-baseline.json").exists()


def test_an_entry_ignores_line_and_commit_so_rebases_and_squashes_keep_it(tmp_path: Path) -> None:
    from byok_ci.model import Finding
    from byok_ci.suppress.baseline import Baseline, BaselineEntry

    entry = BaselineEntry("0123456789abcdef", "groq.api-key", "gsk_…abcd", first_seen="1111111")
    baseline = Baseline({entry.fingerprint: entry}, tmp_path)
    for commit, line in (("1111111", 3), ("2222222", 40), (None, 1)):  # before/after a rebase, squashed
        finding = Finding("groq.api-key", "groq", "error", "a.py", line, 1, "m", "gsk_…abcd", entry.fingerprint, commit)
        assert baseline.covers(finding, tmp_path)
    other = Finding("groq.api-key", "groq", "error", "a.py", 3, 1, "m", "gsk_…abcd", "fedcba9876543210", "1111111")
    assert not baseline.covers(other, tmp_path)  # a new key on an accepted line is still new


@pytest.mark.parametrize(("content", "message"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (b'{"version": 1, "entries": {"\xff": 1}}', "not UTF-8"),
])
def test_a_hostile_baseline_is_an_error_not_a_crash(tmp_path: Path, content: str | bytes, message: str) -> None:
    """A baseline of the checkout nested past Python's recursion limit, or not UTF-8: one
    error naming the file, as any malformed baseline (a crash would be exit 3)."""
    from byok_ci.config import Settings
    from byok_ci.scan import scan_paths

    path = tmp_path / "b.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    _, errors = read_baseline(path)
    assert len(errors) == 1 and message in errors[0].message
    (tmp_path / "a.py").write_text("a = 1\n")
    report = scan_paths([str(tmp_path / "a.py")], settings=Settings(baselines=(path,)))
    assert [e.message for e in report.errors if message in e.message], report.errors

"""History read as git's bytes: patches screened before any text is made of them, the rest
detected chunk by chunk. What is found does not depend on how git's output is cut, and
nothing but added lines is ever reported."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from byok_ci.model import Report
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources.git import commits
from tests.conftest import key_for
from tests.gitrepo import GitRepo

HISTORY = GitTarget("history")


def _found(report: Report) -> list[tuple[str, int, str, str | None, str | None]]:
    return sorted((f.path, f.line, f.rule_id, f.encoding, f.commit) for f in report.findings)


def _history(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> tuple[GitRepo, dict[str, str]]:
    repo = GitRepo(tmp_path / "repo")
    openai = key_for(shipped_rules, "openai.project-key", rng)
    groq = key_for(shipped_rules, "groq.api-key", rng)
    ngc = key_for(shipped_rules, "nvidia.ngc-key", rng)
    filler = "".join(f"value_{n} = compute({n}, 'text')\n" for n in range(3000))
    repo.write("big.py", filler + f'KEY = "{openai}"\n' + filler)
    repo.write("plain.txt", "nothing here\n")
    first = repo.commit("first")
    # A key only decoding finds, and one only the file's path names the provider of.
    repo.write("k8s/secret.yaml", f"kind: Secret\ndata:\n  GROQ_API_KEY: {base64.b64encode(groq.encode()).decode()}\n")
    repo.write(".ngc/config", f"[CURRENT]\napikey = {ngc}\nformat_type = ascii\n")
    # CRLF lines, no newline at the end, and a path that reads like a diff header.
    repo.write(b"odd\ndiff --git x.txt", f"one\r\nGROQ={groq}\r\nlast line".encode())
    second = repo.commit("second")
    # The key moves within big.py, and a removed line holds a key: neither is a new finding.
    repo.write("big.py", "# header\n" + filler + f'KEY = "{openai}"\n')
    repo.write("plain.txt", f"was here: {openai}\n")
    repo.commit("third")
    repo.write("plain.txt", "nothing here\n")
    repo.commit("fourth")
    return repo, {"first": first, "second": second}


def test_history_reports_added_lines_only_whatever_they_look_like(tmp_path: Path, shipped_rules: RuleSet,
                                                                  rng: random.Random) -> None:
    repo, commits_ = _history(tmp_path, shipped_rules, rng)
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    first, second = commits_["first"], commits_["second"]
    third = repo.git("rev-parse", "HEAD~1")
    assert _found(report) == [
        (".ngc/config", 2, "nvidia.ngc-key", None, second),
        ("big.py", 3001, "openai.project-key", None, first),
        ("k8s/secret.yaml", 3, "groq.api-key", "base64", second),
        ("odd\ndiff --git x.txt", 2, "groq.api-key", None, second),
        ("plain.txt", 1, "openai.project-key", None, third),
    ]
    assert report.errors == ()


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_findings_do_not_depend_on_how_gits_output_is_cut(size: int, tmp_path: Path, shipped_rules: RuleSet,
                                                          rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = _history(tmp_path, shipped_rules, rng)
    whole = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    monkeypatch.setattr(commits, "READ_SIZE", size)
    cut = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert _found(cut) == _found(whole) and cut.stats == whole.stats.__class__(**{**whole.stats.__dict__,
                                                                               "seconds": cut.stats.seconds})


def test_screened_history_counts_what_it_read_as_before(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Patches the screen rules out are still files read: the counts are those of a scan
    without the screen (the pure-Python prefilter cannot screen bytes)."""
    repo, _ = _history(tmp_path, shipped_rules, rng)
    screened = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    unscreened = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert (screened.stats.files, screened.stats.bytes, screened.stats.commits) == (
        unscreened.stats.files, unscreened.stats.bytes, unscreened.stats.commits)
    assert [f for f in _found(screened) if f[3] is None] == [f for f in _found(unscreened) if f[3] is None]


def test_an_encoded_key_alone_in_history_is_found(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """Detection in batches used to look at a chunk only where a keyword occurred nearby, so
    a key only decoding finds, with no keyword in the commits around it, was missed in
    history (and found by --staged and in a directory)."""
    repo = GitRepo(tmp_path / "repo")
    key = key_for(shipped_rules, "groq.api-key", rng)
    repo.write("blob.txt", "config: " + base64.b64encode(("token=" + key).encode()).decode() + "\n")
    repo.write("a.txt", "hello\n")
    repo.commit("encoded")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.rule_id, f.encoding) for f in report.findings] == [("blob.txt", "groq.api-key", "base64")]

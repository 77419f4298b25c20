"""Damaged and odd repositories: a corrupt object, a ref to a missing object, non-UTF-8
names and messages, a blob over the size limit. One clear error each; the rest is scanned."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byok_ci.cli import main
from byok_ci.config import Settings
from byok_ci.rules import RuleSet, load_rules
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo

HISTORY = GitTarget("history")


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random):  # type: ignore[no-untyped-def]
    return lambda rule="groq.api-key": key_for(shipped_rules, rule, rng)


def cli(cwd: Path, *args: str):  # type: ignore[no-untyped-def]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), env={**GIT_ENV, "NO_COLOR": None, "BYOK_CI_DEBUG": None})
    finally:
        os.chdir(old)


def corrupt(repo: GitRepo, spec: str) -> str:
    sha = repo.git("rev-parse", spec)
    path = repo.path / ".git" / "objects" / sha[:2] / sha[2:]
    path.chmod(0o644)
    path.write_bytes(b"not zlib at all")
    return sha


@pytest.mark.parametrize("args", [["scan", "--history"], ["scan", "--since", "HEAD~3"]], ids=" ".join)
def test_a_corrupt_blob_is_one_error_and_the_other_commits_are_scanned(tmp_path: Path, keys, args) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.commit("start")
    repo.write("old.env", f"K={keys()}\n")
    old = repo.commit("old key")
    repo.write("damaged.txt", "this blob gets corrupted\n")
    damaged = repo.commit("damaged")
    repo.write("new.env", f"K={keys()}\n")
    new = repo.commit("new key")
    corrupt(repo, "HEAD~1:damaged.txt")
    result = cli(tmp_path, *args, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sorted((f["path"], f["commit"]) for f in data["findings"]) == [("new.env", new), ("old.env", old)]
    (error,) = data["errors"]
    assert error["path"] == f"git@{damaged[:12]}" and "run git fsck" in error["message"]
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_a_ref_to_a_missing_object_is_one_error_and_the_other_refs_are_scanned(tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.write("a.env", f"K={keys()}\n")
    repo.commit("key")
    (tmp_path / ".git" / "refs" / "heads" / "broken").write_text("0123456789abcdef" * 2 + "01234567\n")
    report = scan_git(HISTORY, rules=load_rules(), cwd=str(tmp_path))
    assert [f.path for f in report.findings] == ["a.env"]
    assert [(e.path, e.message.split(";")[0]) for e in report.errors] == [
        ("git", "refs/heads/broken points to a missing object 0123456789ab")
    ]
    result = cli(tmp_path, "scan", "--history")
    assert result.exit_code == 1 and "refs/heads/broken points to a missing object" in result.stderr


@pytest.fixture
def damaged_history(tmp_path: Path, keys):  # type: ignore[no-untyped-def]
    """start, a key, a commit whose object is then corrupted, another key."""
    repo = GitRepo(tmp_path)
    repo.write("README", "start\n")
    start = repo.commit("start")
    repo.write("old.env", f"K={keys()}\n")
    old = repo.commit("old key")
    repo.write("README", "damaged\n")
    damaged = repo.commit("damaged")
    repo.write("new.env", f"K={keys()}\n")
    new = repo.commit("new key")
    corrupt(repo, damaged)
    return repo, start, old, damaged, new


def test_a_corrupt_commit_object_costs_that_commit_only(damaged_history) -> None:  # type: ignore[no-untyped-def]
    """Security round 2, item 14: git rev-list stops at the first commit it cannot read,
    which cost every commit; now the others are walked and scanned."""
    repo, _start, old, damaged, new = damaged_history
    result = cli(repo.path, "scan", "--history", "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sorted((f["path"], f["commit"]) for f in data["findings"]) == [("new.env", new), ("old.env", old)]
    (error,) = data["errors"]
    assert error["path"] == f"git@{damaged[:12]}" and "run git fsck" in error["message"]
    assert data["stats"]["commits"] == 3
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_a_range_across_a_corrupt_commit_scans_what_it_reaches(damaged_history) -> None:  # type: ignore[no-untyped-def]
    """The commits behind the damaged one cannot be reached; what they added and is still
    there shows in the whole tree of the commit after it."""
    repo, start, _old, damaged, new = damaged_history
    result = cli(repo.path, "scan", "--range", f"{start}..{new}", "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert sorted((f["path"], f["commit"]) for f in data["findings"]) == [("new.env", new), ("old.env", new)]
    (error,) = data["errors"]
    assert error["path"] == f"git@{damaged[:12]}" and "were not scanned" in error["message"]


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "sarif", "github"])
def test_non_utf8_names_and_messages(tmp_path: Path, keys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.write(b"d\xe9j\xe0/caf\xe9\xff.env", f"K={keys()}\n")
    (tmp_path / "msg").write_bytes(b"r\xe9sum\xe9 \xff\xfe of the \x1b[31m change\n\nbody \xc3\x28\n")
    repo.git("add", "d\udce9j\udce0")
    repo.git("-c", "i18n.commitEncoding=latin-1", "commit", "-q", "-F", str(tmp_path / "msg"))
    (tmp_path / "msg").unlink()
    result = cli(tmp_path, "scan", "--history", "--format", fmt)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.stdout  # a commit message cannot colour or move the terminal
    assert "caf" in result.stdout
    if fmt == "json":
        (finding,) = json.loads(result.stdout)["findings"]
        assert finding["path"] == "d\\xe9j\\xe0/caf\\xe9\\xff.env" and finding["line"] == 1


@pytest.mark.parametrize("mode", [["--history"], ["--since", "HEAD~1"], ["--staged"]], ids=" ".join)
def test_a_blob_just_over_the_size_limit(tmp_path: Path, keys, mode: list[str]) -> None:  # type: ignore[no-untyped-def]
    repo = GitRepo(tmp_path)
    repo.commit("start")
    repo.write("small.env", f"K={keys()}\n")
    repo.write("big.txt", "x" * 70_000 + f"\nK={keys()}\n")
    if mode != ["--staged"]:
        repo.commit("both")
    else:
        repo.git("add", "-A")
    result = cli(tmp_path, "scan", *mode, "--max-file-size", "64k", "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["findings"]] == ["small.env"]
    assert [e["path"].split("@")[0] for e in data["errors"]] == ["big.txt"]
    assert "--max-file-size" in data["errors"][0]["message"]


RULES = load_rules()
KEY_RULE = RULES.get("groq.api-key")
NAMES = st.text(st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"]), min_size=1, max_size=12).filter(
    lambda n: n not in (".", "..", ".git") and not n.startswith(".git")
)


@pytest.mark.slow  # hypothesis, a git repository per example
@settings(max_examples=int(os.environ.get("GIT_EXAMPLES", "12")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(st.tuples(NAMES, st.binary(max_size=300), st.integers(0, 5)), min_size=1, max_size=4,
                      unique_by=lambda f: f[0]),
       seed=st.integers(0, 10**6))
def test_staged_and_history_of_random_files_never_raise_and_find_keys_at_their_lines(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes, int]], seed: int
) -> None:
    """Random names and bytes, each with a key on a known line (or not): the scan never
    raises, and every key found is at its line."""
    assert KEY_RULE is not None
    root = tmp_path_factory.mktemp("repo")
    repo = GitRepo(root)
    rng = random.Random(seed)
    expected = set()
    for name, data, where in files:
        lines = data.split(b"\n")
        if where and b"\0" not in data:
            key = key_for(RULES, "groq.api-key", rng)
            position = min(where, len(lines))
            lines.insert(position, f"K={key}".encode())
            expected.add((name, position + 1))
        repo.write(name.encode("utf-8", "surrogateescape"), b"\n".join(lines))
    repo.git("add", "-A")
    staged = scan_git(GitTarget("staged"), rules=RULES, cwd=str(root), settings=Settings())
    repo.commit("random files")
    history = scan_git(HISTORY, rules=RULES, cwd=str(root), settings=Settings())
    for report in (staged, history):
        found = {(f.path, f.line) for f in report.findings}
        assert {line for _, line in found} <= {line for _, line in expected}
        assert len(found) == len(expected), (found, expected, report.errors)
        assert all("\n" not in e.message for e in report.errors)

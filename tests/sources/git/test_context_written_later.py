"""Diff-based scans find a key whose provider context a LATER commit writes.

A key committed with no context (an INI section ``[default]``) is no finding; a later
commit that writes only the context (renames the section ``[pinecone]``, names the
provider above it, renames the file to a path that names it) makes it one, and a directory
scan of that commit reports it. That commit adds no key-shaped line: the file version is
read whole (byok_ci.sources.git.later) and the key is reported at that commit, with its
line numbers, unless a version it was diffed against already confirmed it.
"""

from __future__ import annotations

import importlib
import json
import random
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.config import Settings
from byok_ci.model import Finding
from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env

HISTORY = GitTarget("history")

# Each test runs with each prefilter (tests/sources/git/conftest.py): without Hyperscan a git
# scan takes another path (no screen, no lineage of file versions) to the same findings.
pytestmark = pytest.mark.usefixtures("prefilter")


@dataclass(frozen=True)
class Case:
    """A file whose first version holds a key with no context, and whose second writes it."""

    path: str
    rule: str
    before: str  # "{key}" where the key goes
    after: str
    line: int  # the key's line in the second


CASES = (
    Case("settings.ini", "pinecone.legacy-key", "[default]\nregion = us\napi_key = {key}\n\n[other]\nname = x\n",
         "[pinecone]\nregion = us\napi_key = {key}\n\n[other]\nname = x\n", 3),
    Case("deploy/config.yaml", "together.legacy-key",
         "service:\n  base_url: https://example.com/v1\n  timeout: 30\n  api_key: {key}\nother:\n  x: 1\n",
         "together:\n  base_url: https://example.com/v1\n  timeout: 30\n  api_key: {key}\nother:\n  x: 1\n", 4),
    Case("app/speech.py", "deepgram.api-key", "# Speech key\nREGION = 'us'\nAPI_KEY = '{key}'\n\n\ndef run():\n    pass\n",
         "# Deepgram key\nREGION = 'us'\nAPI_KEY = '{key}'\n\n\ndef run():\n    pass\n", 3),
)
EXPECTED = {(case.path, case.line, case.rule) for case in CASES}


def where(findings: tuple[Finding, ...] | list[Finding]) -> set[tuple[str, int, str]]:
    return {(f.path, f.line, f.rule_id) for f in findings}


def write_keys(repo: GitRepo, rules: RuleSet, rng: random.Random) -> tuple[str, dict[str, str]]:
    """The keys committed with no context: the commit, and each file's key."""
    keys = {case.path: key_for(rules, case.rule, rng) for case in CASES}
    for case in CASES:
        repo.write(case.path, case.before.format(key=keys[case.path]))
    return repo.commit("settings with keys no rule can call a provider's"), keys


def write_context(repo: GitRepo, keys: dict[str, str]) -> None:
    for case in CASES:
        repo.write(case.path, case.after.format(key=keys[case.path]))


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "hello\n")
    repo.commit("start")
    return repo


def directory_scan(tmp_path: Path, repo: GitRepo, name: str = "tree") -> set[tuple[str, int, str]]:
    tree = tmp_path / name
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree)], cwd=repo.path, check=True, env=git_env())
    subprocess.run(["rm", "-rf", str(tree / ".git")], check=True)
    return where(scan_paths([str(tree)], root=str(tree)).findings)


def test_a_key_whose_context_a_later_commit_writes_is_found(tmp_path: Path, shipped_rules: RuleSet,
                                                            rng: random.Random) -> None:
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo = GitRepo(tmp_path / "repo")
    repo.write("settings.ini", f"[default]\nregion = us\napi_key = {key}\n\n[other]\nname = x\n")
    repo.commit("a key no rule can call Pinecone's yet")
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key}\n\n[other]\nname = x\n")
    repo.commit("the section renamed: now it is")
    tree = scan_paths([str(repo.path / "settings.ini")], root=str(repo.path))
    assert {(f.path, f.line, f.rule_id) for f in tree.findings} == {("settings.ini", 3, "pinecone.legacy-key")}
    history = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(repo.path))
    assert {(f.path, f.line, f.rule_id) for f in history.findings} == {("settings.ini", 3, "pinecone.legacy-key")}


def test_history_reports_each_key_at_the_commit_that_wrote_its_context(tmp_path: Path, repo: GitRepo,
                                                                       shipped_rules: RuleSet,
                                                                       rng: random.Random) -> None:
    _, keys = write_keys(repo, shipped_rules, rng)
    assert directory_scan(tmp_path, repo, "before") == set()
    write_context(repo, keys)
    written = repo.commit("the context")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert report.errors == ()
    assert where(report.findings) == EXPECTED == directory_scan(tmp_path, repo)
    assert {f.commit for f in report.findings} == {written}
    assert not any(key in repr(report) for key in keys.values())


@pytest.mark.parametrize("jobs", [1, 3])
def test_history_in_parts_finds_them_too(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random, jobs: int) -> None:
    _, keys = write_keys(repo, shipped_rules, rng)
    for n in range(4):  # commits in every part
        repo.write(f"notes/{n}.txt", f"note {n}\n")
        repo.commit(f"note {n}")
    write_context(repo, keys)
    written = repo.commit("the context")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(jobs=jobs))
    assert where(report.findings) == EXPECTED and {f.commit for f in report.findings} == {written}


def test_a_range_of_the_context_commit_finds_them(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    base, keys = write_keys(repo, shipped_rules, rng)
    write_context(repo, keys)
    repo.commit("the context")
    report = scan_git(GitTarget("range", revision=f"{base}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert where(report.findings) == EXPECTED and report.errors == ()


def test_the_index_finds_them(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    _, keys = write_keys(repo, shipped_rules, rng)
    write_context(repo, keys)
    repo.git("add", "-A")
    report = scan_git(GitTarget("staged"), rules=shipped_rules, cwd=str(repo.path))
    assert where(report.findings) == EXPECTED and {f.commit for f in report.findings} == {None}


def test_check_on_a_pull_request_finds_them(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, keys = write_keys(repo, shipped_rules, rng)
    write_context(repo, keys)
    head = repo.commit("the context")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}))
    for name, value in {**git_env(), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(repo.path)
    result = CliRunner().invoke(main, ["check", "--run", "scan", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {(f["path"], f["line"], f["rule_id"]) for f in findings} == EXPECTED
    assert {f["commit"] for f in findings} == {head}
    assert not any(key in result.output for key in keys.values())


@pytest.mark.parametrize("count", [2, 3])
def test_history_shards_find_them_as_the_whole_scan_does(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random,
                                                         count: int) -> None:
    """A key and its context are in the same file, so in the same shard."""
    from byok_ci.shard import Shard

    _, keys = write_keys(repo, shipped_rules, rng)
    write_context(repo, keys)
    written = repo.commit("the context")
    shards = [scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), shard=Shard(k, count))
              for k in range(1, count + 1)]
    found = [f for shard in shards for f in shard.findings]
    assert sorted((f.path, f.line, f.rule_id) for f in found) == sorted(EXPECTED)
    assert {f.commit for f in found} == {written}


def test_an_incremental_history_finds_a_key_scanned_before_its_context(repo: GitRepo, tmp_path: Path,
                                                                        shipped_rules: RuleSet,
                                                                        rng: random.Random) -> None:
    """The key's commit was scanned by an earlier run: what its version can hold is not
    known to this one, so the version the context commit makes is read."""
    state = tmp_path / "state.json"
    _, keys = write_keys(repo, shipped_rules, rng)
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state).findings == ()
    write_context(repo, keys)
    written = repo.commit("the context")
    notes: list[str] = []
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state, on_note=notes.append)
    assert any("1 commit(s) not scanned before" in note for note in notes)
    assert where(report.findings) == EXPECTED and {f.commit for f in report.findings} == {written}


def test_a_state_written_before_context_added_later_was_read_scans_everything_again(
        repo: GitRepo, tmp_path: Path, shipped_rules: RuleSet, rng: random.Random,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest says what detection reads: a state from a byok-ci that never read whole
    files for context added later (which called the context commit clean) is not trusted."""
    scanning = importlib.import_module("byok_ci.scan_git")  # the module (the package exports a function so named)
    state = tmp_path / "state.json"
    _, keys = write_keys(repo, shipped_rules, rng)
    write_context(repo, keys)
    written = repo.commit("the context")
    current = scanning._finding_settings

    def before(*args):  # type: ignore[no-untyped-def]
        return [("context read from whole files" if "later commit" in part else part) for part in current(*args)]

    monkeypatch.setattr(scanning, "_finding_settings", before)
    scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state)
    monkeypatch.setattr(scanning, "_finding_settings", current)
    notes: list[str] = []
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state, on_note=notes.append)
    assert any("rules or settings changed" in note for note in notes)
    assert where(report.findings) == EXPECTED and {f.commit for f in report.findings} == {written}


def test_a_whole_file_over_the_maximum_size_is_an_error_naming_it(repo: GitRepo, shipped_rules: RuleSet,
                                                                  rng: random.Random) -> None:
    """The context commit adds one line to a file too large to read whole: the scan says it
    is incomplete, never calls the file clean."""
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    filler = "# filler\n" * 40
    repo.write("settings.ini", f"[default]\napi_key = {key}\n" + filler)
    repo.commit("a key")
    repo.write("settings.ini", f"[default]\napi_key = {key}\n" + filler * 2)
    repo.commit("more")  # each commit adds less than the maximum, the file grows past it
    repo.write("settings.ini", f"[pinecone]\napi_key = {key}\n" + filler * 2)
    written = repo.commit("the context")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(max_file_size=500))
    (error,) = report.errors
    assert error.path == f"settings.ini@{written[:12]}" and error.blocking
    assert "over the maximum file size 500" in error.message and "--max-file-size" in error.message
    assert report.findings == ()


def test_a_key_its_context_confirmed_before_is_reported_once_where_it_was_introduced(
        repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    """Each key once per path, at its introducing commit: a later commit that names the
    provider again above it reads the file, and the key its parent already confirmed is not
    reported there, in the history or in a range holding only that commit."""
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key}\n")
    introduced = repo.commit("a section and its key")
    repo.write("settings.ini", f"# Pinecone settings\n[pinecone]\nregion = us\napi_key = {key}\n")
    again = repo.commit("the provider named again")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.line, f.commit) for f in report.findings] == [(3, introduced)]
    ranged = scan_git(GitTarget("range", revision=f"{introduced}..{again}"), rules=shipped_rules, cwd=str(repo.path))
    assert ranged.findings == () and ranged.errors == ()


def test_context_written_as_the_key_is_removed_finds_nothing(tmp_path: Path, repo: GitRepo, shipped_rules: RuleSet,
                                                             rng: random.Random) -> None:
    """As a directory scan of that version: the key is gone."""
    base, keys = write_keys(repo, shipped_rules, rng)
    for case in CASES:
        repo.write(case.path, "\n".join(line for line in case.after.split("\n") if "{key}" not in line))
    repo.commit("the context written, the keys removed")
    assert directory_scan(tmp_path, repo) == set()
    for target in (HISTORY, GitTarget("range", revision=f"{base}..HEAD")):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert report.findings == () and report.errors == ()


def test_a_keyword_far_from_the_key_gives_no_context(tmp_path: Path, repo: GitRepo, shipped_rules: RuleSet,
                                                     rng: random.Random) -> None:
    """A provider named far below an unrelated value confirms nothing, as in a directory scan."""
    key = key_for(shipped_rules, "deepgram.api-key", rng)
    filler = "".join(f"step_{n} = {n}\n" for n in range(400))
    repo.write("app/speech.py", f"API_KEY = '{key}'\n" + filler)
    base = repo.commit("a value")
    repo.write("app/speech.py", f"API_KEY = '{key}'\n" + filler + "# Deepgram, far below\n")
    repo.commit("a provider named far away")
    assert directory_scan(tmp_path, repo) == set()
    assert scan_git(GitTarget("range", revision=f"{base}..HEAD"), rules=shipped_rules,
                    cwd=str(repo.path)).findings == ()


@pytest.mark.parametrize(("name", "edit"), [("config/pinecone.ini", False), ("config/pinecone.ini", True),
                                            ("config/pinecone-café.ini", False),
                                            ("config/pinecone\n.ini", False), ("config/pinecone\n.ini", True),
                                            ('config/a "b" -> pinecone\t\\ é.ini', False),
                                            ('config/a "b" -> pinecone\t\\ é.ini', True)],
                         ids=["pure rename", "rename with an edit", "pure rename, a non-ASCII path",
                              "pure rename, a newline in the path", "rename with an edit, a newline in the path",
                              "pure rename, quotes, arrow, tab, backslash", "rename with an edit, the same"])
def test_a_file_renamed_to_a_path_that_names_the_provider(tmp_path: Path, repo: GitRepo, shipped_rules: RuleSet,
                                                          rng: random.Random, name: str, edit: bool) -> None:
    """git's rename detection (ranges, the index, pushes) shows a pure rename as a patch that
    adds nothing: the new path is the context, and the file is read whole for it. A history
    scan (no rename detection) sees the new path as a new file."""
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    text = f"region = us\napi_key = {key}\n" + "".join(f"option_{n} = {n}\n" for n in range(8))
    repo.write("config/service.ini", text)
    base = repo.commit("a key no rule can call Pinecone's")
    repo.git("mv", "config/service.ini", name)
    if edit:
        repo.write(name, text + "timeout = 30\n")
    renamed = repo.commit("the file renamed")
    expected = {(name, 2, "pinecone.legacy-key")}
    assert directory_scan(tmp_path, repo) == expected
    for target in (GitTarget("range", revision=f"{base}..HEAD"), HISTORY):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert where(report.findings) == expected and report.errors == ()
        assert {f.commit for f in report.findings} == {renamed}
    repo.git("reset", "-q", "--soft", base)  # the rename staged, not committed
    staged = scan_git(GitTarget("staged"), rules=shipped_rules, cwd=str(repo.path))
    assert where(staged.findings) == expected


def test_a_rename_between_paths_that_name_no_provider_reads_nothing(repo: GitRepo, shipped_rules: RuleSet,
                                                                    rng: random.Random,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    read = counted_reads(monkeypatch)
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("config/service.ini", f"api_key = {key}\n")
    base = repo.commit("a value")
    repo.git("mv", "config/service.ini", "config/other.ini")
    repo.commit("renamed")
    assert scan_git(GitTarget("range", revision=f"{base}..HEAD"), rules=shipped_rules,
                    cwd=str(repo.path)).findings == ()
    assert read == []


def test_context_written_in_a_merge_commit_is_found(repo: GitRepo, shipped_rules: RuleSet,
                                                    rng: random.Random) -> None:
    """A merge that resolves a conflict by writing the context (lines neither parent had)."""
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[default]\nregion = us\napi_key = {key}\n")
    base = repo.commit("a key")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("settings.ini", f"[vectors]\nregion = us\napi_key = {key}\n")
    repo.commit("one name")
    repo.git("checkout", "-q", "main")
    repo.write("settings.ini", f"[index]\nregion = us\napi_key = {key}\n")
    repo.commit("another name")
    subprocess.run(["git", "merge", "-q", "side"], cwd=repo.path, env=git_env(), capture_output=True)
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key}\n")
    repo.git("add", "settings.ini")
    repo.git("commit", "-q", "--no-edit")
    merge = repo.git("rev-parse", "HEAD")
    for target in (HISTORY, GitTarget("range", revision=f"{base}..HEAD")):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert [(f.path, f.line, f.rule_id, f.commit) for f in report.findings] == [
            ("settings.ini", 3, "pinecone.legacy-key", merge)]


def test_a_clean_merge_that_joins_a_key_with_its_context_is_found(tmp_path: Path, repo: GitRepo,
                                                                   shipped_rules: RuleSet, rng: random.Random) -> None:
    """One branch writes the context, the other the key, far enough apart that git merges
    them cleanly: the merge adds no line (git's --cc shows no hunk of the file), yet a
    directory scan of it reports the key. The merged file is read whole."""
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    pad = "".join(f"option_{n} = {n}\n" for n in range(6))
    repo.write("settings.ini", "[default]\nregion = us\n" + pad + "[end]\n")
    base = repo.commit("settings")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("settings.ini", "[pinecone]\nregion = us\n" + pad + "[end]\n")
    repo.commit("the context")
    repo.git("checkout", "-q", "main")
    repo.write("settings.ini", "[default]\nregion = us\n" + pad + f"api_key = {key}\n[end]\n")
    repo.commit("the key")
    repo.git("merge", "-q", "--no-edit", "side")
    merge = repo.git("rev-parse", "HEAD")
    assert directory_scan(tmp_path, repo) == {("settings.ini", 9, "pinecone.legacy-key")}
    for target in (HISTORY, GitTarget("range", revision=f"{base}..HEAD")):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert [(f.path, f.line, f.rule_id, f.commit) for f in report.findings] == [
            ("settings.ini", 9, "pinecone.legacy-key", merge)]


def test_a_merge_that_joins_them_and_adds_a_line_of_its_own_is_read_too(repo: GitRepo, shipped_rules: RuleSet,
                                                                         rng: random.Random) -> None:
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    pad = "".join(f"option_{n} = {n}\n" for n in range(6))
    repo.write("settings.ini", "[default]\nregion = us\n" + pad + "[end]\nz = 0\n")
    repo.commit("settings")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("settings.ini", "[pinecone]\nregion = us\n" + pad + "[end]\nz = 1\n")
    repo.commit("the context")
    repo.git("checkout", "-q", "main")
    repo.write("settings.ini", "[default]\nregion = us\n" + pad + f"api_key = {key}\n[end]\nz = 2\n")
    repo.commit("the key")
    subprocess.run(["git", "merge", "-q", "side"], cwd=repo.path, env=git_env(), capture_output=True)
    repo.write("settings.ini", "[pinecone]\nregion = us\n" + pad + f"api_key = {key}\n[end]\nz = 3\n")
    repo.git("add", "settings.ini")
    repo.git("commit", "-q", "--no-edit")  # the conflict resolved with a line neither side had
    merge = repo.git("rev-parse", "HEAD")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line, f.rule_id, f.commit) for f in report.findings] == [
        ("settings.ini", 9, "pinecone.legacy-key", merge)]


def test_a_clean_merge_of_a_key_one_parent_confirmed_reports_it_once(repo: GitRepo, shipped_rules: RuleSet,
                                                                     rng: random.Random) -> None:
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    pad = "".join(f"option_{n} = {n}\n" for n in range(6))
    repo.write("settings.ini", f"[pinecone]\napi_key = {key}\n" + pad + "[end]\n")
    introduced = repo.commit("a key under its context")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("settings.ini", f"[pinecone]\napi_key = {key}\n" + pad + "[end]\nx = 1\n")
    repo.commit("one end")
    repo.git("checkout", "-q", "main")
    repo.write("settings.ini", f"# Pinecone\n[pinecone]\napi_key = {key}\n" + pad + "[end]\n")
    repo.commit("the other")
    repo.git("merge", "-q", "--no-edit", "side")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.line, f.commit) for f in report.findings] == [(2, introduced)]
    ranged = scan_git(GitTarget("range", revision=f"{introduced}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert ranged.findings == ()


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every blob the scan's reader asks git for, recorded where it is read."""
    from byok_ci.sources.git import blobs

    read: list[str] = []
    real = blobs.ContextReader._read_all

    def counted(self, wanted):  # type: ignore[no-untyped-def]
        read.extend(wanted)
        return real(self, wanted)

    monkeypatch.setattr(blobs.ContextReader, "_read_all", counted)
    return read


def test_a_file_whose_lineage_never_held_a_key_shape_is_not_read(repo: GitRepo, shipped_rules: RuleSet,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  prefilter: str) -> None:
    """Providers named in a file in every commit (the keywords the later reading looks
    for), in a file no patch ever added a value shaped like their keys to: no version can
    hold a key they give context to, which the patches alone tell, so none is read. The
    patches tell it from the Hyperscan screen's pass over them; without Hyperscan no file's
    lineage is known and each version that names a provider is read: the same findings, at
    a higher cost."""
    read = counted_reads(monkeypatch)
    lines = ["# services\n"]
    for n, name in enumerate(["Pinecone", "Together", "Deepgram", "pinecone", "TOGETHER"]):
        lines.append(f"# {name}: see the docs, section {n}\nTIMEOUT_{n} = {n * 10}\n")
        repo.write("services.py", "".join(lines))
        repo.commit(f"document {name}")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert report.findings == () and report.errors == ()
    if prefilter == "hyperscan":  # the cost the lineage cuts (the python path pays it)
        assert read == []


def test_a_file_whose_lineage_held_a_key_shape_is_read(repo: GitRepo, shipped_rules: RuleSet,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterpart: the same commits over a file a patch once added a UUID to are read
    (so the count above counts what the lineage cuts)."""
    read = counted_reads(monkeypatch)
    lines = ["# services\n", f"REQUEST_ID = '{uuid.UUID(int=random.Random(5).getrandbits(128))}'\n"]
    repo.write("services.py", "".join(lines))
    repo.commit("start")
    for n, name in enumerate(["Pinecone", "pinecone"]):
        lines.append(f"# {name}: see the docs, section {n}\nTIMEOUT_{n} = {n * 10}\n")
        repo.write("services.py", "".join(lines))
        repo.commit(f"document {name}")
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path)).findings == ()
    assert len(read) == 2


@pytest.mark.parametrize("rule_id", ["pinecone.legacy-key", "together.legacy-key"])
@pytest.mark.parametrize("order", ["context written later", "context written before"])
def test_an_encoded_key_whose_context_other_lines_give_is_found(tmp_path: Path, shipped_rules: RuleSet,
                                                                rng: random.Random, rule_id: str, order: str) -> None:
    """A key in base64 has its shape only once decoded: the screen that
    decides which file versions are read whole (a shape without its keyword in the added
    lines; a later commit's keyword next to lines that can hold the shape) must see it so,
    or a key a directory scan of the commit reports goes unreported, with no error."""
    import base64

    key = key_for(shipped_rules, rule_id, rng)
    value = base64.b64encode(f"api_key={key}".encode()).decode()
    provider = rule_id.split(".")[0]
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "hello\n")
    base = repo.commit("start")
    head = f"[{provider}]\n" if order == "context written before" else "[default]\n"
    repo.write("settings.ini", head + "region = us\n" + "".join(f"option_{n} = {n}\n" for n in range(6)))
    repo.commit("settings")
    repo.write("settings.ini", head + f"region = us\nblob = {value}\n" + "".join(f"option_{n} = {n}\n" for n in range(6)))
    added = repo.commit("a value")
    if order == "context written later":
        repo.write("settings.ini", f"[{provider}]\nregion = us\nblob = {value}\n"
                   + "".join(f"option_{n} = {n}\n" for n in range(6)))
        added = repo.commit("the section renamed: now the key is one")
    expected = {("settings.ini", 3, rule_id)}
    assert directory_scan(tmp_path, repo) == expected
    for target in (HISTORY, GitTarget("range", revision=f"{base}..HEAD")):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert where(report.findings) == expected and report.errors == ()
        assert {f.commit for f in report.findings} == {added}


def test_without_hyperscan_a_key_moved_to_a_path_that_names_the_provider_is_found(
        tmp_path: Path, repo: GitRepo, shipped_rules: RuleSet, rng: random.Random,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pure-Python prefilter (platforms with no hyperscan wheel) finds keywords in a
    history's chunks joined into one text, which has no path: a chunk whose provider only its
    path names was skipped in a batch of several (alone, it was detected)."""
    monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("config/service.ini", f"region = us\napi_key = {key}\n" + "".join(f"o_{n} = {n}\n" for n in range(8)))
    repo.commit("a key no rule can call Pinecone's")
    repo.git("mv", "config/service.ini", "config/pinecone.ini")
    renamed = repo.commit("the file renamed")
    assert directory_scan(tmp_path, repo) == {("config/pinecone.ini", 2, "pinecone.legacy-key")}
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert where(report.findings) == {("config/pinecone.ini", 2, "pinecone.legacy-key")}
    assert {f.commit for f in report.findings} == {renamed}

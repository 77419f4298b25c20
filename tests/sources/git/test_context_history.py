"""Diff-based scans find a key whose provider context an earlier commit wrote.

A prefix-less key (a Pinecone UUID, Together's 64 hex, a Deepgram key) counts only with its
provider named around it. Diff-based scans (history, ranges, the index, pushes, a pull
request's commits) detect the lines each commit adds; when the context is in lines an
earlier commit added, the file's new version is read whole and what detection finds on the
added lines is reported, as a directory scan of that version reports it.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
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
    """A file whose first version holds a provider's context and whose second adds a key under it."""

    path: str
    rule: str
    before: str  # the first version
    after: str  # the second, "{key}" where the key goes
    line: int  # the key's line in the second


CASES = (
    Case("settings.ini", "pinecone.legacy-key", "[pinecone]\nregion = us\n\n[other]\nname = x\n",
         "[pinecone]\nregion = us\napi_key = {key}\n\n[other]\nname = x\n", 3),
    Case("deploy/config.yaml", "together.legacy-key",
         "together:\n  base_url: https://example.com/v1\n  timeout: 30\nother:\n  x: 1\n",
         "together:\n  base_url: https://example.com/v1\n  timeout: 30\n  api_key: {key}\nother:\n  x: 1\n", 4),
    Case("app/speech.py", "deepgram.api-key", "# Deepgram key\nREGION = 'us'\n\n\ndef run():\n    pass\n",
         "# Deepgram key\nREGION = 'us'\nAPI_KEY = '{key}'\n\n\ndef run():\n    pass\n", 3),
)
EXPECTED = {(case.path, case.line, case.rule) for case in CASES}


def where(findings: tuple[Finding, ...] | list[Finding]) -> set[tuple[str, int, str]]:
    return {(f.path, f.line, f.rule_id) for f in findings}


def write_context(repo: GitRepo) -> str:
    for case in CASES:
        repo.write(case.path, case.before)
    return repo.commit("settings, no keys yet")


def write_keys(repo: GitRepo, rules: RuleSet, rng: random.Random) -> dict[str, str]:
    keys = {case.path: key_for(rules, case.rule, rng) for case in CASES}
    for case in CASES:
        repo.write(case.path, case.after.format(key=keys[case.path]))
    return keys


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("README.md", "hello\n")
    repo.commit("start")
    return repo


def directory_scan(tmp_path: Path, repo: GitRepo) -> set[tuple[str, int, str]]:
    tree = tmp_path / "tree"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree)], cwd=repo.path, check=True, env=git_env())
    subprocess.run(["rm", "-rf", str(tree / ".git")], check=True)
    return where(scan_paths([str(tree)], root=str(tree)).findings)


def test_history_finds_each_key_at_the_commit_that_added_it(tmp_path: Path, repo: GitRepo, shipped_rules: RuleSet,
                                                            rng: random.Random) -> None:
    write_context(repo)
    keys = write_keys(repo, shipped_rules, rng)
    added = repo.commit("the keys")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert report.errors == ()
    assert where(report.findings) == EXPECTED == directory_scan(tmp_path, repo)
    assert {f.commit for f in report.findings} == {added}
    assert not any(key in repr(report) for key in keys.values())


@pytest.mark.parametrize("jobs", [1, 3])
def test_history_in_parts_finds_them_too(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random, jobs: int) -> None:
    write_context(repo)
    for n in range(4):  # commits in every part
        repo.write(f"notes/{n}.txt", f"note {n}\n")
        repo.commit(f"note {n}")
    write_keys(repo, shipped_rules, rng)
    repo.commit("the keys")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(jobs=jobs))
    assert where(report.findings) == EXPECTED


def test_a_range_finds_them(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    base = write_context(repo)
    write_keys(repo, shipped_rules, rng)
    repo.commit("the keys")
    report = scan_git(GitTarget("range", revision=f"{base}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert where(report.findings) == EXPECTED


def test_the_index_finds_them(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    write_context(repo)
    write_keys(repo, shipped_rules, rng)
    repo.git("add", "-A")
    report = scan_git(GitTarget("staged"), rules=shipped_rules, cwd=str(repo.path))
    assert where(report.findings) == EXPECTED and {f.commit for f in report.findings} == {None}


@pytest.mark.parametrize("rule_id", ["pinecone.legacy-key", "together.legacy-key"])
def test_the_index_finds_an_encoded_key_under_context_written_before(repo: GitRepo, shipped_rules: RuleSet,
                                                                    rng: random.Random, rule_id: str) -> None:
    """A key in base64 has its shape only once decoded. The index is never screened (with
    or without Hyperscan): which versions are read whole is decided by what the added lines
    hold, decoded too, or a key a directory scan reports goes unreported (a pre-commit hook
    let it through), with no error."""
    import base64

    key = key_for(shipped_rules, rule_id, rng)
    value = base64.b64encode(f"api_key={key}".encode()).decode()
    rest = "".join(f"option_{n} = {n}\n" for n in range(6))
    head = f"[{rule_id.split('.')[0]}]\nregion = us\n"
    repo.write("settings.ini", head + rest)
    repo.commit("settings")
    repo.write("settings.ini", head + f"blob = {value}\n" + rest)
    repo.git("add", "settings.ini")
    assert where(scan_paths([str(repo.path / "settings.ini")], root=str(repo.path)).findings) == {
        ("settings.ini", 3, rule_id)}
    report = scan_git(GitTarget("staged"), rules=shipped_rules, cwd=str(repo.path))
    assert where(report.findings) == {("settings.ini", 3, rule_id)} and report.errors == ()


def test_check_on_a_pull_request_finds_them(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = write_context(repo)
    write_keys(repo, shipped_rules, rng)
    head = repo.commit("the keys")
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


def test_a_key_whose_context_the_same_commit_removes_is_not_found(tmp_path: Path, repo: GitRepo,
                                                                  shipped_rules: RuleSet, rng: random.Random) -> None:
    """As a directory scan of that version: the section no longer names the provider."""
    base = write_context(repo)
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[database]\nregion = us\napi_key = {key}\n\n[other]\nname = x\n")
    repo.commit("rename the section, add a key")
    assert not any(f[0] == "settings.ini" for f in directory_scan(tmp_path, repo))
    for target in (HISTORY, GitTarget("range", revision=f"{base}..HEAD")):
        assert scan_git(target, rules=shipped_rules, cwd=str(repo.path)).findings == ()


def test_a_key_in_the_old_version_is_reported_once_at_the_commit_that_added_it(
        repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    """Each key once per path, where it was introduced: a later commit that adds another
    key under the same section, or moves the first, reads the file whole, and the first key
    found there is not reported again."""
    first, second = (key_for(shipped_rules, "pinecone.legacy-key", rng) for _ in range(2))
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {first}\n")
    introduced = repo.commit("a section and its key")  # found in the added lines alone
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {first}\nbackup_key = {second}\n")
    added = repo.commit("a second key")
    repo.write("settings.ini", f"[pinecone]\nbackup_key = {second}\nregion = us\napi_key = {first}\n")
    moved = repo.commit("reorder")  # both keys' lines are added again
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert sorted((f.line, f.commit) for f in report.findings) == sorted([(3, introduced), (4, added)])
    # A range that holds only the reordering reports the key whose line it adds (git's diff
    # moves the second key's line), as it does any key a moved line holds.
    ranged = scan_git(GitTarget("range", revision=f"{added}..{moved}"), rules=shipped_rules, cwd=str(repo.path))
    assert [(f.line, f.commit, f.fingerprint) for f in ranged.findings] == [
        (2, moved, next(f.fingerprint for f in report.findings if f.commit == added))]


def test_a_key_found_in_the_added_lines_is_not_reported_twice(repo: GitRepo, shipped_rules: RuleSet,
                                                              rng: random.Random) -> None:
    base = repo.git("rev-parse", "HEAD")
    repo.write("settings.ini", "[other]\nx = 1\n")
    repo.commit("other")
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[other]\nx = 1\n[pinecone]\napi_key = {key}\n")
    repo.commit("a section and its key")
    report = scan_git(GitTarget("range", revision=f"{base}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line, f.rule_id) for f in report.findings] == [("settings.ini", 4, "pinecone.legacy-key")]


def test_an_incremental_history_finds_a_key_under_context_scanned_before(repo: GitRepo, tmp_path: Path,
                                                                        shipped_rules: RuleSet,
                                                                        rng: random.Random) -> None:
    state = tmp_path / "state.json"
    write_context(repo)
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state).findings == ()
    write_keys(repo, shipped_rules, rng)
    added = repo.commit("the keys")
    notes: list[str] = []
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state, on_note=notes.append)
    assert any("1 commit(s) not scanned before" in note for note in notes)
    assert where(report.findings) == EXPECTED and {f.commit for f in report.findings} == {added}


def test_a_whole_file_over_the_maximum_size_is_an_error_naming_it(repo: GitRepo, shipped_rules: RuleSet,
                                                                  rng: random.Random) -> None:
    """The added lines are small, the file is not: it cannot be read for its context, and
    the scan says so (incomplete), never calls the file clean."""
    filler = "# filler\n" * 40
    repo.write("settings.ini", "[pinecone]\nregion = us\n" + filler)
    repo.commit("a section")
    repo.write("settings.ini", "[pinecone]\nregion = us\n" + filler * 2)
    repo.commit("more")  # each commit adds less than the maximum, the file grows past it
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key}\n" + filler * 2)
    added = repo.commit("its key")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(max_file_size=500))
    (error,) = report.errors
    assert error.path == f"settings.ini@{added[:12]}" and error.blocking
    assert "over the maximum file size 500" in error.message and "--max-file-size" in error.message
    assert report.findings == ()


def test_a_value_no_rule_confirms_reads_no_file(repo: GitRepo, shipped_rules: RuleSet,
                                                monkeypatch: pytest.MonkeyPatch, prefilter: str) -> None:
    """A key shape (a commit sha, a long identifier) in a file that names no provider of a
    rule it could belong to is not detected again: nothing there can give it context.
    Hyperscan's loose shapes read the file under a provider; without it, the added value
    is checked first (Detector.wants_context) and this one, no key, reads nothing."""
    from byok_ci.sources.git import blobs

    detected: list[int] = []
    real = blobs._windows

    def counted(data, *args):  # type: ignore[no-untyped-def]
        detected.append(len(data))
        return real(data, *args)

    monkeypatch.setattr(blobs, "_windows", counted)
    repo.write("CHANGELOG.md", "# Changelog\n")
    repo.commit("changelog")
    repo.write("CHANGELOG.md", "# Changelog\n* fix ([" + "0123456789abcdef" * 2 + "abcdef01](https://example.com))\n")
    repo.write("deploy/config.yaml", "together:\n  base_url: https://example.com/v1\n")
    repo.commit("entries")
    repo.write("deploy/config.yaml", "together:\n  base_url: https://example.com/v1\n  region: "
                                     + "ab" * 32 + "\n")
    repo.commit("a hex value under a provider")
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path)).findings == ()
    under_provider = len("together:\n  base_url: https://example.com/v1\n  region: " + "ab" * 32 + "\n")
    assert detected == ([under_provider] if prefilter == "hyperscan" else [])


def test_one_git_process_reads_every_file_of_a_scan(repo: GitRepo, shipped_rules: RuleSet,
                                                               rng: random.Random,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from byok_ci.sources.git import blobs

    started: list[list[str]] = []
    real = blobs.command

    def counted(args):  # type: ignore[no-untyped-def]
        started.append(list(args))
        return real(args)

    monkeypatch.setattr(blobs, "command", counted)
    write_context(repo)
    write_keys(repo, shipped_rules, rng)
    repo.commit("the keys")
    for n in range(3):
        repo.write("settings.ini", CASES[0].after.format(key=key_for(shipped_rules, CASES[0].rule, rng)))
        repo.commit(f"another key {n}")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), settings=Settings(jobs=2))
    assert len(report.findings) == len(CASES) + 3
    assert started == [["cat-file", "--batch"]]


def test_reports_never_hold_the_key(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random) -> None:
    write_context(repo)
    keys = write_keys(repo, shipped_rules, rng)
    repo.commit("the keys")
    done = subprocess.run([str(Path(sys.executable).parent / "byok-ci"), "scan", "--history", "--format", "json"],
                          cwd=repo.path, capture_output=True, text=True, env=git_env())
    assert done.returncode == 1, done.stderr
    assert {(f["path"], f["line"], f["rule_id"]) for f in json.loads(done.stdout)["findings"]} == EXPECTED
    assert not any(key in done.stdout + done.stderr for key in keys.values())


def test_when_git_cannot_read_whole_files_the_scan_says_so(repo: GitRepo, shipped_rules: RuleSet,
                                                           rng: random.Random,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """git cat-file gone (killed, out of memory): an error, the scan incomplete, never clean."""
    from byok_ci.sources.git import blobs

    monkeypatch.setattr(blobs, "command", lambda args: ["false"])
    write_context(repo)
    write_keys(repo, shipped_rules, rng)
    repo.commit("the keys")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    (error,) = report.errors
    assert error.path == "git" and error.blocking
    assert error.message.startswith("git could not read whole files for the context of key-shaped values")
    assert report.findings == ()


def test_a_failure_in_the_reader_is_raised_not_lost(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from byok_ci.sources.git import blobs

    def broken(self, version, data):  # type: ignore[no-untyped-def]
        raise RuntimeError("detection failed")

    monkeypatch.setattr(blobs.ContextReader, "_detected", broken)
    write_context(repo)
    write_keys(repo, shipped_rules, rng)
    repo.commit("the keys")
    with pytest.raises(RuntimeError, match="detection failed"):
        scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))


def test_a_file_whose_history_never_held_a_providers_keyword_is_not_read(
        repo: GitRepo, shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch, prefilter: str) -> None:
    """Hex values (hashes) added to a file in every commit: no line any version can hold
    names a provider whose key has that shape, which the patches alone tell, so no version
    is read (reading every one cost more than the rest of the scan). The patches tell it
    from the Hyperscan screen's pass over them; without Hyperscan no file's lineage is
    known and each version is read: the same findings, at a higher cost."""
    from byok_ci.sources.git import blobs

    read: list[str] = []
    real = blobs.ContextReader._read_all

    def counted(self, wanted):  # type: ignore[no-untyped-def]
        read.extend(wanted)
        return real(self, wanted)

    monkeypatch.setattr(blobs.ContextReader, "_read_all", counted)
    rng = random.Random(3)
    lines: list[str] = []
    for n in range(6):
        lines.append(f'digests.append("{rng.getrandbits(160):040x}")\n')
        repo.write("hashes.py", "".join(lines))
        repo.write("other.py", "".join(reversed(lines)))  # lines removed and moved too
        repo.commit(f"hash {n}")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert report.findings == () and report.errors == ()
    if prefilter == "hyperscan":  # the cost the lineage cuts (the python path pays it)
        assert read == []


def test_context_that_came_through_a_merge_is_found(repo: GitRepo, shipped_rules: RuleSet,
                                                    rng: random.Random) -> None:
    repo.write("settings.ini", "[main]\nx = 1\n\n\n\n\n[end]\ny = 2\n")
    repo.commit("settings")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("settings.ini", "[pinecone]\nregion = us\n[main]\nx = 1\n\n\n\n\n[end]\ny = 2\n")
    repo.commit("a provider's section")
    repo.git("checkout", "-q", "main")
    repo.write("settings.ini", "[main]\nx = 1\n\n\n\n\n[end]\ny = 3\n")
    repo.commit("change the end")
    repo.git("merge", "-q", "--no-edit", "side")
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key}\n[main]\nx = 1\n\n\n\n\n[end]\ny = 3\n")
    added = repo.commit("its key")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.line, f.rule_id, f.commit) for f in report.findings] == [
        ("settings.ini", 3, "pinecone.legacy-key", added)]


def test_a_new_file_is_not_read_again_for_its_context(repo: GitRepo, shipped_rules: RuleSet, rng: random.Random,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A new file's patch adds every line, so detecting its added lines is detecting the
    whole file: reading it again cost history a tenth of a second on a real repository."""
    from byok_ci.sources.git import blobs

    read: list[str] = []
    real = blobs.ContextReader.add

    def recorded(self, version):  # type: ignore[no-untyped-def]
        read.append(version.path)
        real(self, version)

    monkeypatch.setattr(blobs.ContextReader, "add", recorded)
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key}\n")
    repo.commit("a new file with its key under context")
    found = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path)).findings
    assert [(f.path, f.line, f.rule_id) for f in found] == [("settings.ini", 3, "pinecone.legacy-key")]
    assert read == []


@pytest.mark.parametrize("name", ["pinecone/credentials.ini", "deploy/pinecone.env"])
def test_a_new_file_whose_path_alone_names_the_provider_is_found(repo: GitRepo, tmp_path: Path, shipped_rules: RuleSet,
                                                                  rng: random.Random, name: str) -> None:
    """A new file's patch is screened without the second pass's shapes listed: the shapes of
    the rules its path names must still be looked for (no keyword in the text at all)."""
    key = key_for(shipped_rules, "pinecone.legacy-key", rng)
    text = f"api_key = {key}\n"
    (tmp_path / "tree" / name).parent.mkdir(parents=True)
    (tmp_path / "tree" / name).write_text(text)
    directory = scan_paths([str(tmp_path / "tree")], root=str(tmp_path / "tree"), rules=shipped_rules).findings
    repo.write(name, text)
    repo.commit("a file its path names")
    history = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path)).findings
    assert [(f.path, f.rule_id) for f in directory] == [(name, "pinecone.legacy-key")]
    assert [(f.path, f.line, f.rule_id) for f in history] == [(name, 1, "pinecone.legacy-key")]

"""Keys in commit messages and annotated tag messages: every mode that scans commits."""

from __future__ import annotations

import importlib
import io
import json
import random
from pathlib import Path

import pytest

from byok_ci.merge import merge_reports
from byok_ci.model import Report
from byok_ci.report.json import envelope, write
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.shard import Shard
from tests.conftest import key_for
from tests.gitrepo import GitRepo

HISTORY = GitTarget("history")


@pytest.fixture
def key(shipped_rules: RuleSet, rng: random.Random) -> str:
    return key_for(shipped_rules, "openai.project-key", rng)


def _repo(tmp_path: Path, key: str) -> tuple[GitRepo, str, str]:
    """base, then a commit whose message's third line holds ``key`` (and no file does)."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    base = repo.commit("base")
    repo.write("a.py", "x = 2\n")
    leaky = repo.commit(f"rotate the key\n\nold OPENAI_API_KEY={key}\n")
    return repo, base, leaky


def _in_message(report: Report) -> list[tuple[str | None, str, int, str | None]]:
    return [(f.found_in, f.path, f.line, f.commit) for f in report.findings if f.found_in in ("message", "tag-message")]


def _no_raw_key(report: Report, key: str) -> None:
    out = io.StringIO()
    write(report, out)
    assert key not in out.getvalue() and key not in repr(report)


def test_a_history_scan_reports_a_key_in_a_commit_message(tmp_path: Path, shipped_rules: RuleSet, key: str) -> None:
    repo, _, leaky = _repo(tmp_path, key)
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert report.errors == ()
    assert _in_message(report) == [("message", leaky, 3, leaky)]
    (finding,) = report.findings
    assert not finding.history_only and finding.commit_info is not None
    assert finding.commit_info.author == "Ada Lovelace <ada@example.com>"
    envelope(report)  # the schema's found_in enum holds it
    _no_raw_key(report, key)


def test_a_range_reports_a_key_in_a_commit_message(tmp_path: Path, shipped_rules: RuleSet, key: str) -> None:
    repo, base, leaky = _repo(tmp_path, key)
    report = scan_git(GitTarget("range", f"{base}..HEAD"), rules=shipped_rules, cwd=str(repo.path))
    assert _in_message(report) == [("message", leaky, 3, leaky)]
    before = scan_git(GitTarget("range", f"{base}..{base}"), rules=shipped_rules, cwd=str(repo.path))
    assert before.findings == ()


def test_a_push_reports_a_key_in_a_commit_or_a_pushed_tag_message(tmp_path: Path, shipped_rules: RuleSet,
                                                                  key: str) -> None:
    repo, base, leaky = _repo(tmp_path, key)
    push = GitTarget("pre-push", push_from=base, push_to=leaky)
    assert _in_message(scan_git(push, rules=shipped_rules, cwd=str(repo.path))) == [("message", leaky, 3, leaky)]
    repo.git("tag", "-a", "v1", base, "-m", f"release\n\nkey {key}")
    tag = GitTarget("pre-push", push_from=base, push_to=base, refs=(("refs/tags/v1", "refs/tags/v1"),))
    report = scan_git(tag, rules=shipped_rules, cwd=str(repo.path))
    assert _in_message(report) == [("tag-message", "refs/tags/v1", 3, base)]
    _no_raw_key(report, key)


def test_history_scans_tag_messages_and_every_object_and_increments(tmp_path: Path, shipped_rules: RuleSet,
                                                                     key: str) -> None:
    repo, base, leaky = _repo(tmp_path, key)
    repo.git("tag", "-a", "v1", base, "-m", f"release\n\nkey {key}")
    repo.git("reset", "-q", "--hard", base)  # the leaky commit is now dangling
    repo.git("reflog", "expire", "--expire=now", "--all")
    report = scan_git(GitTarget("history", all_objects=True), rules=shipped_rules, cwd=str(repo.path))
    assert sorted(_in_message(report)) == [("message", leaky, 3, leaky), ("tag-message", "refs/tags/v1", 3, base)]
    assert {f.reachability for f in report.findings if f.found_in == "message"} == {"unreachable"}
    state = tmp_path / "state.json"
    repo.write("a.py", "x = 3\n")
    repo.git("tag", "-d", "v1")
    repo.commit(f"again {key}")
    first = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state)
    assert [f.line for f in first.findings if f.found_in == "message"] == [1]
    newer = repo.commit("no key here")
    again = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state)
    assert again.findings == () and again.stats.commits == 1 and newer


def test_an_allow_marker_holds_a_message_finding_back(tmp_path: Path, shipped_rules: RuleSet, key: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(f"docs: example key {key}  # byok-ci: allow")
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path)).findings == ()
    unmarked = repo.commit(f"docs: example key {key}")
    assert _in_message(scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))) == [
        ("message", unmarked, 1, unmarked)]


@pytest.mark.parametrize("count", [2, 3])
def test_history_shards_report_a_message_once(tmp_path: Path, shipped_rules: RuleSet, key: str, count: int) -> None:
    repo, _, leaky = _repo(tmp_path, key)
    repo.git("tag", "-a", "v1", "-m", f"release\n\nkey {key}")
    single = scan_git(HISTORY, cwd=str(repo.path))
    assert len(_in_message(single)) == 2
    shards = [scan_git(HISTORY, cwd=str(repo.path), shard=Shard(k, count)) for k in range(1, count + 1)]
    assert [len(_in_message(shard)) for shard in shards] == [2] + [0] * (count - 1)
    paths = []
    for index, shard in enumerate(shards):
        paths.append(tmp_path / f"shard-{index}.json")
        with open(paths[-1], "w", encoding="utf-8") as stream:
            write(shard, stream)
    merged = merge_reports(paths)
    assert json.dumps(envelope(merged)["findings"], sort_keys=True) == json.dumps(envelope(single)["findings"],
                                                                               sort_keys=True)
    assert leaky in {f.path for f in merged.findings}


@pytest.mark.parametrize("form", ["text", "json", "junit", "sarif", "github", "gitlab"])
def test_every_report_format_shows_a_message_finding_without_its_key(tmp_path: Path, key: str, form: str) -> None:
    from tests.test_cli_git import invoke

    repo, _, leaky = _repo(tmp_path, key)
    result = invoke(["scan", "--history", "--format", form], repo.path)
    assert result.exit_code == 1, result.output
    assert key not in result.output and leaky[:12] in result.output


def test_a_baseline_holds_a_message_finding_back(tmp_path: Path, shipped_rules: RuleSet, key: str) -> None:
    from byok_ci.suppress.baseline import from_findings, write_baseline
    from tests.test_cli_git import invoke

    repo, _, _ = _repo(tmp_path, key)
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    baseline = repo.path / "baseline.json"  # paths bound relative to the repository
    write_baseline(from_findings(report.findings, root=repo.path, base_dir=repo.path, bind_paths=True), baseline)
    assert invoke(["scan", "--history", "--baseline", str(baseline)], repo.path).exit_code == 0
    assert invoke(["scan", "--history"], repo.path).exit_code == 1


def test_messages_are_read_from_output_cut_anywhere_and_around_an_unreadable_commit(tmp_path: Path, key: str) -> None:
    from byok_ci.sources.git.messages import _objects, commit_messages

    repo, base, leaky = _repo(tmp_path, key)
    shas = [base.encode(), b"1" * 40, leaky.encode()]  # the second is no commit
    chunks = list(commit_messages(shas, str(repo.path)))
    assert [(c.path, c.text.splitlines()[0]) for c in chunks] == [(base, "base"), (leaky, "rotate the key")]
    damaged = repo.commit("a commit whose object is then damaged")
    stored = repo.path / ".git" / "objects" / damaged[:2] / damaged[2:]
    stored.chmod(0o644)
    stored.write_bytes(b"not zlib at all")  # git cat-file --batch stops at it
    chunks = list(commit_messages([damaged.encode(), *shas], str(repo.path)))
    assert [(c.path, c.text.splitlines()[0]) for c in chunks] == [(base, "base"), (leaky, "rotate the key")]
    whole = b"a commit 3\nx\ny\n\nb missing\nc commit 0\n\nd tag 2\n\n\n\n"
    for cut in range(len(whole) + 1):
        for second in range(cut, len(whole) + 1):
            pieces = [whole[:cut], whole[cut:second], whole[second:]]
            assert list(_objects(pieces)) == [(b"a", b"commit", b"x\ny"), (b"c", b"commit", b""),
                                              (b"d", b"tag", b"\n\n")]


def test_every_tag_object_a_history_reaches_is_read_and_marked(tmp_path: Path, shipped_rules: RuleSet,
                                                                rng: random.Random) -> None:
    """Not only tags under refs/tags: a tag only a pull-request ref or another ref reaches,
    a tag inside another tag, and with --all-objects a dangling tag."""
    keys = [key_for(shipped_rules, "openai.project-key", rng) for _ in range(4)]
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base")
    for name, key in zip(["gone", "pr", "other", "inner"], keys):
        repo.git("tag", "-a", name, base, "-m", f"release\n\nkey {key}")
    tags = {name: repo.git("rev-parse", f"refs/tags/{name}") for name in ["gone", "pr", "other", "inner"]}
    repo.git("update-ref", "refs/pull/1/head", tags["pr"])
    repo.git("update-ref", "refs/keep/other", tags["other"])
    repo.git("tag", "-a", "outer", "inner", "-m", "no key here")
    for name in ["gone", "pr", "other", "inner"]:
        repo.git("tag", "-d", name)
    reached = [("tag-message", "refs/keep/other", 3, base), ("tag-message", "refs/pull/1/head", 3, base),
               ("tag-message", tags["inner"], 3, base)]
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert sorted(_in_message(report)) == sorted(reached)
    everything = scan_git(GitTarget("history", all_objects=True), rules=shipped_rules, cwd=str(repo.path))
    assert sorted(_in_message(everything)) == sorted([*reached, ("tag-message", tags["gone"], 3, base)])
    assert {f.path: f.reachability for f in everything.findings} == {
        "refs/keep/other": "other-ref", "refs/pull/1/head": "pull-request", tags["inner"]: None,
        tags["gone"]: "unreachable"}
    for key in keys:
        _no_raw_key(everything, key)


def test_a_key_in_a_tags_name_and_its_message_is_two_findings_each_saying_where(
        tmp_path: Path, shipped_rules: RuleSet, key: str) -> None:
    """The name's key is the ref's finding, the message's the message's; the message's path
    (the ref name) is not also a file name holding a key."""
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base")
    repo.git("tag", "-a", f"v-{key}", base, "-m", f"release\n\nkey {key}")
    tag = repo.git("rev-parse", f"refs/tags/v-{key}")
    # (git's pre-push hands over the pushed sha; pre-commit's first push the local ref's name)
    pushes = [GitTarget("pre-push", push_from=base, push_to=base, refs=((f"refs/tags/v-{key}", local),))
              for local in (tag, f"refs/tags/v-{key}")]
    for target in (HISTORY, GitTarget("history", all_objects=True), *pushes):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert sorted((f.found_in, f.line) for f in report.findings) == [("ref", 0), ("tag-message", 3)], target
        assert len({f.path for f in report.findings}) == 1 and len({f.fingerprint for f in report.findings}) == 1


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32"])
def test_a_log_output_encoding_in_gits_config_hides_no_commit(tmp_path: Path, shipped_rules: RuleSet, key: str,
                                                              encoding: str) -> None:
    # git re-encodes what `git log` writes of a commit (its header lines and message) into
    # i18n.logOutputEncoding: in UTF-16 every byte-oriented parse of it reads nothing.
    repo, base, leaky = _repo(tmp_path, key)
    repo.write("b.env", f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', random.Random(3))}\n")
    with_file = repo.commit("add an env file")
    repo.git("config", "i18n.logOutputEncoding", encoding)
    for target in (HISTORY, GitTarget("range", f"{base}..HEAD"), GitTarget("pre-push", push_from=base,
                                                                            push_to=with_file)):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert _in_message(report) == [("message", leaky, 3, leaky)], target
        assert [(f.path, f.commit) for f in report.findings if not f.found_in] == [("b.env", with_file)]
        assert report.stats.commits == (3 if target is HISTORY else 2)


def test_a_state_written_before_messages_were_read_scans_everything_again(
        tmp_path: Path, shipped_rules: RuleSet, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A byok-ci of the same version and rules that read no message recorded its commits as
    scanned: its state must not keep their messages from ever being read."""
    scanning = importlib.import_module("byok_ci.scan_git")  # the module (the package exports a function so named)
    repo, _, leaky = _repo(tmp_path, key)
    state = tmp_path / "state.json"
    current = scanning._finding_settings

    def before(*args):  # type: ignore[no-untyped-def]
        return [part for part in current(*args) if "message" not in part]

    monkeypatch.setattr(scanning, "_finding_settings", before)
    monkeypatch.setattr(scanning, "_scan_commits", _without_messages(scanning._scan_commits))
    assert scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state).findings == ()
    monkeypatch.undo()
    notes: list[str] = []
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path), state=state, on_note=notes.append)
    assert any("rules or settings changed" in note for note in notes)
    assert _in_message(report) == [("message", leaky, 3, leaky)]


def _without_messages(scan_commits):  # type: ignore[no-untyped-def]
    def scan(*args):  # type: ignore[no-untyped-def]
        return scan_commits(*args[:-1], False)  # its last argument: whether messages are read
    return scan


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32", "ISO-8859-1"])
def test_a_message_is_read_as_the_commit_holds_it_whatever_its_encoding_header(
        tmp_path: Path, shipped_rules: RuleSet, key: str, encoding: str) -> None:
    """git records i18n.commitEncoding in a commit's header without converting the message to
    it: `git log` then converts the UTF-8 bytes the commit holds as if they were UTF-16, and the
    key in them, pushed as written, is gone from what it shows."""
    repo, base, _ = _repo(tmp_path, key)
    leaky = []
    for message in (f"a OPENAI_API_KEY={key}", f"ab OPENAI_API_KEY={key}"):  # an odd and an even length
        repo.git("-c", f"i18n.commitEncoding={encoding}", "commit", "-q", "--allow-empty", "-m", message)
        leaky.append(repo.git("rev-parse", "HEAD"))
        assert f"encoding {encoding}" in repo.git("cat-file", "commit", leaky[-1])
    for target in (GitTarget("range", f"{base}..HEAD"), HISTORY):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert {("message", sha, 1, sha) for sha in leaky} <= set(_in_message(report))
        _no_raw_key(report, key)

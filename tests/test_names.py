"""A key in a file name, a commit author or a ref name is a finding of its own, shown redacted."""

from __future__ import annotations

import json
import random
from pathlib import Path

from byok_ci.rules import RuleSet
from byok_ci.scan import scan_paths
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GIT_ENV, GitRepo
from tests.test_no_leak import run_in


def test_a_key_in_a_file_name_is_a_finding_at_the_redacted_name(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / f"prod-{key}.env").write_text("nothing secret here\n")
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    [finding] = report.findings
    assert (finding.rule_id, finding.found_in, finding.line) == ("groq.api-key", "path", 0)
    assert finding.path == f"prod-gsk_…{key[-4:]}.env"
    assert key not in json.dumps(finding.to_dict())


def test_a_key_in_a_directory_name_is_one_finding(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "huggingface.user-token", rng)
    other = key_for(shipped_rules, "groq.api-key", rng)
    folder = tmp_path / f"cache-{key}"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text("x\n")
    (folder / "k.env").write_text(f"K={other}\n")
    report = scan_paths([str(tmp_path)], rules=shipped_rules, root=tmp_path)
    names = [f for f in report.findings if f.found_in]
    assert [(f.rule_id, f.path) for f in names] == [("huggingface.user-token", f"cache-hf_…{key[-4:]}")]
    # The content finding inside it shows the redacted directory too.
    [content] = [f for f in report.findings if not f.found_in]
    assert content.path == f"cache-hf_…{key[-4:]}/k.env"


def test_a_key_typed_as_an_argument_is_redacted_not_reported(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "anthropic.api-key", rng)
    result = run_in(tmp_path, ["scan", key, "--format", "json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["findings"] == []
    assert [e["path"] for e in data["errors"]] == [f"sk-ant-api03-…{key[-4:]}"]
    assert key[20:40] not in result.stdout + result.stderr


def test_sarif_gives_a_name_finding_a_logical_location_only(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / f"{key}.txt").write_text("x\n")
    result = run_in(tmp_path, ["scan", ".", "--format", "sarif"])
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["runs"][0]["results"]
    [location] = finding["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["name"] == f"sk-proj-…{key[-4:]}.txt"
    assert finding["properties"]["found_in"] == "path"


def test_a_key_as_commit_author_and_branch_name(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    author = key_for(shipped_rules, "anthropic.api-key", rng)
    branch = key_for(shipped_rules, "xai.api-key", rng)
    content = key_for(shipped_rules, "groq.api-key", rng)
    repo = GitRepo(tmp_path)
    repo.write("app.py", f"K = '{content}'\n")
    sha = repo.commit("add", f"--author={author} <ci@example.com>")
    repo.git("branch", f"wip/{branch}")
    report = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(tmp_path))
    found = {f.found_in: f for f in report.findings}
    assert set(found) == {None, "author", "ref"}
    shown_author = f"sk-ant-api03-…{author[-4:]} <ci@example.com>"
    assert (found["author"].rule_id, found["author"].path, found["author"].commit) == ("anthropic.api-key", shown_author, sha)
    assert (found["ref"].rule_id, found["ref"].path) == ("xai.api-key", f"refs/heads/wip/xai-…{branch[-4:]}")
    # Every finding of that commit names its author redacted (JSON commit_info.author, JUnit).
    assert all(f.commit_info is not None and f.commit_info.author == shown_author for f in report.findings
               if f.commit == sha and f.found_in != "ref")


def test_a_mailmap_does_not_hide_a_key_in_a_commit_author(tmp_path: Path, shipped_rules: RuleSet,
                                                          rng: random.Random) -> None:
    """The commit holds the author as written, and GitHub shows it so: a .mailmap (or
    mailmap.file) that gives the author a clean name (the usual fix without rewriting
    history) changes what `git log` shows, not what was pushed."""
    author = key_for(shipped_rules, "anthropic.api-key", rng)
    repo = GitRepo(tmp_path)
    repo.write("app.py", "x = 1\n")
    base = repo.commit("base")
    repo.write("app.py", "x = 2\n")
    sha = repo.commit("add", f"--author={author} <dev@example.com>")
    repo.write(".mailmap", "Dev Name <dev@example.com>\n")
    repo.commit("give the author their name")
    (tmp_path / "elsewhere.mailmap").write_text("Dev Name <dev@example.com>\n")
    shown = f"sk-ant-api03-…{author[-4:]} <dev@example.com>"
    for mailmap in ("", str(tmp_path / "elsewhere.mailmap")):
        repo.git("config", "mailmap.file", mailmap)
        for target in (GitTarget("history"), GitTarget("range", f"{base}..HEAD")):
            report = scan_git(target, rules=shipped_rules, cwd=str(tmp_path))
            assert [(f.found_in, f.path, f.commit) for f in report.findings] == [("author", shown, sha)], target
    # A key in the message of that commit names the author as the commit holds it too.
    repo.git("commit", "-q", "--allow-empty", f"--author={author} <dev@example.com>", "-m",
             f"old key {key_for(shipped_rules, 'groq.api-key', rng)}")
    report = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(tmp_path))
    assert {f.commit_info.author for f in report.findings if f.commit_info} == {shown}


def test_keys_in_git_paths_are_findings_and_redacted_in_errors(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    repo = GitRepo(tmp_path)
    repo.write(f"logs/{key}.bin", b"\x00\x01binary")
    repo.write(f"big-{key}.txt", "x" * 5000 + "\n")
    repo.commit("add")
    result = run_in(tmp_path, ["scan", "--history", "--max-file-size", "1k", "--format", "json"], env=GIT_ENV)
    assert key[4:20] not in result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert sorted(f["path"] for f in data["findings"]) == [f"big-gsk_…{key[-4:]}.txt", f"logs/gsk_…{key[-4:]}.bin"]
    assert [e["path"].split("@")[0] for e in data["errors"]] == [f"big-gsk_…{key[-4:]}.txt"]


def test_a_baseline_bound_to_a_redacted_name_still_holds_it_back(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random
) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (tmp_path / f"{key}.env").write_text(f"K={key}\n")
    created = run_in(tmp_path, ["baseline", "create", ".", "--bind-paths", "--output", "b.json"])
    assert created.exit_code == 0, created.output
    text = (tmp_path / "b.json").read_text()
    assert key[4:20] not in text and f"gsk_…{key[-4:]}.env" in text
    again = run_in(tmp_path, ["scan", ".", "--baseline", "b.json", "--format", "json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["stats"]["baselined"] == 2


def test_hyperscan_drops_only_names_the_key_matcher_finds_nothing_in(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A large scan sifts file names with Hyperscan before the key matcher: every name that
    holds a key of any rule (with its provider named, or bare) is still kept."""
    import pytest

    pytest.importorskip("hyperscan")
    from byok_ci.detect.anywhere import KeyMatcher
    from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter
    from byok_ci.keygen import generate_key
    from byok_ci.scan import NameSieve
    from byok_ci.sources.read import Entry

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "t")
    matcher = KeyMatcher(shipped_rules.rules)
    names = []
    for rule in shipped_rules.rules:
        key = generate_key(rule, rng)
        names += [f"dist/{key}.env", f"{rule.keywords[0]}/{key}", f"backup_{rule.keywords[0]}_{key}_old.txt"]
    holding = [name for name in names if matcher.keys(name)]
    assert len(holding) > len(shipped_rules.rules)  # the names really hold keys
    for batch in (1, 7, 4096):
        monkeypatch.setattr(NameSieve, "BATCH", batch)
        sieve = NameSieve(shipped_rules, prefilter)
        list(sieve.watch(Entry(name, name, 1) for name in names))
        assert set(holding) <= set(sieve.names())
    # Names without a key never reach the key matcher: a provider named is not enough, nor a
    # long run, nor both in different names of one batch.
    sieve = NameSieve(shipped_rules, prefilter)
    list(sieve.watch(Entry(name, name, 1) for name in ["src/app.py", "integrations/cohere/client.py", "x" * 64 + ".bin"]))
    assert sieve.names() == [] and sieve._matcher is None


def _counted_prefilter(tmp_path: Path, shipped_rules: RuleSet, monkeypatch):  # type: ignore[no-untyped-def]
    """A Hyperscan prefilter whose ``may_hold`` calls are recorded: (prefilter, calls, the unrecorded ``may_hold``)."""
    import pytest

    pytest.importorskip("hyperscan")
    from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "t")
    calls: list[str] = []
    original = prefilter.may_hold
    monkeypatch.setattr(prefilter, "may_hold", lambda text, alone: calls.append(text) or original(text, alone))
    return prefilter, calls, original


def test_names_of_a_batch_are_sifted_by_halving_not_one_by_one(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A batch fires whenever one name says "aws" and another is a long path: the names
    that may hold a key alone are found in a few dozen scans, not one scan a name."""
    from byok_ci.keygen import generate_key
    from byok_ci.scan import NameSieve
    from byok_ci.sources.read import Entry

    prefilter, calls, original = _counted_prefilter(tmp_path, shipped_rules, monkeypatch)
    rule = shipped_rules.get("groq.api-key")
    assert rule is not None
    key_name = f"dist/{generate_key(rule, rng)}.env"
    names = [f"src/aws/module_{n}.py" for n in range(2000)] + ["docs/" + "long_path_segment/" * 4 + "x.md"]
    names.insert(1234, key_name)
    sieve = NameSieve(shipped_rules, prefilter)
    list(sieve.watch(Entry(name, name, 1) for name in names))
    assert key_name in sieve.names()
    assert len(calls) < 100


def test_names_with_a_provider_word_are_halved_apart_from_the_others(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A tree's names: hundreds say a provider ("azure", "cohere"), hundreds are long runs.
    Halved together nearly every half fired by one's word and another's run (723 scans for
    haystack's 10,720 names); halved apart, the names kept are the same, in the walk's order,
    for a fraction of the scans."""
    from byok_ci.keygen import generate_key
    from byok_ci.scan import NameSieve
    from byok_ci.sources.read import Entry

    prefilter, calls, original = _counted_prefilter(tmp_path, shipped_rules, monkeypatch)
    names = []
    for n in range(1500):
        names.append(f"docs/integrations/{('azure', 'cohere', 'aws', 'mistral')[n % 4]}/guide_{n}.md")
        names.append(f"pkg/{rng.choice('abcdefgh') * 3}{'components' * 5}/module_{n}.py")
    for rule_id, at in (("groq.api-key", 700), ("cohere.api-key", 2100)):
        rule = shipped_rules.get(rule_id)
        assert rule is not None
        names.insert(at, f"backup/{rule.keywords[0]}_{generate_key(rule, rng)}.env")
    sieve = NameSieve(shipped_rules, prefilter)
    alone = [name for name in names if original(name, sieve._alone)]
    assert len(alone) >= 2
    list(sieve.watch(Entry(name, name, 1) for name in names))
    assert sieve.names() == alone
    assert len(calls) < 120, len(calls)  # 5,255 halved together


def test_the_walks_last_names_are_sifted_as_it_ends_and_no_matcher_is_made_for_no_name(
    tmp_path: Path, shipped_rules: RuleSet, rng: random.Random, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The end of a large scan runs alone: the last names are sifted when the walk ends (with
    workers, while they still read), and the key matcher is made only when a name, error or
    finding is there to look at."""
    import byok_ci.pipeline
    from byok_ci.config import Settings
    from byok_ci.keygen import generate_key
    from byok_ci.scan import NameSieve, scan_paths
    from byok_ci.sources.read import Entry

    sieve = NameSieve(shipped_rules)
    walked = list(sieve.watch(Entry(f"src/m{n}.py", f"src/m{n}.py", 1) for n in range(10)))
    assert len(walked) == 10 and sieve._pending == []  # sifted already, not left to names()
    made = []
    matcher = byok_ci.pipeline.KeyMatcher
    monkeypatch.setattr(byok_ci.pipeline, "KeyMatcher", lambda rules: made.append(1) or matcher(rules))
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "app.py").write_text("print('hello')\n")
    report = scan_paths([tmp_path / "clean"], rules=shipped_rules, settings=Settings(jobs=1))
    assert not report.findings and made == []
    rule = shipped_rules.get("groq.api-key")
    assert rule is not None
    (tmp_path / "named").mkdir()
    (tmp_path / "named" / f"{generate_key(rule, rng)}.env").write_text("x = 1\n")
    report = scan_paths([tmp_path / "named"], rules=shipped_rules, settings=Settings(jobs=1))
    assert [f.rule_id for f in report.findings] == ["groq.api-key"] and made == [1]


def test_a_key_as_a_taggers_name_is_redacted_in_the_tag_messages_findings(tmp_path: Path, shipped_rules: RuleSet,
                                                                          rng: random.Random) -> None:
    tagger = key_for(shipped_rules, "anthropic.api-key", rng)
    content = key_for(shipped_rules, "groq.api-key", rng)
    repo = GitRepo(tmp_path)
    repo.write("app.py", "x = 1\n")
    repo.commit("add")
    repo.git("tag", "-a", "v1", "-m", f"release; old key {content}", env={"GIT_COMMITTER_NAME": tagger})
    report = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(tmp_path))
    [found] = [f for f in report.findings if f.found_in == "tag-message"]
    assert found.commit_info is not None and found.commit_info.author.startswith("sk-ant-api03-…")
    assert tagger not in json.dumps([f.to_dict() for f in report.findings])

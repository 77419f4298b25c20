"""Keys in what a commit's or tag's header carries besides its author and message: the
committer, a tag's tagger and own name, a merged tag's copy (``mergetag``), and the file
names inside a tree a ref names. A clone carries all of them, and GitHub shows them."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from byok_ci.model import Finding, Report
from byok_ci.report.json import envelope, write
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo

HISTORY = GitTarget("history")
EVERYTHING = GitTarget("history", all_objects=True)


@pytest.fixture
def keys(shipped_rules: RuleSet, rng: random.Random) -> list[str]:
    return [key_for(shipped_rules, "anthropic.api-key", rng) for _ in range(4)]


def _where(report: Report) -> list[tuple[str | None, str, str | None]]:
    return sorted((f.found_in, f.path, f.commit) for f in report.findings)


def _shown(key: str) -> str:
    return f"sk-ant-api03-…{key[-4:]}"


def _no_raw_key(report: Report, keys: list[str]) -> None:
    out = io.StringIO()
    write(report, out)
    text = out.getvalue() + repr(report) + json.dumps(envelope(report))  # (envelope: the schema's enum holds it)
    assert not any(key in text for key in keys)


def _pre_receive(repo: GitRepo, *refs: str) -> Report:
    """What the pre-receive hook reports of a push of ``refs`` to a server that has none of it."""
    from byok_ci import pre_receive
    from byok_ci.config import Settings

    server = GitRepo(repo.path.parent / f"server-{len(list(repo.path.parent.iterdir()))}.git", init=False)
    server.path.mkdir()
    server.git("init", "-q", "--bare")
    server.git("fetch", "-q", "--no-tags", str(repo.path), *refs)  # the objects, and no ref of the server's
    lines = "".join(f"{'0' * 40} {repo.git('rev-parse', ref)} {ref}\n" for ref in refs)
    verdict = pre_receive.check_push(pre_receive.read_updates(lines), Settings(), cwd=str(server.path))
    assert verdict.report is not None and verdict.code == 1, verdict.lines
    return verdict.report


def _signed_tag(repo: GitRepo, name: str, message: str, tagger: str = "Ada Lovelace") -> None:
    """An annotated tag of HEAD with a signature block: `git merge` copies a tag into the
    merge commit only when it is signed (it does not check the signature)."""
    path = repo.path.parent / "tag.txt"
    path.write_text(f"object {repo.git('rev-parse', 'HEAD')}\ntype commit\ntag {name}\n"
                    f"tagger {tagger} <ada@example.com> 1704067200 +0000\n\n{message}\n"
                    "-----BEGIN PGP SIGNATURE-----\n\niHUEABYKAB0WIQQ\n=tYsN\n-----END PGP SIGNATURE-----\n")
    repo.git("update-ref", f"refs/tags/{name}", repo.git("hash-object", "-t", "tag", "-w", str(path)))


def test_a_key_in_a_committers_name_or_email_is_a_finding_in_every_mode(tmp_path: Path, shipped_rules: RuleSet,
                                                                        keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    base = repo.commit("base")
    repo.write("a.py", "x = 2\n")
    named = repo.commit("clean change", env={"GIT_COMMITTER_NAME": f"ci {keys[0]}"})
    repo.write("a.py", "x = 3\n")
    mailed = repo.commit("another", env={"GIT_COMMITTER_EMAIL": f"{keys[1]}@example.com"})
    expected = [("committer", f"ci {_shown(keys[0])} <ada@example.com>", named),
                ("committer", f"Ada Lovelace <{_shown(keys[1])}@example.com>", mailed)]
    targets = [HISTORY, EVERYTHING, GitTarget("range", f"{base}..HEAD"), GitTarget("since", base),
               GitTarget("pre-push", push_from=base, push_to=mailed)]
    for target in targets:
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert _where(report) == sorted(expected), target
        first = min(report.findings, key=lambda f: f.path)
        assert first.commit_info is not None and first.commit_info.author == "Ada Lovelace <ada@example.com>"
        assert "a commit's committer" in first.message
        _no_raw_key(report, keys)
    assert _where(_pre_receive(repo, "refs/heads/main")) == sorted(expected)


def test_a_key_in_a_taggers_name_is_a_finding_for_every_tag_a_scan_reads(tmp_path: Path, shipped_rules: RuleSet,
                                                                         keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base")
    repo.git("tag", "-a", "v1", "-m", "a clean message", env={"GIT_COMMITTER_NAME": keys[0]})
    repo.git("tag", "-a", "gone", "-m", "clean too", env={"GIT_COMMITTER_EMAIL": f"{keys[1]}@example.com"})
    repo.git("tag", "-d", "gone")  # a dangling tag object
    v1 = [("tagger", f"{_shown(keys[0])} <ada@example.com>", base)]
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert _where(report) == v1
    (finding,) = report.findings
    assert "(tag refs/tags/v1)" in finding.message and finding.reachability is None
    everything = scan_git(EVERYTHING, rules=shipped_rules, cwd=str(repo.path))
    assert _where(everything) == sorted([*v1, ("tagger", f"Ada Lovelace <{_shown(keys[1])}@example.com>", base)])
    assert sorted(f.reachability or "" for f in everything.findings) == ["", "unreachable"]
    push = GitTarget("pre-push", push_from=base, push_to=base, refs=(("refs/tags/v1", "refs/tags/v1"),))
    assert _where(scan_git(push, rules=shipped_rules, cwd=str(repo.path))) == v1
    assert _where(_pre_receive(repo, "refs/tags/v1")) == v1
    for each in (report, everything):
        _no_raw_key(each, keys)


def test_a_merged_tags_copy_in_the_merge_commit_is_scanned_after_the_tag_is_gone(
        tmp_path: Path, shipped_rules: RuleSet, keys: list[str]) -> None:
    """`git merge <annotated tag>` copies the tag object (its name, tagger and message) into
    the merge commit's `mergetag` header; deleting the tag leaves that copy in every clone."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("b.py", "y = 1\n")
    side = repo.commit("side work")
    _signed_tag(repo, f"r-{keys[2]}", f"release notes\n\nold key {keys[0]}", tagger=keys[1])
    repo.git("checkout", "-q", "main")
    repo.write("c.py", "z = 1\n")
    repo.commit("main work")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "-m", "a clean merge message", f"r-{keys[2]}")
    merge = repo.git("rev-parse", "HEAD")
    assert "\nmergetag object " in repo.git("cat-file", "commit", merge)
    tag = repo.git("rev-parse", f"refs/tags/r-{keys[2]}")
    repo.git("tag", "-d", f"r-{keys[2]}")
    expected = [("ref", f"refs/tags/r-{_shown(keys[2])}", merge),
                ("tag-message", merge, merge),
                ("tagger", f"{_shown(keys[1])} <ada@example.com>", merge)]
    everything = _where(scan_git(EVERYTHING, rules=shipped_rules, cwd=str(repo.path)))
    assert ("tag-message", merge, merge) in everything and ("tag-message", tag, side) in everything  # (and dangling)
    for target in (HISTORY, GitTarget("range", f"{base}..HEAD"),
                   GitTarget("pre-push", push_from=base, push_to=merge)):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert _where(report) == expected, target
        [message] = [f for f in report.findings if f.found_in == "tag-message"]
        assert message.line == 3 and message.commit_info is not None
        assert message.commit_info.author.startswith(_shown(keys[1]))
        _no_raw_key(report, keys)
    assert _where(_pre_receive(repo, "refs/heads/main")) == expected


def test_a_merged_tags_copy_is_reached_as_the_merge_commit(tmp_path: Path, shipped_rules: RuleSet,
                                                           keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side work")
    _signed_tag(repo, "r1", f"old key {keys[0]}")
    repo.git("checkout", "-q", "-b", "pr", "main")
    repo.commit("pr work")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "-m", "merge", "r1")
    merge = repo.git("rev-parse", "HEAD")
    repo.git("update-ref", "refs/pull/3/head", merge)
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-D", "pr")
    repo.git("tag", "-d", "r1")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.found_in, f.path, f.reachability) for f in report.findings] == [
        ("tag-message", merge, "pull-request")]


def test_every_file_name_in_a_tree_a_ref_names_is_checked(tmp_path: Path, shipped_rules: RuleSet,
                                                          keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base")
    index = tmp_path / "index"
    env = {"GIT_INDEX_FILE": str(index)}
    repo.write(f"dir-{keys[0]}/clean.txt", "nothing here\n")
    repo.write(f"{keys[1]}.bin", b"\0binary, skipped\n")
    repo.git("update-index", "--add", f"dir-{keys[0]}/clean.txt", f"{keys[1]}.bin", env=env)
    tree = repo.git("write-tree", env=env)
    repo.git("update-ref", "refs/keep/tree", tree)
    repo.git("update-ref", f"refs/keep/t-{keys[2]}", tree)
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    ref = f"refs/keep/t-{_shown(keys[2])}"
    assert _where(report) == sorted([
        ("path", f"refs/keep/tree:dir-{_shown(keys[0])}", None),
        ("path", f"refs/keep/tree:{_shown(keys[1])}.bin", None),
        ("path", f"{ref}:dir-{_shown(keys[0])}", None),
        ("path", f"{ref}:{_shown(keys[1])}.bin", None),
        ("ref", ref, tree),
    ])
    _no_raw_key(report, keys)


def test_a_tag_objects_own_name_is_checked_whatever_ref_reaches_it(tmp_path: Path, shipped_rules: RuleSet,
                                                                   keys: list[str]) -> None:
    """The `tag <name>` line of a dangling tag (--all-objects), and of a tag a ref of
    another name reaches (git cat-file shows it; a clone fetches it)."""
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base")
    repo.git("tag", "-a", f"gone-{keys[0]}", "-m", "clean")
    repo.git("tag", "-a", f"moved-{keys[1]}", "-m", "clean")
    repo.git("update-ref", "refs/keep/clean-name", repo.git("rev-parse", f"refs/tags/moved-{keys[1]}"))
    repo.git("tag", "-d", f"gone-{keys[0]}", f"moved-{keys[1]}")
    moved = ("ref", f"refs/tags/moved-{_shown(keys[1])}", base)
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert _where(report) == [moved]
    assert "refs/keep/clean-name" in report.findings[0].message
    everything = scan_git(EVERYTHING, rules=shipped_rules, cwd=str(repo.path))
    assert _where(everything) == sorted([moved, ("ref", f"refs/tags/gone-{_shown(keys[0])}", base)])
    _no_raw_key(everything, keys)


def test_a_key_in_a_tags_name_under_its_own_ref_is_one_finding(tmp_path: Path, shipped_rules: RuleSet,
                                                               keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base")
    repo.git("tag", "-a", f"v-{keys[0]}", "-m", "clean")
    for target in (HISTORY, EVERYTHING):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert [(f.found_in, f.path) for f in report.findings] == [("ref", f"refs/tags/v-{_shown(keys[0])}")]


def test_the_push_hooks_say_what_to_rewrite_for_a_key_in_a_name(tmp_path: Path, shipped_rules: RuleSet,
                                                                keys: list[str]) -> None:
    from byok_ci.pre_receive import rejection

    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", env={"GIT_COMMITTER_NAME": keys[0]})
    lines = rejection(_pre_receive(repo, "refs/heads/main"))
    assert any("committer" in line and "user.name" in line for line in lines), lines
    assert not any(keys[0] in line for line in lines)


def test_findings_in_names_keep_the_finding_models_contracts(tmp_path: Path, shipped_rules: RuleSet,
                                                             keys: list[str]) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", env={"GIT_COMMITTER_NAME": keys[0]})
    repo.git("tag", "-a", "v1", "-m", "clean", env={"GIT_COMMITTER_NAME": keys[1]})
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    found: list[Finding] = list(report.findings)
    assert sorted(f.found_in or "" for f in found) == ["committer", "tagger"]
    assert all(f.line == 0 and f.column == 0 and f.redacted.startswith("sk-ant-api03-…") for f in found)
    for form in ("text", "junit", "sarif", "github", "gitlab"):
        from tests.test_cli_git import invoke

        result = invoke(["scan", "--history", "--format", form], repo.path)
        assert result.exit_code == 1 and not any(key in result.output for key in keys), form


def test_a_key_in_any_other_commit_header_is_a_finding_at_its_line(tmp_path: Path, shipped_rules: RuleSet,
                                                                    keys: list[str]) -> None:
    """git keeps and a clone carries every header line of a commit: `encoding`, a
    signature's armor headers (`Comment:`; git checks nothing of a signature), and any
    header a tool wrote."""
    repo = GitRepo(tmp_path / "repo")
    base = repo.commit("base")
    (tmp_path / "commit.txt").write_text(
        f"tree {repo.git('rev-parse', 'HEAD^{tree}')}\nparent {base}\n"
        "author Ada Lovelace <ada@example.com> 1704067200 +0000\n"
        "committer Ada Lovelace <ada@example.com> 1704067200 +0000\n"
        f"encoding x-{keys[0]}\nchange-id {keys[1]}\n"
        f"gpgsig -----BEGIN PGP SIGNATURE-----\n Comment: {keys[2]}\n \n iHUEABYKAB0WIQQ\n =tYsN\n"
        " -----END PGP SIGNATURE-----\n\na clean message\n")
    made = repo.git("hash-object", "-t", "commit", "-w", str(tmp_path / "commit.txt"))
    repo.git("update-ref", "refs/heads/main", made)
    for target in (HISTORY, GitTarget("range", f"{base}..{made}"), GitTarget("pre-push", push_from=base,
                                                                              push_to=made)):
        report = scan_git(target, rules=shipped_rules, cwd=str(repo.path))
        assert sorted((f.found_in, f.path, f.line) for f in report.findings) == [
            ("header", made, 5), ("header", made, 6), ("header", made, 8)], target
        _no_raw_key(report, keys)
    assert [f.line for f in _pre_receive(repo, "refs/heads/main").findings] == [5, 6, 8]


@pytest.mark.parametrize("head", [
    b"tree a\nparent b\nauthor x 1 +0000\ncommitter y 1 +0000",
    b"tree a\nparent b\nparent c\nauthor x 1 +0000\ncommitter y 1 +0000\ngpgsig -----BEGIN\n Comment: c\n \n -----END",
    b"tree a\nencoding k\nauthor x 1 +0000\ncommitter y 1 +0000\nfoo bar",
    b"tree a\nauthor x 1 +0000\ncommitter y 1 +0000\nmergetag object c\n type commit\n tag t\ngpgsig s\n more",
    b"tree a\nauthor x 1 +0000\ncommitter y 1 +0000\nencoding e\n",
    b"tree a\n parent\nauthor x 1 +0000\ncommitter y 1 +0000\ngpgsig z\n q",
    b"tree a\nauthor x",
])
def test_a_commits_other_header_lines_read_at_once_are_those_read_line_by_line(head: bytes) -> None:
    from byok_ci.sources.git.messages import _other_headers, _other_lines

    assert _other_headers(head) == _other_lines(head)

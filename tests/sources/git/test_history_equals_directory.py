"""A history scan finds what a directory scan of the same files finds.

History is screened as git's bytes (Detector.screen) before any text is made of them, and
git's output is read in blocks and whole hunks: a file the screen wrongly rules out, or a
hunk cut wrongly, is a key never reported. So every shipped rule's examples are planted
in the placements people write keys in (plain, JSON, YAML, base64, URL-encoded, CRLF,
classic Mac CRs, next to non-ASCII text, context on the line before or only in the path),
committed, and the two scans must agree on rule, path, line and fingerprint.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import random
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from byok_ci.config import Settings
from byok_ci.detect.choose import fast_prefilter
from byok_ci.keygen import expand_example, generate_key
from byok_ci.model import Report
from byok_ci.rules import RuleSet, load_rules
from byok_ci.scan import scan_paths
from byok_ci.scan_git import GitTarget, scan_git
from byok_ci.sources.git import commits
from tests.conftest import key_for
from tests.gitrepo import GitRepo, git_env

HISTORY = GitTarget("history")
RULES = load_rules()

Found = tuple[str, int, str, str, "str | None"]


def _found(report: Report) -> set[Found]:
    """What was found; a key met again in the same file counts once, at its first line (a
    history reports each key once per path, docs/git.md)."""
    first: dict[tuple[str, str, str], Found] = {}
    for f in sorted(report.findings, key=lambda f: (f.path, f.line, f.column)):
        first.setdefault((f.path, f.rule_id, f.fingerprint), (f.path, f.line, f.rule_id, f.fingerprint, f.encoding))
    return set(first.values())


def _placements(rng: random.Random) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for rule in RULES.rules:
        slug = rule.id.replace(".", "-")
        for i, example in enumerate(rule.examples.positive):
            text = expand_example(example, rule, rng)
            framed = f"head\n{text}\nend\n"
            files[f"{slug}/{i}.txt"] = text.encode() + b"\n"
            files[f"{slug}/{i}-no-newline.txt"] = text.encode()
            files[f"{slug}/{i}.json"] = json.dumps({"config": {"value": text}}).encode() + b"\n"
            files[f"{slug}/{i}.yaml"] = f"top:\n  value: {json.dumps(text)}\n".encode()
            files[f"{slug}/{i}.b64"] = base64.b64encode(text.encode()) + b"\n"
            files[f"{slug}/{i}.url"] = urllib.parse.quote(text).encode() + b"\n"
            once = base64.b64encode(text.encode())
            files[f"{slug}/{i}-twice.b64"] = base64.b64encode(once) + b"\n"
            files[f"{slug}/{i}-b64.url"] = urllib.parse.quote(b"data:text/plain;base64," + once).encode() + b"\n"
            files[f"{slug}/{i}-secret.yaml"] = b"kind: Secret\ndata:\n  value: " + once + b"\n"
            files[f"{slug}/{i}-bom.txt"] = b"\xef\xbb\xbf" + text.encode() + b"\n"
            if i == 0:
                # UTF-16 (Windows .ini/.reg/.ps1 files): git diffs it as binary, history decodes it.
                files[f"{slug}/{i}-utf16.ini"] = framed.replace("\n", "\r\n").encode("utf-16")
                files[f"{slug}/{i}-utf16le-no-bom.ini"] = framed.encode("utf-16-le")
                files[f"{slug}/{i}-utf16be-no-bom.ini"] = framed.encode("utf-16-be")
                files[f"{slug}/{i}-long-line.txt"] = b"x" * 20_000 + b" " + text.encode() + b" " + b"y" * 20_000 + b"\n"
            files[f"{slug}/{i}.crlf"] = framed.replace("\n", "\r\n").encode()
            files[f"{slug}/{i}.cr"] = framed.replace("\n", "\r").encode()
            files[f"{slug}/{i}-cr-no-end.cr"] = framed.replace("\n", "\r").rstrip("\r").encode()
            # CR line ends and one LF: git's lines end at LFs alone, so both scans read one line.
            files[f"{slug}/{i}-cr-then-lf.cr"] = framed.replace("\n", "\r").encode() + b"\n"
            files[f"{slug}/{i}.nonascii"] = f"# café ✓ ünïcode\n{text} — naïve\n".encode()
            files[f"{slug}/{i}.latin1"] = b"caf\xe9 cr\xe8me\n" + text.encode() + b"\n"
        key = generate_key(rule, rng)
        files[f"{slug}/bare.env"] = f"{rule.provider.upper()}_API_KEY={key}\n".encode()
        files[f"{slug}/previous-line.py"] = f"# {rule.provider} key\nvalue = '{key}'\n".encode()
        files[f"{slug}/.ngc/config"] = f"[CURRENT]\napikey = {key}\nformat_type = ascii\n".encode()
        files[f"{slug}/{rule.provider}/config"] = f"apikey = {key}\n".encode()
    return files


def _write(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _fast_import(repo: Path, files: dict[str, bytes]) -> None:
    """One commit per file (thousands of commits: a default -j splits the history into
    parts, one git process each), written by git fast-import in a second."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=git_env())
    stream = bytearray()
    for n, (name, data) in enumerate(sorted(files.items())):
        message = f"add {n}".encode()
        stream += b"commit refs/heads/main\n"
        stream += b"committer Ada Lovelace <ada@example.com> %d +0000\n" % (1_700_000_000 + n)
        stream += b"data %d\n%s\n" % (len(message), message)
        stream += b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(data), data)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True, env=git_env())
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True, env=git_env())


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[Found]]:
    root = tmp_path_factory.mktemp("equal")
    files = _placements(random.Random(20261203))
    _write(root / "dir", files)
    _fast_import(root / "repo", files)
    expected = _found(scan_paths([str(root / "dir")], root=str(root / "dir"), rules=RULES))
    return root / "dir", root / "repo", expected


@pytest.mark.parametrize(("jobs", "prefilter"), [(1, ""), (0, ""), (1, "python")],
                         ids=["-j1", "default-j", "unscreened"])
def test_history_finds_what_a_directory_scan_finds(jobs: int, prefilter: str, planted: tuple[Path, Path, set[Found]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Classic Mac files (CRs only) without a final newline were one line in history (git
    adds a newline to a last line that has none, so detection saw an LF and kept the CRs):
    every key in them was reported on line 1, and an allow marker anywhere hid them all."""
    _, repo, expected = planted
    if prefilter:  # the pure-Python prefilter cannot screen bytes: batched detection instead
        monkeypatch.setenv("BYOK_CI_PREFILTER", prefilter)
    else:  # the default, whatever the suite was started with
        monkeypatch.delenv("BYOK_CI_PREFILTER", raising=False)
    report = scan_git(HISTORY, rules=RULES, cwd=str(repo), settings=Settings(jobs=jobs))
    assert report.errors == ()
    if not prefilter and importlib.util.find_spec("hyperscan") is not None:  # where it is, history is screened
        assert hasattr(fast_prefilter(RULES.rules, RULES.digest), "may_find")
    if jobs == 0:
        assert report.stats.commits > commits.MIN_COMMITS_PER_PART  # several parts where there are cores
    assert _found(report) == expected
    assert len({f[2] for f in expected}) == len(RULES.rules)  # every rule was found somewhere


def test_a_utf16_file_is_scanned_in_history_as_in_a_directory(tmp_path: Path, shipped_rules: RuleSet,
                                                              rng: random.Random) -> None:
    key = key_for(shipped_rules, "openai.project-key", rng)
    files = {"win/settings.ini": f"[openai]\r\napi_key = {key}\r\n".encode("utf-16")}
    _write(tmp_path / "dir", files)
    repo = GitRepo(tmp_path / "repo")
    for name, data in files.items():
        repo.write(name, data)
    repo.commit("utf-16")
    expected = _found(scan_paths([str(tmp_path / "dir")], root=str(tmp_path / "dir"), rules=shipped_rules))
    assert expected and _found(scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))) == expected


def test_an_allow_marker_in_a_classic_mac_file_hides_only_its_own_line_in_history(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    openai = key_for(shipped_rules, "openai.project-key", rng)
    groq = key_for(shipped_rules, "groq.api-key", rng)
    text = f"x = 1  # pragma: allowlist secret\rOPENAI={openai}\rGROQ={groq}".encode()
    repo = GitRepo(tmp_path / "repo")
    repo.write("mac.txt", text)
    repo.commit("classic Mac line ends")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert sorted((f.line, f.rule_id) for f in report.findings) == [(2, "openai.project-key"), (3, "groq.api-key")]


def _history_and_directory(tmp_path: Path, repo: GitRepo, rules: RuleSet) -> tuple[set[Found], set[Found]]:
    """Findings of the history, and of a directory holding the files of HEAD."""
    tree = tmp_path / "tree"
    subprocess.run(["git", "worktree", "add", "-q", "--detach", str(tree)], cwd=repo.path, check=True, env=git_env())
    subprocess.run(["rm", "-rf", str(tree / ".git")], check=True)
    history = _found(scan_git(HISTORY, rules=rules, cwd=str(repo.path)))
    directory = _found(scan_paths([str(tree)], root=str(tree), rules=rules))
    return history, directory


def test_keys_a_merge_commit_adds_are_found(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("base.txt", "base\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", f"GROQ_API_KEY={key_for(shipped_rules, 'groq.api-key', rng)}\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main\n")
    repo.commit("main")
    repo.git("merge", "-q", "--no-commit", "side")
    # Lines that neither parent had, written while resolving the merge (an "evil" merge).
    repo.write("side.txt", f"GROQ_API_KEY={key_for(shipped_rules, 'groq.api-key', rng)}\n"
                           f"OPENAI_API_KEY={key_for(shipped_rules, 'openai.project-key', rng)}\n")
    repo.write("merged.py", f'KEY = "{key_for(shipped_rules, "anthropic.api-key", rng)}"\n')
    merge = repo.commit("merge side")
    history, directory = _history_and_directory(tmp_path, repo, shipped_rules)
    # The side branch's first key was replaced in the merge: history has one more finding.
    assert directory <= history and len(history - directory) == 1
    scanned = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert {f.path for f in scanned.findings if f.commit == merge} == {"side.txt", "merged.py"}


def test_keys_where_gits_output_is_cut_into_blocks_are_found(tmp_path: Path, shipped_rules: RuleSet,
                                                             rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over one read block, keys on every line around each block boundary (whatever
    git writes before the file, one of them straddles it), and a patch that also removes
    lines holding keys."""
    size = commits.READ_SIZE
    filler = "".join(f"value_{n:06d} = compute({n}, 'some text here')\n" for n in range(size // 40))
    keys = [key_for(shipped_rules, "openai.project-key", rng) for _ in range(160)]
    near = ["".join(f'KEY_{n} = "{key}"\n' for n, key in enumerate(half)) for half in (keys[:80], keys[80:])]
    repo = GitRepo(tmp_path / "repo")
    repo.write("big.py", filler[:size - 3000] + near[0] + filler[size - 3000:] + near[1])
    old = key_for(shipped_rules, "groq.api-key", rng)
    repo.write("moved.env", f"A=1\nGROQ_API_KEY={old}\nB=2\n")
    repo.commit("big")
    new = key_for(shipped_rules, "groq.api-key", rng)
    repo.write("moved.env", f"A=1\nGROQ_API_KEY={new}\nB=2\nGROQ_API_KEY={old}\n")
    repo.commit("replace a key, move another")

    real_blocks = commits.blocks

    def exact_blocks(out: IO[bytes], block: int = size) -> Iterator[bytes]:
        # read1 returns what the pipe holds: cut at exact multiples instead, so a key does straddle.
        data = b"".join(real_blocks(out, block))
        for at in range(0, len(data), block):
            yield data[at:at + block]

    monkeypatch.setattr(commits, "blocks", exact_blocks)
    history, directory = _history_and_directory(tmp_path, repo, shipped_rules)
    assert len([f for f in directory if f[0] == "big.py"]) == len(keys)
    # The old key moved to line 4 in the second commit (its removal is no finding): history
    # reports it once, where the first commit added it.
    assert {f[:3] for f in directory - history} == {("moved.env", 4, "groq.api-key")}
    assert {f[:3] for f in history - directory} == {("moved.env", 2, "groq.api-key")}


def test_a_key_added_under_context_an_earlier_commit_added_is_found(tmp_path: Path, shipped_rules: RuleSet,
                                                                    rng: random.Random) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("settings.ini", "[pinecone]\nregion = us\n\n[other]\n")
    repo.commit("a section")
    repo.write("settings.ini", f"[pinecone]\nregion = us\napi_key = {key_for(shipped_rules, 'pinecone.legacy-key', rng)}\n"
                               "[other]\n")
    repo.commit("its key")
    history, directory = _history_and_directory(tmp_path, repo, shipped_rules)
    assert directory and history == directory


def test_an_encoded_key_is_found_in_history_without_hyperscan(tmp_path: Path, shipped_rules: RuleSet,
                                                              rng: random.Random,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Hyperscan (no wheel for the platform, or BYOK_CI_PREFILTER=python) history is
    detected in batches, and a batch ran detection only on chunks a keyword span touched:
    a base64 key, which has none, was never decoded."""
    monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    repo = GitRepo(tmp_path / "repo")
    key = key_for(shipped_rules, "groq.api-key", rng)
    repo.write("blob.txt", "config: " + base64.b64encode(("token=" + key).encode()).decode() + "\n")
    repo.write("other.txt", "OPENAI_API_KEY=nothing\n")
    repo.commit("encoded")
    report = scan_git(HISTORY, rules=shipped_rules, cwd=str(repo.path))
    assert [(f.path, f.rule_id, f.encoding) for f in report.findings] == [("blob.txt", "groq.api-key", "base64")]

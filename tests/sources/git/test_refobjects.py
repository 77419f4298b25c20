"""Keys in blobs and trees a ref or an annotated tag names directly, outside every commit."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

from byok_ci.config import DEFAULT_MAX_FILE_SIZE
from byok_ci.model import Report
from byok_ci.report.json import envelope, write
from byok_ci.rules import RuleSet
from byok_ci.scan_git import GitTarget, scan_git
from tests.conftest import key_for
from tests.gitrepo import GitRepo


def _blob(repo: GitRepo, text: str) -> str:
    (repo.path / "loose.txt").write_text(text)
    return repo.git("hash-object", "-w", "loose.txt").strip()


def _found(report: Report) -> list[tuple[str, int, str | None, str | None]]:
    return sorted((f.path, f.line, f.found_in, f.reachability) for f in report.findings)


def _no_raw_key(report: Report, keys: list[str]) -> None:
    out = io.StringIO()
    write(report, out)
    assert not any(key in out.getvalue() or key in repr(report) for key in keys)


def test_blobs_and_trees_refs_and_tags_name_are_scanned(tmp_path: Path, shipped_rules: RuleSet,
                                                        rng: random.Random) -> None:
    """git.git's junio-gpg-pub tag names a blob: no commit holds it, a clone fetches it."""
    keys = [key_for(shipped_rules, "openai.project-key", rng) for _ in range(4)]
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    repo.commit("base")
    tagged = _blob(repo, f"first\nOPENAI_API_KEY={keys[0]}\n")
    repo.git("tag", "-a", "key-file", tagged, "-m", "a public key, they said")
    repo.git("update-ref", "refs/pull/7/head", _blob(repo, f"OPENAI_API_KEY={keys[1]}\n"))
    (repo.path / "loose.txt").unlink()
    index = tmp_path / "index"
    env = {"GIT_INDEX_FILE": str(index)}
    (repo.path / "tree.txt").write_text(f"\n\nOPENAI_API_KEY={keys[2]}\n")
    repo.git("update-index", "--add", "tree.txt", env=env)
    repo.git("update-ref", "refs/keep/tree", repo.git("write-tree", env=env).strip())
    repo.git("tag", "-a", "tree-tag", repo.git("rev-parse", "refs/keep/tree").strip(), "-m",
             f"and its message {keys[3]}")
    (repo.path / "tree.txt").unlink()

    report = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(repo.path))
    assert _found(report) == [
        ("refs/keep/tree:tree.txt", 3, None, "other-ref"),
        ("refs/pull/7/head", 1, None, "pull-request"),
        ("refs/tags/key-file^{blob}", 2, None, None),
        ("refs/tags/tree-tag", 1, "tag-message", None),
        ("refs/tags/tree-tag:tree.txt", 3, None, None),
    ]
    assert report.errors == ()
    envelope(report)
    _no_raw_key(report, keys)
    everything = scan_git(GitTarget("history", all_objects=True), rules=shipped_rules, cwd=str(repo.path))
    assert _found(everything) == _found(report)


def test_a_named_blob_over_the_size_limit_is_reported_not_scanned(tmp_path: Path, shipped_rules: RuleSet) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    repo.commit("base")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (DEFAULT_MAX_FILE_SIZE + 1))
    repo.git("update-ref", "refs/keep/big", repo.git("hash-object", "-w", str(big)).strip())
    report = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(repo.path))
    assert [(e.path, e.blocking) for e in report.errors] == [("refs/keep/big", True)]
    assert "not scanned" in report.errors[0].message
    done = subprocess.run([sys.executable, "-m", "byok_ci", "scan", "--history", "."], cwd=repo.path,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "refs/keep/big" in done.stdout + done.stderr


def test_a_key_in_the_name_of_a_ref_to_a_blob_is_the_refs_finding_and_one_in_a_trees_file_name_a_paths(
        tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    """The blob's path is the ref's name, no file's: its key is reported once, as the ref's;
    a key in the name of a file of a tree a ref names is that file name's."""
    keys = [key_for(shipped_rules, "openai.project-key", rng) for _ in range(3)]
    repo = GitRepo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    repo.commit("base")
    repo.git("update-ref", f"refs/keep/{keys[0]}", _blob(repo, f"OPENAI_API_KEY={keys[1]}\n"))
    (repo.path / "loose.txt").unlink()
    env = {"GIT_INDEX_FILE": str(tmp_path / "index")}
    (repo.path / f"{keys[2]}.txt").write_text(f"OPENAI_API_KEY={keys[1]}\n")
    repo.git("update-index", "--add", f"{keys[2]}.txt", env=env)
    repo.git("update-ref", "refs/keep/tree", repo.git("write-tree", env=env).strip())
    (repo.path / f"{keys[2]}.txt").unlink()
    report = scan_git(GitTarget("history"), rules=shipped_rules, cwd=str(repo.path))
    kinds = sorted((f.found_in or "", f.line) for f in report.findings)
    assert kinds == [("", 1), ("", 1), ("path", 0), ("ref", 0)]
    ref_named = [f for f in report.findings if not f.path.startswith("refs/keep/tree:")]
    assert len(ref_named) == 2 and len({f.path for f in ref_named}) == 1  # its content's, the ref's
    assert report.errors == ()
    _no_raw_key(report, keys)


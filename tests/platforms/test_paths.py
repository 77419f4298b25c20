"""Paths in reports are the same on Windows, macOS and Linux (issue 21 §5).

Windows is stood in for by ``ntpath``: the path functions take the path flavour as a
parameter, and the tests run them with ``ntpath``, the module ``os.path`` is on Windows,
so the code that runs there is the code tested here (only the file system is Linux's).
"""

from __future__ import annotations

import ntpath
import os
import posixpath
import random
import unicodedata
from pathlib import Path

import pytest

from byok_ci.model import fingerprint
from byok_ci.paths import (
    _inside,
    display_path,
    relative_to_root,
    report_form,
    shown_path,
)
from byok_ci.rules import load_rules
from byok_ci.scan import scan_paths
from byok_ci.shard import assign
from byok_ci.sources.select import is_excluded
from byok_ci.suppress.baseline import relative_path
from tests.conftest import key_for
from tests.gitrepo import GitRepo
from tests.platforms.cli import json_report as _json
from tests.platforms.fs import case_insensitive

RULES = load_rules()
ROOT = r"C:\Users\ada\repo"


@pytest.mark.parametrize(("given", "shown"), [
    (r"C:\Users\ada\repo\src\app.py", "src/app.py"),
    ("C:/Users/ada/repo/src\\app.py", "src/app.py"),  # either separator in an argument
    (r"c:\users\ADA\Repo\src\app.py", "src/app.py"),  # NTFS: the same directory in another case
    (r"C:\Users\ada\repo\src\deep\..\app.py", "src/app.py"),
    (r"C:\Users\ada\repo", "repo"),
    (r"C:\Users\ada\repository\app.py", "C:/Users/ada/repository/app.py"),  # a longer name, not inside
    (r"D:\elsewhere\app.py", "D:/elsewhere/app.py"),
    ("\\\\server\\share\\app.py", "//server/share/app.py"),
])
def test_windows_paths_are_shown_with_forward_slashes_relative_to_the_root(given: str, shown: str) -> None:
    assert display_path(given, ROOT, ntpath) == shown


def test_shown_and_relative_paths_on_windows() -> None:
    assert shown_path(r"C:\Users\ada\repo\.byok-ci.yaml", r"c:\users\ada\repo", ntpath) == ".byok-ci.yaml"
    assert shown_path(ROOT, ROOT, ntpath) == "C:/Users/ada/repo"
    assert relative_to_root(r"C:\Users\ada\repo\build\out.txt", ROOT, ntpath) == "build/out.txt"
    assert relative_to_root("<stdin>", ROOT, ntpath) == "<stdin>"


def test_case_is_folded_where_the_os_folds_it() -> None:
    assert _inside(r"C:\SRC\App", r"c:\src", ntpath)
    # posixpath (Linux, and macOS: a volume can be case-sensitive) compares exactly.
    assert not _inside("/Src/app", "/src", posixpath)
    assert _inside("/src/app", "/src", posixpath)


def test_names_are_reported_composed_whatever_the_os_lists() -> None:
    composed, decomposed = "caf\u00e9.env", unicodedata.normalize("NFD", "caf\u00e9.env")
    assert decomposed != composed
    assert report_form(decomposed) == composed
    assert display_path(f"/r/{decomposed}", "/r", posixpath) == composed
    assert display_path(f"C:\\r\\{decomposed}", "C:\\r", ntpath) == composed


def test_a_macos_decomposed_name_reports_as_gits_composed_one(tmp_path: Path, rng: random.Random) -> None:
    # macOS lists `café.env` decomposed; git (core.precomposeunicode) names it composed: the
    # two scans must give the same path, or a baseline bound to one re-reports the other.
    key = key_for(RULES, "openai.project-key", rng)
    decomposed = unicodedata.normalize("NFD", "caf\u00e9.env")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / decomposed).write_text(f"OPENAI_API_KEY={key}\n")
    repo = GitRepo(tmp_path / "repo")
    repo.write("caf\u00e9.env", f"OPENAI_API_KEY={key}\n")
    repo.git("add", "-A")
    on_disk = scan_paths([tmp_path / "tree"], rules=RULES, root=tmp_path / "tree")
    staged = _json(repo.path, ["scan", "--staged", "--format", "json"])
    assert [f.path for f in on_disk.findings] == [f["path"] for f in staged["findings"]] == ["caf\u00e9.env"]


def test_two_files_whose_names_differ_only_in_normalisation_stay_two(tmp_path: Path, rng: random.Random) -> None:
    """Linux (and NTFS) hold `café.env` composed and decomposed as two files. Both were
    reported as the composed name: the same key in both was reported once (one file hidden
    from the report), and different keys pointed at one file. Each is now reported by its
    own name, as git gives it, in a directory scan and in history."""
    key = key_for(RULES, "openai.project-key", rng)
    composed, decomposed = "caf\u00e9.env", unicodedata.normalize("NFD", "caf\u00e9.env")
    repo = GitRepo(tmp_path / "repo")
    repo.write(composed, f"OPENAI_API_KEY={key}\n")
    repo.write(decomposed, f"OPENAI_API_KEY={key}\n")
    if len(os.listdir(repo.path)) != 3:
        pytest.skip("this file system finds one file by both names (macOS)")
    repo.commit("two names")
    on_disk = scan_paths([repo.path], rules=RULES, root=repo.path)
    history = _json(repo.path, ["scan", "--history", "--format", "json"])
    assert sorted(f.path for f in on_disk.findings) == sorted(f["path"] for f in history["findings"]) == sorted(
        [composed, decomposed])


@pytest.mark.parametrize("sep", ["/", "\\"])
def test_excludes_match_case_sensitively_and_take_the_os_separator(sep: str) -> None:
    assert is_excluded("build/gen/app.js", ["build/gen/*"], sep)
    assert is_excluded("build/gen/app.js", ["build/"], sep)
    # The same files on every OS: `Secrets/` does not exclude `secrets/x`, even on NTFS.
    assert not is_excluded("secrets/x.env", ["Secrets/"], sep)
    assert is_excluded("build/gen/app.js", ["build\\gen\\*"], sep) == (sep == "\\")
    assert is_excluded("a/build/gen/app.js", ["**\\build\\"], "\\")


def test_an_exclude_holds_the_same_on_a_case_insensitive_file_system(tmp_path: Path, rng: random.Random) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "x.env").write_text(f"OPENAI_API_KEY={key_for(RULES, 'openai.project-key', rng)}\n")
    (tmp_path / ".byok-ci.yaml").write_text("exclude: ['Secrets/']\n")
    found = _json(tmp_path, ["scan", "--format", "json", "."], code=1)
    assert [f["path"] for f in found["findings"]] == ["secrets/x.env"]
    # On macOS and Windows the walk lists the name as stored: the same answer.
    if case_insensitive(tmp_path):
        assert (tmp_path / "SECRETS" / "x.env").exists()


def test_baseline_paths_are_the_same_on_windows() -> None:
    assert relative_path("src/app.py", Path(ROOT), Path(ROOT), ntpath) == "src/app.py"
    assert relative_path("src/app.py", Path(ROOT), Path(ROOT + r"\src"), ntpath) == "app.py"
    assert relative_path("src/app.py", Path(ROOT), Path(r"c:\USERS\ada\repo"), ntpath) == "src/app.py"
    assert relative_path("src/app.py", Path(ROOT), Path(r"D:\baselines"), ntpath) == "C:/Users/ada/repo/src/app.py"
    assert relative_path("dist/a.whl!pkg/s.py", Path(ROOT), Path(ROOT), ntpath) == "dist/a.whl!pkg/s.py"


def test_shards_and_fingerprints_do_not_depend_on_the_separator() -> None:
    files = {("src", "app.py"): 300, ("src", "lib", "util.py"): 200, ("README.md",): 100, ("z.env",): 100}
    windows = {display_path(ntpath.join(ROOT, *parts), ROOT, ntpath): size for parts, size in files.items()}
    linux = {display_path(posixpath.join("/home/ada/repo", *parts), "/home/ada/repo", posixpath): size
             for parts, size in files.items()}
    assert windows == linux
    assert assign(windows.items(), 3) == assign(linux.items(), 3)
    assert fingerprint("a-secret") == fingerprint("a-secret")  # the key alone: no path in it


def test_paths_differing_only_in_case_in_history_are_both_reported(tmp_path: Path, rng: random.Random) -> None:
    # A case-insensitive checkout holds one of them; history holds both, and both are scanned.
    repo = GitRepo(tmp_path / "repo")
    blobs = []
    for name in ("Config.py", "config.py"):
        key = key_for(RULES, "openai.project-key", rng)
        (tmp_path / "content").write_text(f'KEY = "{key}"\n')
        blobs.append((name, repo.git("hash-object", "-w", str(tmp_path / "content"))))
    for name, blob in blobs:  # through the index, as a case-insensitive checkout cannot
        repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}")
    repo.git("commit", "-q", "-m", "both")
    found = _json(repo.path, ["scan", "--history", "--format", "json"])
    assert sorted(f["path"] for f in found["findings"]) == ["Config.py", "config.py"]



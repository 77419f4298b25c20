"""Long paths: Windows' MAX_PATH (260 characters), Linux's PATH_MAX (4096 bytes) and
NAME_MAX (255 bytes), long names inside archives and in git history (issue 21 §5).

What can be read is scanned and reported by its full path; a directory deeper than the OS
lets a path name is reported as an error naming it, and the run is incomplete (exit 2),
never "no leaks found" for what could not be listed.
"""

from __future__ import annotations

import io
import json
import os
import random
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.rules import load_rules
from byok_ci.scan import scan_paths
from tests.conftest import key_for
from tests.gitrepo import GitRepo

RULES = load_rules()
PATH_MAX = 4096


def _key(rng: random.Random) -> str:
    return f"OPENAI_API_KEY={key_for(RULES, 'openai.project-key', rng)}\n"


def deeper_than_path_max(top: Path, text: str) -> tuple[str, int]:
    """Directories of 200-character names nested under ``top`` until the path is longer than
    PATH_MAX, made one step at a time through directory descriptors (no path that long can
    be given to mkdir), and ``k.env`` holding ``text`` at the bottom. Returns the relative
    path of the deepest directory a path can still name, and the depth."""
    name = "d" * 200
    fd = os.open(top, os.O_RDONLY)
    length, depth, reachable = len(os.fsencode(str(top))), 0, ""
    try:
        while length <= PATH_MAX + 200:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            length += len(name) + 1
            depth += 1
            if length < PATH_MAX:
                reachable = f"{reachable}/{name}" if reachable else name
        out = os.open("k.env", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, text.encode())
        os.close(out)
    finally:
        os.close(fd)
    return reachable, depth


@pytest.mark.skipif(os.name != "posix", reason="PATH_MAX and directory descriptors are POSIX")
def test_a_tree_deeper_than_path_max_is_reported_never_passed_as_clean(tmp_path: Path, rng: random.Random) -> None:
    (tmp_path / "shallow.env").write_text(_key(rng))
    reachable, depth = deeper_than_path_max(tmp_path, _key(rng))
    assert depth * 201 > PATH_MAX
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["scan", "--format", "json", "."], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output  # the shallow key: the rest is still scanned
    report = json.loads(result.stdout)
    assert [f["path"] for f in report["findings"]] == ["shallow.env"]
    # The directory that could not be listed is named, one error, one line.
    [error] = report["errors"]
    assert error["path"].startswith(reachable + "/") and "\n" not in error["message"]
    assert "file name too long" in error["message"]
    # Without the shallow key: incomplete (2), not clean.
    (tmp_path / "shallow.env").unlink()
    assert scan_paths([tmp_path], rules=RULES, root=tmp_path).errors
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["scan", "."], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 2 and "incomplete" in result.output


def _windows_long_paths() -> bool:
    """Whether Windows lets this process use paths over MAX_PATH (the LongPathsEnabled policy)."""
    import winreg  # type: ignore[import-not-found,unused-ignore]

    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem") as key:
            return bool(winreg.QueryValueEx(key, "LongPathsEnabled")[0])
    except OSError:
        return False


@pytest.mark.skipif(os.name == "nt" and not _windows_long_paths(),
                    reason="Windows' LongPathsEnabled is off: paths over 260 characters cannot be made here")
def test_names_at_name_max_and_paths_past_max_path_are_scanned(tmp_path: Path, rng: random.Random) -> None:
    ascii_name = "n" * 251 + ".env"  # 255 bytes
    utf8_name = "\u00e9" * 125 + ".env"  # 254 bytes, 129 characters
    deep = tmp_path.joinpath(*["p" * 100] * 3)  # over 260 characters below tmp_path alone
    deep.mkdir(parents=True)
    for directory, name in ((tmp_path, ascii_name), (tmp_path, utf8_name), (deep, "k.env")):
        (directory / name).write_text(_key(rng))
    report = scan_paths([tmp_path], rules=RULES, root=tmp_path)
    assert report.errors == ()
    assert sorted(f.path for f in report.findings) == sorted(
        [ascii_name, utf8_name, "/".join(["p" * 100] * 3) + "/k.env"])


def test_archive_members_with_thousand_character_names_are_reported_whole(tmp_path: Path, rng: random.Random) -> None:
    member = "/".join(["m" * 99] * 10) + "/settings.env"  # over 1000 characters
    data = _key(rng).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(member, data)
    (tmp_path / "a.zip").write_bytes(out.getvalue())
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (tmp_path / "a.tar").write_bytes(out.getvalue())
    report = scan_paths([tmp_path], rules=RULES, root=tmp_path)
    assert report.errors == ()
    assert sorted(f.path for f in report.findings) == [f"a.tar!{member}", f"a.zip!{member}"]


def test_history_paths_longer_than_path_max_are_scanned(tmp_path: Path, rng: random.Random) -> None:
    # A checkout could not even write this path; history holds it all the same.
    repo = GitRepo(tmp_path / "repo")
    (tmp_path / "content").write_text(_key(rng))
    blob = repo.git("hash-object", "-w", str(tmp_path / "content"))
    long_path = "/".join(["h" * 250] * 20) + "/k.env"
    assert len(long_path) > PATH_MAX
    repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{long_path}")
    repo.git("commit", "-q", "-m", "deep")
    old = os.getcwd()
    os.chdir(repo.path)
    try:
        result = CliRunner().invoke(main, ["scan", "--history", "--format", "json"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 1, result.output
    assert [f["path"] for f in json.loads(result.stdout)["findings"]] == [long_path]

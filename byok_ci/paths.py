"""The report root: the one directory every path in a report is relative to.

Inside a git work tree it is the work tree's root, wherever the command runs from, so
`cd src && byok-ci scan .` reports ``src/app.py``: the path GitHub code scanning, baselines
and annotations need, the same in every format. Outside git it is the current directory
when everything scanned lies inside it (as before), else the directory scanned, so
``byok-ci scan ../other`` reports ``app.py`` rather than an absolute path. A path outside
the report root stays absolute.

Paths are compared lexically (``os.path.abspath``, never ``resolve``), the way
:func:`display_path` shows them, and case-insensitively where the OS's paths are (Windows:
``os.path.normcase``). Every path a report shows goes through :func:`report_form`: ``/``
separators on every OS and Unicode NFC (macOS lists names decomposed, git composes them), so
reports, baselines, fingerprints and shard assignments are the same on Windows, macOS and
Linux. The functions take the path flavour (``os.path``, or ``ntpath`` in the tests that
stand in for Windows) as a parameter; docs/platforms.md says what is tested how.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

STDIN = "-"


def work_tree_root(start: str | Path) -> Path | None:
    """The git work tree ``start`` (a directory) lies in: the nearest parent holding ``.git``."""
    directory = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return Path(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _place(path: str | Path, cwd: str) -> str:
    """The directory a scanned path stands for: itself, or a file's directory."""
    if str(path) == STDIN:
        return cwd
    absolute = os.path.abspath(os.path.join(cwd, path))
    return absolute if os.path.isdir(absolute) else os.path.dirname(absolute)


def report_form(path: str, flavour: ModuleType = os.path) -> str:
    """``path`` as reports write it: ``/`` for the OS's separator, and Unicode NFC, so a
    name macOS lists decomposed (``cafe\u0301.env``) reads as git and Linux give it."""
    if flavour.sep != "/":
        path = path.replace(flavour.sep, "/")
    return path if path.isascii() else unicodedata.normalize("NFC", path)


def _inside(path: str, directory: str, flavour: ModuleType = os.path) -> bool:
    path, directory = flavour.normcase(path), flavour.normcase(directory)
    return path == directory or path.startswith(directory.rstrip(flavour.sep) + flavour.sep)


def display_path(path: str, root: str | Path, flavour: ModuleType = os.path) -> str:
    """``path`` as reports show it: relative to ``root`` when inside it (the root itself by
    its name), else absolute; in :func:`report_form`. ``root`` is absolute."""
    return shown_absolute(flavour.abspath(path), root, flavour)


def shown_absolute(absolute: str, root: str | Path, flavour: ModuleType = os.path) -> str:
    """:func:`display_path` of a path already absolute and normal (a walk's names joined to
    its directory's absolute path: ``abspath`` is most of the walk's own time)."""
    folded, folded_base = flavour.normcase(absolute), flavour.normcase(str(root))
    if folded == folded_base:
        return report_form(flavour.basename(absolute) or ".", flavour)
    composed = flavour is os.path and _composed_names_another_file(absolute)
    prefix = folded_base.rstrip(flavour.sep) + flavour.sep  # once per file of a walk: no _inside
    if folded.startswith(prefix):
        absolute = absolute[len(prefix):]
    if composed:
        return absolute.replace(flavour.sep, "/") if flavour.sep != "/" else absolute
    return report_form(absolute, flavour)


def _composed_names_another_file(absolute: str) -> bool:
    """Whether the NFC form of a decomposed name is a different file (Linux and Windows keep
    both): then the name is shown as listed, or both files would read as one in reports, and
    a key in both would be reported once (macOS finds the same file by either form)."""
    if absolute.isascii():
        return False
    composed = unicodedata.normalize("NFC", absolute)
    if composed == absolute:
        return False
    try:
        listed, other = os.lstat(absolute), os.lstat(composed)
    except OSError:
        return False
    return (listed.st_ino, listed.st_dev) != (other.st_ino, other.st_dev)


def report_root(paths: Iterable[str | Path] = (), cwd: str | Path | None = None) -> Path:
    """The report root for a command given ``paths`` (none, or ``-``: the current directory)."""
    here = os.path.abspath(cwd if cwd is not None else os.getcwd())
    places = [_place(p, here) for p in paths] or [here]
    trees = {work_tree_root(place) for place in places}
    if len(trees) == 1:
        tree = trees.pop()
        if tree is not None:
            return tree
        if all(_inside(place, here) for place in places):
            return Path(here)
        common = os.path.commonpath(places)
        if os.path.dirname(common) != common:  # never the filesystem root
            return Path(common)
        return Path(here)
    # Paths spread over several work trees (or in and out of git): the one this runs in.
    return work_tree_root(here) or Path(here)


def shown_path(path: str | Path, root: str | Path, flavour: ModuleType = os.path) -> str:
    """``path`` as reports show it: relative to ``root`` when inside it, else absolute (the
    root itself too); in :func:`report_form`."""
    absolute = flavour.abspath(path)
    base = flavour.abspath(root)
    if flavour.normcase(absolute) == flavour.normcase(base):
        return report_form(absolute, flavour)
    return display_path(absolute, base, flavour)


def relative_to_root(shown: str, root: str | Path, flavour: ModuleType = os.path) -> str:
    """An absolute ``shown`` path inside ``root`` made relative to it; anything else unchanged
    (``git``, ``<stdin>``, environment variable names, paths already relative)."""
    if not flavour.isabs(shown):
        return shown
    return shown_path(shown, root, flavour)


def user_cache_dir() -> Path:
    """Where byok-ci keeps what it can rebuild (the rule set, Hyperscan's database):
    ``$BYOK_CI_CACHE_DIR``, else ``$XDG_CACHE_HOME/byok-ci`` or ``~/.cache/byok-ci``."""
    if os.environ.get("BYOK_CI_CACHE_DIR"):
        return Path(os.environ["BYOK_CI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "byok-ci"


# Set by CI systems (GitHub Actions, GitLab, Buildkite, CircleCI, Jenkins, Azure Pipelines).
_CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD")


def caches_in_use() -> bool:
    """Whether byok-ci reads and writes its caches (the rule set, Hyperscan's database).

    Not on a CI machine unless ``BYOK_CI_CACHE_DIR`` names the directory: a CI job's home
    is often restored from a cache store that other jobs (a pull request's) can write to,
    and an entry planted there could take rules away or hand Hyperscan a database that
    never matches, so every scan would pass. A one-off CI run loses a few tens of
    milliseconds; the pre-commit hook on a developer's machine keeps the saving.
    """
    if os.environ.get("BYOK_CI_CACHE_DIR"):
        return True
    return not any(os.environ.get(name, "").strip().lower() not in ("", "0", "false") for name in _CI_VARIABLES)


def write_cache_file(path: Path, data: bytes) -> bool:
    """``data`` as the cache file ``path``, whole or not at all: a file of this writer's own
    (pid and random, created exclusively) renamed into place, so scans sharing the directory
    never read half a file. Mode 0644 at most: :func:`read_cache_file` trusts no file others
    may write, and one the default 0666 left group-writable (umask 002) was never read back. Whether
    it was written; a read-only home only costs the work the file would have saved."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(6).hex()}.tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


def read_cache_file(path: Path) -> bytes | None:
    """The bytes of a cache file only this user can have written, else None: a file that is
    a symlink, owned by another user, or writable by group or others is not trusted."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o022):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)

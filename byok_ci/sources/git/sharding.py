"""A history shard's paths (:mod:`byok_ci.shard`), and how git is spared the others' diffs.

The paths are weighed by every version history holds of them (`git log --raw`: tree diffs
only, a small fraction of the patches' cost), so shards are balanced by the bytes git and
detection will read. Each shard's commits are still walked whole; what it saves is git's
work on the other shards' files: a temporary attributes file marks them ``-diff``, so git
reports them as "Binary files differ" without reading or diffing their versions (measured
in bench/README.md; a pathspec per path costs git more than it saves). The chunker drops
those patches unseen (:attr:`~byok_ci.sources.git.chunker.Chunker.owns`), so the result
does not depend on the attributes file: a path left out of it only costs time.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from byok_ci.errors import GitError
from byok_ci.shard import Shard
from byok_ci.sources.git.patch import display
from byok_ci.sources.git.process import blob_sizes, first_error_line, run

# Paths git's attribute patterns cannot name exactly are left to be diffed (correct, slower).
_UNSAFE = re.compile(r"[\s\"\\]|[^\x20-\x7e]")
_GLOB = re.compile(r"([*?\[\]])")


def history_sizes(cwd: str | None, all_objects: bool, pathspecs: Sequence[str] = ()) -> dict[str, int]:
    """Every path history adds a version of, with the bytes of all those versions."""
    selection = ["--all"]
    if all_objects:
        from byok_ci.sources.git.commits import every_commit

        selection = ["--no-walk=unsorted", "--stdin"]
        stdin: bytes | None = b"".join(sha + b"\n" for sha in every_commit(cwd))
    else:
        stdin = None
    done = run(["log", *selection, "--format=", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-filter=d",
                "--root", "--", *pathspecs], cwd=cwd, input=stdin)
    if done.returncode != 0:
        raise GitError(first_error_line(done.stderr))
    versions: dict[str, set[str]] = {}
    fields = done.stdout.split(b"\0")
    for meta, path in zip(fields[0::2], fields[1::2]):
        parts = meta.split()
        if len(parts) >= 4 and parts[0].startswith(b":"):
            versions.setdefault(display(path), set()).add(parts[3].decode("ascii", "replace"))
    sizes = blob_sizes(sorted({blob for blobs in versions.values() for blob in blobs}), cwd)
    return {path: sum(sizes.get(blob, 0) for blob in blobs) for path, blobs in versions.items()}


def history_id(cwd: str | None) -> str:
    """What a history scan reads, as an id every shard computes alike: HEAD and every ref."""
    refs = run(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=cwd)
    head = run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=cwd)
    if refs.returncode != 0:
        raise GitError(first_error_line(refs.stderr))
    commit = head.stdout.decode("ascii").strip() if head.returncode == 0 else "no-head"
    return f"git:{commit}+refs:{hashlib.sha256(refs.stdout).hexdigest()[:16]}"


@contextmanager
def sparing_others(shard: Shard, sizes: dict[str, int], cwd: str | None = None) -> Iterator[tuple[Callable[[str], bool], list[str]]]:
    """Whether a path is ``shard``'s, and the `git -c` options that spare git the others' diffs
    (an attributes file, removed afterwards)."""
    owns = shard.owner(sizes.items())
    others = [path for path in sizes if not owns(path) and not _UNSAFE.search(path)]
    if not others:
        yield owns, []
        return
    handle, name = tempfile.mkstemp(prefix="byok-ci-shard-", suffix=".attributes")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            for path in sorted(others):
                stream.write("/" + _GLOB.sub(r"\\\1", path) + " -diff\n")
            # The user's own attributes come last, so every -diff they set still holds.
            own = _user_attributes(cwd)
            if own:
                stream.write("\n" + own + "\n")
        yield owns, ["-c", f"core.attributesFile={name}"]
    finally:
        os.unlink(name)


def _user_attributes(cwd: str | None) -> str:
    """The user's global attributes file (core.attributesFile, else git's XDG default), which
    the shard's file takes the place of."""
    done = run(["config", "--path", "core.attributesFile"], cwd=cwd)
    path = done.stdout.decode("utf-8", "replace").strip()
    if not path:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        path = os.path.join(base, "git", "attributes")
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return ""

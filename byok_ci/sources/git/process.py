"""Run git with settings that make its output parseable whatever the user's config says."""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from byok_ci.errors import GitError

# Options every diff-producing command gets, so user config cannot change the output's
# shape: no colour, no external diff or textconv (their output is not the file), no a/ b/
# prefixes, full blob ids, paths relative to the root, submodules as "Subproject commit"
# lines, and git's default (fastest) diff algorithm.
DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-prefix", "--full-index", "--no-relative",
                "--submodule=short", "--diff-algorithm=myers", "-U0")
# Config that would change the output shape or run user programs. What git writes of a
# commit (its header lines, its message) is re-encoded into i18n.logOutputEncoding: in
# UTF-16 no commit of a log could be parsed, and every one read as clean.
_CONFIG = ("-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c", "log.showSignature=false",
           "-c", "core.fsmonitor=false", "-c", "i18n.logOutputEncoding=UTF-8")


def git_executable() -> str:
    found = _which_git()
    if found is None:
        raise GitError("git is not installed or not on PATH; install git to scan staged changes or history")
    return found


def _which_git() -> str | None:
    """``shutil.which("git")``; on POSIX without importing shutil (and bz2, lzma and zlib with
    it: ~7 M instructions, a seventh of what a staged scan imports; issue 16 §1)."""
    if os.name != "posix":
        import shutil  # PATHEXT, the current directory first: Windows' rules

        return shutil.which("git")
    path = os.environ.get("PATH")
    if path is None:
        try:
            path = os.confstr("CS_PATH")
        except (AttributeError, ValueError):
            path = os.defpath
    if not path:
        return None  # PATH="" finds nothing (PATH=":" is the current directory)
    for folder in path.split(os.pathsep):
        name = os.path.join(folder, "git")
        if os.access(name, os.X_OK) and not os.path.isdir(name):
            return name
    return None


# A graft file that cannot exist: git then reads no grafts (an empty GIT_GRAFT_FILE would
# be the repository's own info/grafts again).
NO_GRAFTS = os.path.join(os.devnull, "byok-ci-no-grafts")


def environment() -> dict[str, str]:
    """The environment of every git process byok-ci runs.

    ``git replace`` refs and grafts (``info/grafts``) make git show other commits in place
    of the stored ones, so a commit that added a key could be swapped for a clean one: they
    are ignored, and byok-ci reads the objects as stored. ``GIT_LITERAL_PATHSPECS`` would have
    git read every pathspec's magic as part of a name, so a history shard's pathspecs would
    match nothing and its paths go unscanned: it is dropped (pathspecs are git's own, magic
    included, as without it).
    """
    env = dict(os.environ)
    env.update({"GIT_PAGER": "cat", "PAGER": "cat", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
                "GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": NO_GRAFTS})
    env.pop("GIT_EXTERNAL_DIFF", None)
    env.pop("GIT_REPLACE_REF_BASE", None)
    env.pop("GIT_LITERAL_PATHSPECS", None)
    return env


# git diffs a blob larger than core.bigFileThreshold (default 512 MiB, and a repository may
# set less) as "Binary files differ" without looking at it. Diffs run with the threshold
# above both that default and the maximum file size, so every blob byok-ci may read is
# diffed as text; a blob git still calls binary for its size is reported, not skipped.
DEFAULT_BIG_FILE_THRESHOLD = 512 * 1024 * 1024


def big_file_threshold(max_file_size: int) -> int:
    return max(DEFAULT_BIG_FILE_THRESHOLD, max_file_size + 1)


def diff_config(max_file_size: int) -> list[str]:
    """`git -c` options for commands that diff: see :data:`DEFAULT_BIG_FILE_THRESHOLD`."""
    return ["-c", f"core.bigFileThreshold={big_file_threshold(max_file_size)}"]


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # git stopped early; its exit status tells why


def command(args: Sequence[str]) -> list[str]:
    """A git command line with the settings every git byok-ci runs gets (for a process the
    caller talks to itself; run it with :func:`environment`)."""
    return [git_executable(), *_CONFIG, *args]


def run(args: Sequence[str], cwd: str | None = None, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([git_executable(), *_CONFIG, *args], cwd=cwd, capture_output=True, env=environment(),
                          input=input)


def _widen(pipe: IO[bytes], size: int) -> None:
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, size)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass  # not Linux, or above /proc/sys/fs/pipe-max-size: the default pipe still works


def first_error_line(stderr: bytes) -> str:
    for raw in stderr.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    lines = [x.strip() for x in stderr.decode("utf-8", "replace").splitlines() if x.strip()]
    return lines[-1] if lines else "git failed"


@contextmanager
def stream(args: Sequence[str], cwd: str | None = None, input: bytes | None = None,
           pipe_size: int = 0) -> Iterator[IO[bytes]]:
    """A git command's standard output as it produces it (iterate it for lines).

    Standard error is collected on a thread (so a chatty git cannot block on a full pipe);
    a non-zero exit raises :class:`GitError` with git's own first error line. ``input`` is
    written to git's standard input from another thread. ``pipe_size`` asks for a larger
    output pipe where the system allows it (Linux), so git keeps working while the reader
    is busy.
    """
    proc = subprocess.Popen(
        [git_executable(), *_CONFIG, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL if input is None else subprocess.PIPE, env=environment(), bufsize=1 << 16,
    )
    assert proc.stdout is not None and proc.stderr is not None
    if pipe_size:
        _widen(proc.stdout, pipe_size)
    if input is not None:
        threading.Thread(target=_feed, args=(proc, input), daemon=True).start()
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    finished = False
    try:
        yield proc.stdout
        finished = True
    finally:
        if not finished:
            proc.kill()
        proc.stdout.close()
        code = proc.wait()
        reader.join()
        proc.stderr.close()
    if code != 0:
        raise GitError(first_error_line(b"".join(errors)))


def blocks(out: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """What git has written so far, up to ``size`` bytes at a time (one read each): the
    parser takes output cut anywhere, and a large read costs far less than a line."""
    while True:
        block = out.read1(size)  # type: ignore[attr-defined]
        if not block:
            return
        yield block


# git writes a few KiB at a time; a reader that takes each few KiB takes the GIL from the
# caller hundreds of times a second. After a short read it waits for the pipe to fill
# more, for at most what git (at most ~50 MB/s of patches) needs to fill a quarter of it.
_FILL_RATE = 50_000_000  # bytes a second
MAX_PAUSE = 0.005


def pipe_capacity(pipe: IO[bytes]) -> int:
    try:
        import fcntl

        return int(fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ))  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError, ValueError):
        return 1 << 16  # the usual default


def drained(out: IO[bytes], size: int = 1 << 20, limit: int = 16 << 20,
            on_end: Callable[[], None] | None = None) -> Iterator[bytes]:
    """What git has written so far, read from now on by a thread of its own that holds up
    to ``limit`` bytes: git then never waits on a full pipe while the caller is busy or
    not reading yet (the thread takes the GIL only to hand a block over), and each block
    handed on is everything read since the last one, so the caller works on large blocks.
    ``on_end`` is called (on that thread) once git has written everything, before the
    caller is told the output ended: git's core is free while the caller works on."""
    held: list[bytes] = []
    state = {"bytes": 0, "done": False, "stopped": False}
    failure: list[BaseException] = []
    ready = threading.Condition()
    capacity = min(size, pipe_capacity(out))
    short, pause = capacity // 4, min(MAX_PAUSE, capacity / 4 / _FILL_RATE)

    def read() -> None:
        try:
            while True:
                block = out.read1(size)  # type: ignore[attr-defined]
                if not block and on_end is not None:
                    on_end()
                with ready:
                    held.append(block)
                    state["bytes"] += len(block)
                    state["done"] = not block
                    ready.notify()
                    while state["bytes"] >= limit and not state["stopped"]:
                        ready.wait()
                    if not block or state["stopped"]:
                        return
                if len(block) < short:
                    time.sleep(pause)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            with ready:
                failure.append(exc)
                state["done"] = True
                ready.notify()

    threading.Thread(target=read, daemon=True).start()

    def handed() -> Iterator[bytes]:
        try:
            while True:
                with ready:
                    while not held and not state["done"]:
                        ready.wait()
                    taken = b"".join(held)
                    held.clear()
                    state["bytes"] = 0
                    ready.notify()
                    if not taken and state["done"]:
                        if failure:
                            raise failure[0]
                        return
                if taken:
                    yield taken
        finally:
            with ready:
                state["stopped"] = True
                ready.notify()

    return handed()


def check_work_tree(cwd: str | None = None) -> None:
    """Raise GitError unless ``cwd`` is inside a work tree (outside one, `git diff --cached`
    silently turns into a `--no-index` diff)."""
    where = os.path.abspath(cwd or os.getcwd())
    done = run(["rev-parse", "--is-inside-work-tree"], cwd=where)
    if done.returncode != 0:
        reason = first_error_line(done.stderr)
        if "not a git repository" in reason:
            raise GitError(f"not a git repository: {where} (nor any parent directory); run byok-ci inside a repository")
        raise GitError(reason)
    if done.stdout.strip() != b"true":
        raise GitError(f"{where} is not inside a work tree (a bare repository has no index to scan)")


def blob_sizes(ids: Sequence[str], cwd: str | None = None) -> dict[str, int]:
    """The size of each blob ``ids`` names (one `git cat-file --batch-check`); unknown ones left out."""
    return {oid.decode("ascii"): size for oid, size in blob_sizes_by_id([i.encode("ascii") for i in ids], cwd).items()}


def blob_sizes_by_id(ids: Sequence[bytes], cwd: str | None = None) -> dict[bytes, int]:
    """:func:`blob_sizes` of ids as git writes them (a history's 143,281 with no decode each)."""
    if not ids:
        return {}
    # --buffer: one write at the end, not one a blob (haystack's 143,281: 0.76 -> 0.53 CPU-s).
    done = run(["cat-file", "--buffer", "--batch-check=%(objectname) %(objecttype) %(objectsize)"], cwd=cwd,
               input=b"\n".join(ids) + b"\n")
    sizes = {}
    for line in done.stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == b"blob" and fields[2].isdigit():
            sizes[fields[0]] = int(fields[2])
    return sizes


def marked_binary(paths: Sequence[bytes], cwd: str | None = None) -> set[bytes]:
    """Which of ``paths`` .gitattributes gives a ``diff`` attribute other than set or
    unspecified (``-diff``, ``binary``, a diff driver): git may diff those as binary
    whatever they hold."""
    if not paths:
        return set()
    done = run(["check-attr", "-z", "--stdin", "diff"], cwd=cwd, input=b"".join(p + b"\0" for p in paths))
    fields = done.stdout.split(b"\0")
    return {fields[i] for i in range(0, len(fields) - 2, 3) if fields[i + 2] not in (b"set", b"unspecified")}


# git's own test for binary content (xdiff-interface.c buffer_is_binary): a NUL byte in
# the first 8000 bytes.
FIRST_FEW_BYTES = 8000


def looks_binary(data: bytes) -> bool:
    return b"\0" in data[:FIRST_FEW_BYTES]


def read_blobs(names: Sequence[bytes], max_size: int, cwd: str | None = None) -> list[bytes | int | None]:
    """Contents of objects named like ``HEAD:path`` from one `git cat-file --batch` process.

    For each name: the blob's bytes; its size if it is over ``max_size`` (read past, never
    held); None if git knows no such object (e.g. a path gone at HEAD) or it is not a blob.
    Names must not hold a newline: one request is one line.
    """
    results: list[bytes | int | None] = []
    for found in _objects(names, cwd):
        if found is None or found[0] != b"blob":
            results.append(None)  # "<name> missing" (or "ambiguous"), or no blob
        else:
            _, size, pieces = found
            results.append(b"".join(pieces) if size <= max_size else size)
    return results


def blob_lines(names: Sequence[bytes], max_size: int, cwd: str | None = None) -> list[tuple[int, int] | None]:
    """For each object named: its size and its number of lines, counted as git streams it
    (a piece at a time: no blob held whole, so memory stays flat whatever the blobs weigh);
    None if it is no blob, looks binary, or is over ``max_size`` (read past)."""
    results: list[tuple[int, int] | None] = []
    for found in _objects(names, cwd):
        if found is None or found[0] != b"blob" or found[1] > max_size:
            results.append(None)
            continue
        size, pieces = found[1], found[2]
        first = next(pieces, b"")
        if looks_binary(first):
            results.append(None)
            continue
        lines, last = first.count(b"\n"), first[-1:] or b"\n"
        for piece in pieces:
            lines, last = lines + piece.count(b"\n"), piece[-1:]
        results.append((size, lines + (last != b"\n")))
    return results


def _objects(names: Sequence[bytes], cwd: str | None) -> Iterator[tuple[bytes, int, Iterator[bytes]] | None]:
    """For each name, from one `git cat-file --batch`: the object's type, its size and its
    content in pieces of a MiB at most (what the caller leaves unread is read past); None
    where git knows no such object."""
    if not names:
        return
    with stream(["cat-file", "--batch"], cwd=cwd, input=b"".join(name + b"\n" for name in names)) as out:
        for _name in names:
            header = out.readline().split()
            if len(header) != 3 or not header[2].isdigit():
                yield None
                continue
            size = int(header[2])
            pieces = _pieces(out, size)
            yield header[1], size, pieces
            for _ in itertools.chain(pieces, _pieces(out, 1)):  # what was left unread, and the newline after it
                pass


def _pieces(out: IO[bytes], size: int) -> Iterator[bytes]:
    """The next ``size`` bytes of ``out``, a MiB at most at a time."""
    while size > 0:
        piece = out.read(min(size, 1 << 20))
        if not piece:
            raise GitError("git cat-file --batch ended early")
        size -= len(piece)
        yield piece

"""Keys whose context only the whole file gives, read after a diff-based scan's diffs.

The versions :class:`~byok_ci.sources.git.blobs.ContextReader` was handed, and
:func:`~byok_ci.sources.git.later.found_later`'s, are read once git's diffs are: in a
history scan that ran on one core while the other idled (a tenth to a fifth of a second
on openai-python, bench/README.md "Round 4b"). With many versions a forked process takes
part of the work; what it finds and the errors it meets are what this process would, in
the same order, and a process lost leaves its share to this one.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Sequence

from byok_ci.model import Finding, ScanError
from byok_ci.sources.git.blobs import ContextReader, Patched, Seen
from byok_ci.sources.git.chunker import AddedContext, Chunker, InContext
from byok_ci.sources.git.later import found_later

__all__ = ["found_in_context"]


def found_in_context(context: ContextReader, chunker: Chunker, known: list[Finding]) -> list[Finding]:
    """Keys on added lines whose context only the whole file gives, not in ``known``; what
    could not be read is an error of ``chunker``'s reading.

    This runs after git's diffs, on one core while the other idles (a tenth to a fifth of a
    second of a history scan's wall): with many versions to read, a forked process (which
    has the detector and the patches' lineage already, and starts a git of its own) runs
    :func:`found_later` at once, while this one settles which versions to read, then
    reads and detects the share of them this one hands it while this one does the rest."""
    taken = context.take_later()
    pending = list(context._versions)  # as the forked process has them: its share is told by position
    child = None
    tell: int | None = None  # where the forked process hears its share
    if len(taken[0]) // LATER_PER_VERSION + len(pending) >= SHARE_MIN_VERSIONS:
        import threading

        from byok_ci.pipeline.workers import Child, can_fork  # (not on a hook's path)

        # Only where no other thread runs (a library caller's might hold a lock the
        # forked process then waits for): else this process does it all, as before.
        if can_fork() and threading.active_count() == 1:
            hear, told = os.pipe()
            try:
                child = Child(lambda: _elsewhere(context, taken, pending, hear, told, known))
                tell = told
            except OSError:
                os.close(told)
            os.close(hear)
    theirs: list[int] = []
    try:
        wanted = context.wanted()
        firsts = context.firsts(wanted)
        if tell is not None:
            every = (SHARE_EVERY or _every(len(taken[0]), len(firsts))) if firsts else 0
            theirs = list(range(0, len(firsts), every)) if every else []
            at = {id(version): index for index, version in enumerate(pending)}
            positions = [at.get(id(firsts[i]), -1) for i in theirs]
            if -1 in positions:  # (not one the forked process has: it takes none)
                theirs, positions = [], []
            _told(tell, positions)
            tell = None
        if child is None:
            later, errors = found_later(context, *taken, known)  # first: detect() stops git
        mine = sorted(set(range(len(firsts))).difference(theirs))
        seen, mine_more = context.detect([firsts[i] for i in mine])
        more = _at(mine, mine_more)
        if child is not None:
            answer = child.result()
            if answer is None:  # the process was lost (killed): its work is done here
                answer = (found_later(context, *taken, known),
                          context.detect([firsts[i] for i in theirs]))
            (later, errors), (seen_there, more_there) = answer
            seen.update(seen_there)
            more = sorted([*more, *_at(theirs, more_there)],
                          key=lambda error: error[0] if error[0] >= 0 else len(firsts))
            failed = [error for error in more if error[0] < 0]
            if len(failed) > 1:  # git failed in both processes: one error says so, as from one
                more = [error for error in more if error[0] >= 0 or error is failed[0]]
    finally:
        if tell is not None:
            os.close(tell)
        if child is not None:
            child.stop()
    chunker.reading.errors.extend(errors + [error for _, error in more])
    return later + context.found(wanted, seen, known)


# Versions handed over for context, at the least (found_later's count LATER_PER_VERSION to
# one), before a forked process shares the work, and its share of the versions to read:
# every SHARE_EVERY-th, or (0) as many as balance found_later, which it runs meanwhile:
# found_later's versions cost about 1/LATER_PER_VERSION of one version read and detected
# (bench/README.md, "Round 6 — hist-small": ~4.6 on openai-python, ~22 on the generated history).
SHARE_MIN_VERSIONS = 48
SHARE_EVERY = 0
LATER_PER_VERSION = 6


def _every(later: int, versions: int) -> int:
    """Which versions the forked process takes (every n-th; 0: none) for the two processes
    to end together, with ``later`` versions for found_later and ``versions`` to read."""
    share = (1 - later / (LATER_PER_VERSION * versions)) / 2  # of the versions, to the forked process
    return max(2, round(1 / share)) if share * versions >= 1 else 0


def _told(tell: int, positions: list[int]) -> None:
    """Hand the forked process its share (positions in its list of versions) and close the pipe."""
    try:
        with open(tell, "wb", closefd=True) as sink:
            sink.write(array("I", positions).tobytes())
    except OSError:
        pass  # the process is gone: its result says so, and its share is done here


def _elsewhere(context: ContextReader, taken: tuple[list[AddedContext], list[Patched]], pending: list[InContext],
               hear: int, tell: int, known: list[Finding]
               ) -> tuple[tuple[list[Finding], list[ScanError]],
                          tuple[dict[Seen, list[Finding]], list[tuple[int, ScanError]]]]:
    """In a forked process: :func:`found_later` of ``taken``, then the versions of ``pending``
    the scan hands over (by position, on ``hear``) detected (git of its own)."""
    os.close(tell)
    context.forget_git()
    heard = _listen(hear)
    later = found_later(context, *taken, known)
    return later, context.detect([pending[i] for i in heard()])


def _listen(hear: int) -> Callable[[], array[int]]:
    """Read the share told on ``hear`` as it comes (a thread: a share larger than the pipe
    holds would otherwise keep the scan waiting until :func:`found_later` ends here); the
    function returned waits for the end and gives the positions."""
    import threading

    told: list[bytes] = []

    def read() -> None:
        with open(hear, "rb", closefd=True) as source:
            told.append(source.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def heard() -> array[int]:
        reader.join()
        data = told[0] if told else b""
        positions = array("I")
        positions.frombytes(data[:len(data) - len(data) % positions.itemsize])
        return positions
    return heard


def _at(indices: Sequence[int], errors: list[tuple[int, ScanError]]) -> list[tuple[int, ScanError]]:
    """Errors of :meth:`ContextReader.detect` over the versions at ``indices``, at those indices."""
    return [(indices[at] if at >= 0 else at, error) for at, error in errors]



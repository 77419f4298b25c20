"""Commits: the lines each commit adds, attributed to it.

`git rev-list --topo-order --reverse` lists the commits parents-first; parts of the list
each stream their patches from their own `git log -p -c -U0 --no-walk --stdin` process,
so computing diffs (most of the cost) uses every core. :meth:`CommitSource.positions` puts
what the parts found back in parents-first order. Only added lines are read: content a
commit leaves unchanged is never read again, however many commits carry it. Merge
commits come as combined diffs: a merge yields only lines none of its parents had (an
"evil merge"), never what its parents already added.

For the full history (``all_refs``) the list covers every ref and rename detection is off
(it is costly, and a moved key is then reported at its new path too); ``all_objects``
widens it to every commit in the object database, whatever refers to it. ``exclude``
names commits already scanned: they and their ancestors are left out (an incremental
history, :mod:`byok_ci.sources.git.state`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import IO

from byok_ci.errors import GitError
from byok_ci.model import Chunk
from byok_ci.sources import Reading
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.cost import part_starts
from byok_ci.sources.git.patch import LOG_FORMAT, Commit, parse
from byok_ci.sources.git.reach import every_object
from byok_ci.sources.git.process import DIFF_OPTIONS, blocks, diff_config, drained, first_error_line, run, stream
from byok_ci.sources.git.revisions import parents_first, reached_from
from byok_ci.sources.git.runs import run_count, taken

# Below this many commits per part, another git process costs more than it saves (when
# the number of parts is left to byok-ci; an explicit one is taken as given).
MIN_COMMITS_PER_PART = 400
MAX_PARTS = 4
# git's output pipe (Linux): room for what git writes while detection works on a batch,
# so git runs on instead of waiting for the reader (64 KiB is a few milliseconds of git).
PIPE_SIZE = 1 << 20
READ_SIZE = 1 << 20  # git's output is read this much at a time (whatever is there, up to this)
HERE = "git"  # the "path" of errors about the repository as a whole
# --full-history: under pathspecs git still lists a merged branch that added a key and removed it
LISTING = ("rev-list", "--topo-order", "--reverse", "--parents", "--full-history")


@dataclass
class CommitPart:
    """Commits whose patches one git process streams, newest first."""

    index: int
    shas: bytes  # newline-separated
    count: int
    options: list[str]
    pathspecs: Sequence[str]
    chunker: Chunker
    cwd: str | None
    on_commit: Callable[[], None] | None = None
    damaged: bool = False  # a commit git could not read was reported, not scanned
    # Commits whose parent git cannot read: no diff against it exists, so their whole tree
    # counts as added (which also shows what the unreadable parent added).
    orphans: frozenset[bytes] = frozenset()
    # Commits that change none of a history shard's paths (its listing says, sources.git.sharding):
    # only their headers are read, so git never walks their trees (bench/README.md, Round 8).
    quiet: frozenset[bytes] = frozenset()
    config: Sequence[str] = ()  # `git -c` options for the diffs (a history shard's, sources.git.sharding)
    only: Sequence[str] = ()  # pathspecs of the paths to diff (a history shard's, sources.git.sharding)
    _started: tuple[ExitStack, Iterator[bytes]] | None = field(default=None, repr=False)
    _on_written: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def reading(self) -> Reading:
        return self.chunker.reading

    def start(self) -> None:
        """Start git on this part's commits now: what it writes is held (up to a limit) until
        :meth:`chunks` reads it, so git works while the rest of the scan sets up."""
        remaining = self._remaining()
        if self._started is None and remaining:
            stack = ExitStack()
            out = stack.enter_context(self._log(remaining))
            self._started = (stack, drained(out, READ_SIZE, on_end=self._written))

    def when_written(self, then: Callable[[], None]) -> None:
        """Call ``then`` (on another thread) when git has written all of this part's patches."""
        self._on_written = then

    def _written(self) -> None:
        if self._on_written is not None:
            self._on_written()

    def close(self) -> None:
        """Stop a git :meth:`start` started and :meth:`chunks` never read."""
        if self._started is not None:
            stack, _ = self._started
            self._started = None
            stack.__exit__(GeneratorExit, GeneratorExit(), None)  # as if abandoned: git is killed

    def _remaining(self) -> list[bytes]:
        return [sha for sha in self.shas.split() if sha not in self.orphans and sha not in self.quiet]

    def _log(self, remaining: list[bytes]) -> AbstractContextManager[IO[bytes]]:
        # A shard's pathspecs narrow the diffs only: every commit is still shown, with every parent.
        narrow = ["--sparse", "--full-history"] if self.only else []
        args = [*diff_config(self.chunker.max_file_size), *self.config, "log", *self.options, *narrow,
                "--no-walk=unsorted", "--stdin", "--", *self.pathspecs, *self.only]
        return stream(args, cwd=self.cwd, input=b"\n".join(remaining) + b"\n", pipe_size=PIPE_SIZE)

    @contextmanager
    def _patches_of(self, remaining: list[bytes]) -> Iterator[Iterator[bytes]]:
        """git's output for ``remaining``: from the git :meth:`start` started, or a new one."""
        if self._started is not None:
            stack, held = self._started
            self._started = None
            with stack:
                yield held
            return
        with self._log(remaining) as out:
            yield drained(out, READ_SIZE, on_end=self._written)

    def chunks(self) -> Iterator[Chunk]:
        remaining = self._remaining()
        for sha in self.shas.split():
            if sha in self.orphans:
                yield from self._whole_tree(sha.decode("ascii"))
        unread = self._headers([sha for sha in self.shas.split() if sha in self.quiet])
        if unread:  # (not expected: the listing read them) scanned as any other
            self.close()
            remaining = [sha for sha in self.shas.split() if sha not in self.orphans and
                         (sha not in self.quiet or sha in unread)]
        while remaining:
            seen: list[str] = []

            def count(commit: Commit) -> None:
                seen.append(commit.sha)
                self._count(commit)

            try:
                with self._patches_of(remaining) as held:
                    for patch in parse(held, on_commit=count):
                        yield from self.chunker.chunks(patch)
                return
            except GitError as exc:
                if not seen or seen[-1].encode() not in remaining:
                    raise
                # A damaged object in one commit (git stops mid-diff): report that commit
                # and go on with the ones after it.
                failed = remaining.index(seen[-1].encode())
                self.damaged = True
                self.chunker.reading.error(
                    f"{HERE}@{seen[-1][:12]}",
                    f"git could not read this commit ({exc}); the repository may be damaged (run git fsck); "
                    "the other commits were scanned",
                )
                remaining = remaining[failed + 1:]

    def _headers(self, shas: list[bytes]) -> set[bytes]:
        """Count ``shas`` and note their authors from their headers alone, as `git log -p`
        shows a commit with no diff; those git could not read."""
        read: set[bytes] = set()

        def count(commit: Commit) -> None:
            read.add(commit.sha.encode("ascii"))
            self._count(commit)

        if shas:
            done = run(["log", "--no-walk=unsorted", "--stdin", "--no-patch", f"--format={LOG_FORMAT}"],
                       cwd=self.cwd, input=b"\n".join(shas) + b"\n")
            for _ in parse([done.stdout], on_commit=count):
                pass  # (no file patches: headers only)
        return set(shas) - read

    def _whole_tree(self, sha: str) -> Iterator[Chunk]:
        """The chunks of every file of commit ``sha``, as if it had added them all."""
        header = run(["log", "--no-walk", f"--format={LOG_FORMAT}", sha], cwd=self.cwd)
        empty = run(["hash-object", "-t", "tree", "--stdin"], cwd=self.cwd, input=b"")
        args = [*diff_config(self.chunker.max_file_size), *self.config, "diff-tree", "-r", "-p", *DIFF_OPTIONS, "--diff-filter=d",
                empty.stdout.decode("ascii").strip(), sha, "--", *self.pathspecs]
        try:
            if header.returncode != 0 or empty.returncode != 0:
                raise GitError(first_error_line(header.stderr + empty.stderr))
            with stream(args, cwd=self.cwd) as out:
                for patch in parse(itertools.chain([header.stdout], blocks(out, READ_SIZE)), on_commit=self._count):
                    yield from self.chunker.chunks(patch)
        except GitError as exc:
            self.damaged = True
            self.chunker.reading.error(
                f"{HERE}@{sha[:12]}", f"git could not read this commit ({exc}); the repository may be damaged "
                "(run git fsck); the other commits were scanned")

    def _count(self, commit: Commit) -> None:
        self.chunker.reading.note_author(commit.sha, commit.info)
        self.chunker.reading.count("commits")
        if self.on_commit is not None:
            self.on_commit()


@dataclass
class CommitSource:
    """What each commit selected by ``revisions`` (git rev-list arguments) adds.

    :meth:`parts` splits the work; :meth:`positions` orders what the parts found
    parents-first again.
    """

    revisions: Sequence[str] = ()
    pathspecs: Sequence[str] = ()
    all_refs: bool = False
    chunker: Chunker = field(default_factory=Chunker)
    cwd: str | None = None
    max_parts: int = 0  # git processes; 0: one per core, at most MAX_PARTS
    all_objects: bool = False  # with all_refs: every commit in the object database
    exclude: Sequence[bytes] = ()  # commits already scanned, with their ancestors
    config: Sequence[str] = ()  # `git -c` options for the diffs
    only: Sequence[str] = ()  # pathspecs of the paths to diff (not to list commits)
    # Each commit's predicted git cost, if known (a shard's): a commit it leaves out changes none of the paths.
    costs: dict[bytes, int] | None = None
    damaged: bool = False  # some commit could not be read (set once the parts have run)
    tags: list[bytes] = field(default_factory=list)  # with all_objects: every annotated tag object listed
    _listed: bytes = b""
    _orphans: frozenset[bytes] = frozenset()
    _parents: set[bytes] = field(default_factory=set)
    started: list[CommitPart] | None = None  # the parts :meth:`start` made
    processes: int = 1  # git processes at once (set by :meth:`parts`)

    def start(self) -> list[CommitPart]:
        """:meth:`parts`, with the git of each part taken first started (:meth:`CommitPart.start`)."""
        self.started = self.parts()
        for part in taken(self.started)[:self.processes]:
            part.start()
        return self.started

    def adopt(self, chunker: Chunker) -> None:
        """Read the started parts with ``chunker`` (and its forks), which takes over what
        listing the commits reported."""
        chunker.absorb(self.chunker)
        self.chunker = chunker
        for part in self.started or ():
            part.chunker = chunker if part.index == 0 else chunker.fork()

    def close(self) -> None:
        """Stop the git of every started part no one read."""
        for part in self.started or ():
            part.close()

    @property
    def reading(self) -> Reading:
        return self.chunker.reading

    def options(self) -> list[str]:
        # --irreversible-delete: a deleted file adds nothing, and diffing it costs as much as
        # adding it; git shows its header only. (Not --diff-filter=d: with a filter git hides
        # the commits left with no diff, so merges' and deletions' authors would go unscanned,
        # and a history shard, whose pathspecs leave most commits no diff, would miss them.)
        # --root: a root commit's files are all added, even if log.showRoot says otherwise.
        # -c, not --cc: --cc leaves out a file a merge joined cleanly from both parents (no
        # line neither had), which can join a key with its context (sources.git.later).
        return ["-p", "-c", "--root", *DIFF_OPTIONS, f"--format={LOG_FORMAT}", "--irreversible-delete",
                "--no-renames" if self.all_refs else "-M"]

    def commit_list(self) -> bytes:
        selection = ["--all"] if self.all_refs else list(self.revisions)
        listing = ["--stdin"] if self.all_objects or self.exclude else []
        wanted: list[bytes] = []
        if self.all_objects:  # (the tags' messages are read too: sources.git.messages)
            selection, (wanted, self.tags) = [], every_object(self.cwd)
        wanted += [b"^" + sha for sha in self.exclude]
        done = run([*LISTING, *selection, *listing, "--", *self.pathspecs], cwd=self.cwd,
                   input=b"".join(sha + b"\n" for sha in wanted) if listing else None)
        if done.returncode == 0:
            return self._note_parents(done.stdout)
        if self.all_refs:
            # A ref naming a missing object stops `--all` altogether: report those refs and
            # list the commits of the others.
            good = self._readable_refs()
            if good is not None:
                selection = [sha.decode("ascii") for sha in good]
                done = run([*LISTING, "--stdin", "--", *self.pathspecs], cwd=self.cwd,
                           input=b"".join(sha + b"\n" for sha in [*good, *(b"^" + sha for sha in self.exclude)]))
        if done.returncode != 0:
            around = self._list_around_damage(selection)
            if around is None:
                raise GitError(first_error_line(done.stderr))
            self.damaged = True
            return around
        return self._note_parents(done.stdout)

    def _note_parents(self, listed: bytes) -> bytes:
        """The shas of `rev-list --parents` output; their parents kept for :meth:`heads`."""
        shas = []
        for line in listed.splitlines():
            sha, *parents = line.split()
            shas.append(sha)
            self._parents.update(parents)
        return b"".join(sha + b"\n" for sha in shas)

    def heads(self, before: Sequence[bytes] = ()) -> list[bytes]:
        """Commits of which every commit scanned (now, or ``before``'s ancestors) is one or
        an ancestor: what an incremental history records (after :meth:`parts`)."""
        listed = self._listed.split()
        return sorted(set(before).union(listed) - self._parents)

    def _list_around_damage(self, selection: list[str]) -> bytes | None:
        """The commits to scan when `git rev-list` stops at a commit it cannot read, the
        unreadable ones reported; None when that is not the problem.

        rev-list gives up on the first damaged commit, costing every commit. Instead the
        readable commits and their parents are read one by one and walked here. What lies
        only behind a damaged commit cannot be told apart from commits no ref holds any
        more, so a history scan takes every readable commit; a range takes what it reaches.
        """
        expanded = run(["rev-parse", *selection], cwd=self.cwd)
        listed = run(["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)"], cwd=self.cwd)
        if expanded.returncode != 0 or listed.returncode != 0:
            return None
        readable = [line.split()[0] for line in listed.stdout.splitlines() if line.endswith(b" commit")]
        graph = run(["log", "--no-walk=unsorted", "--stdin", "--format=%H %P"], cwd=self.cwd,
                    input=b"".join(sha + b"\n" for sha in readable))
        if graph.returncode != 0:
            return None
        parents = {fields[0]: fields[1:] for fields in (line.split() for line in graph.stdout.splitlines()) if fields}
        tips: dict[bool, list[bytes]] = {True: [], False: []}
        for line in expanded.stdout.split():
            tips[not line.startswith(b"^")].append(line.lstrip(b"^"))
        wanted, damaged = reached_from(self._peel(tips[True]), parents)
        if not damaged:
            return None
        known, _ = reached_from(self._peel(tips[False]), parents)
        chosen = set(parents) - known if self.all_refs else wanted - known
        behind = ("the commits behind it were scanned too, with any commits no ref holds" if self.all_refs
                  else "commits only reachable through it were not scanned")
        for sha in sorted(damaged):
            self.chunker.reading.error(
                f"{HERE}@{sha[:12].decode()}",
                f"git cannot read this commit (the repository is damaged: run git fsck); what it added is "
                f"scanned with the whole tree of the commits after it; {behind}",
            )
        self._orphans = frozenset(sha for sha in chosen if damaged.intersection(parents[sha]))
        return b"".join(sha + b"\n" for sha in parents_first(chosen, parents))

    def _peel(self, shas: list[bytes]) -> list[bytes]:
        """The commits ``shas`` (tags among them) point to; what cannot be read is kept as is."""
        if not shas:
            return []
        done = run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], cwd=self.cwd,
                   input=b"".join(sha + b"^{commit}\n" for sha in shas))
        lines = done.stdout.splitlines()
        return [line.split()[0] if line.endswith(b" commit") else sha for sha, line in zip(shas, lines)]

    def _readable_refs(self) -> list[bytes] | None:
        """Objects of the refs that point at something readable (broken ones reported), or
        None when that is not the problem."""
        listed = run(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=self.cwd)
        refs = [line.split(b" ", 1) for line in listed.stdout.splitlines() if b" " in line]
        if listed.returncode != 0 or not refs:
            return None
        check = run(["cat-file", "--batch-check=%(objectname) %(objecttype)"], cwd=self.cwd,
                    input=b"".join(sha + b"\n" for sha, _ in refs))
        if check.returncode != 0:
            return None
        kinds = dict(line.split(b" ", 1) for line in check.stdout.splitlines() if b" " in line)
        broken = {sha for sha, kind in kinds.items() if kind == b"missing"}
        if not broken:
            return None
        for sha, name in refs:
            if sha in broken:
                self.chunker.reading.error(
                    HERE, f"{name.decode('utf-8', 'replace')} points to a missing object {sha[:12].decode()}; "
                    "not scanned (the repository may be damaged: run git fsck); the other refs were scanned",
                )
        return sorted({sha for sha, _ in refs if kinds.get(sha) in (b"commit", b"tag")})

    def parts(self) -> list[CommitPart]:
        self._listed = listed = self.commit_list()
        lines = listed.splitlines(keepends=True)
        total = len(lines)
        if total == 0:
            return []  # (an empty --stdin would make git log show HEAD)
        if self.max_parts:
            self.processes = min(self.max_parts, total)
        else:
            self.processes = max(1, min(MAX_PARTS, os.cpu_count() or 1, total // MIN_COMMITS_PER_PART))
        # Consecutive runs of commits, more than processes (sources.git.runs): git reuses what
        # it has unpacked for neighbouring commits (interleaving them between the processes
        # cost 10-20% more git CPU). Of about equal predicted git cost where it is known or
        # a core is to spare to predict it, else of equal count (bench/README.md).
        # A shard's runs are cut by its known costs, which end them together; more runs would
        # each walk its commits again under its pathspecs (bench/README.md, Round 5 merged).
        count = self.processes if self.costs is not None else run_count(self.processes, total, self.cwd)
        bounds = [0, *part_starts([line.strip() for line in lines], count, self.cwd, self.costs, self.config,
                                  [*self.pathspecs, *self.only], self._orphans), total]
        mine = [lines[start:end] for start, end in zip(bounds, bounds[1:])]
        # A shard's listing names every commit that changes one of its paths (sources.git.sharding).
        quiet = frozenset() if self.costs is None else frozenset(line.strip() for line in lines) - self.costs.keys()
        # Newest first: git reads a pack's objects fastest in that order (newer versions
        # are stored whole, older ones as deltas against them), about 10% less work.
        return [
            CommitPart(index, b"".join(reversed(shas)), len(shas), self.options(), self.pathspecs,
                       self.chunker if index == 0 else self.chunker.fork(), self.cwd, orphans=self._orphans,
                       config=self.config, only=self.only, quiet=quiet - self._orphans)
            for index, shas in enumerate(mine)
        ]

    def positions(self, shas: set[str]) -> dict[str, int]:
        """Where each of ``shas`` is in the parents-first list of the last :meth:`parts`."""
        wanted = {sha.encode("ascii") for sha in shas}
        found = {}
        for index, line in enumerate(self._listed.split(b"\n")):
            if line in wanted:
                found[line.decode("ascii")] = index
        return found

    def chunks(self) -> Iterator[Chunk]:
        """Every part's chunks, one part after the other (no parallelism, not in order)."""
        for part in self.parts():
            yield from part.chunks()


def start_history(pathspecs: Sequence[str], max_file_size: int, jobs: int = 0, all_objects: bool = False,
                  cwd: str | None = None) -> CommitSource | None:
    """A whole history's commits listed and git started on them: the CLI calls this before
    it loads detection, so git's diffs (most of a history scan's work) overlap byok-ci's
    start-up. None when git cannot list them (the scan proper then says why)."""
    source = CommitSource(pathspecs=pathspecs, all_refs=True, chunker=Chunker(max_file_size=max_file_size), cwd=cwd,
                          max_parts=jobs, all_objects=all_objects)
    try:
        source.start()
    except GitError:
        source.close()
        return None
    return source

"""Scan what git holds: the index, commit ranges, the whole history. Library entry point.

The sources (:mod:`byok_ci.sources.git`) yield the lines each commit or the index adds;
this module picks them for the target, runs the shared pipeline over them (one thread per
part of a long history: git computes the diffs in its own processes), and does what only
git scans need: findings parents-first, one per key and path in a history, those no
longer at HEAD marked, those no branch reaches marked (:mod:`byok_ci.sources.git.reach`),
and an incremental history's state (:mod:`byok_ci.sources.git.state`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from byok_ci._version import __version__
from byok_ci.config import Settings
from byok_ci.detect.choose import FAST_PREFILTER_MIN_BYTES
from byok_ci.detect.engine import Detector
from byok_ci.errors import GitError
from byok_ci.model import Chunk, Finding, Report, ScanError
from byok_ci.paths import work_tree_root
from byok_ci.pipeline import Run, start
from byok_ci.pipeline.context import found_in_context
from byok_ci.pipeline.detection import detect_chunks, detect_concurrently
from byok_ci.rules import RuleSet
from byok_ci.sources.git.binaries import BinaryTexts
from byok_ci.sources.git.blobs import ContextReader
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.patch import raw_path
from byok_ci.sources.git.process import read_blobs
from byok_ci.sources.git.revisions import (FETCH_HINT, ZERO_SHA, GitTarget, open_repo, ref_names, replacements_note,
                                           revisions_for, shallow_boundary)
from byok_ci.sources.git.staged import StagedSource
from byok_ci.sources.select import is_excluded
from byok_ci.vault import KeyVault

if TYPE_CHECKING:
    from byok_ci.shard import Shard  # --shard only: the CLI imports it (and OpenSSL's hashlib) then
    from byok_ci.sources.git.commits import CommitPart, CommitSource
    from byok_ci.sources.git.plan_file import SavedPlan
    from byok_ci.sources.git.messages import NameMet

__all__ = ["GitTarget", "pre_push_target", "scan_git"]

MODES = ("staged", "range", "since", "history", "pre-push")
HERE = "git"  # the "path" of errors about the repository as a whole


def pre_push_target(environ: Mapping[str, str], stdin: TextIO | None = None) -> GitTarget:
    """What ``scan --pre-push`` scans, from what the push hands over.

    Under pre-commit: PRE_COMMIT_FROM_REF/TO_REF, or, when the push reaches a root commit
    the remote lacks (the first push to an empty remote, an orphan branch), only
    PRE_COMMIT_LOCAL_BRANCH and PRE_COMMIT_REMOTE_NAME: then the commits no
    remote-tracking ref of that remote has. pre-commit passes on the first ref of a
    multi-ref push only. Run as git's own pre-push hook, every ref git lists on standard
    input (``<local ref> <local sha> <remote ref> <remote sha>``).
    """
    to_ref = environ.get("PRE_COMMIT_TO_REF")
    remote_branch = environ.get("PRE_COMMIT_REMOTE_BRANCH")
    remote = environ.get("PRE_COMMIT_REMOTE_NAME", "")
    known = (f"--remotes={remote}",) if remote else None  # what that remote (not any remote) has
    if to_ref:
        pushed = ((remote_branch, to_ref),) if remote_branch else ()
        return GitTarget("pre-push", push_from=environ.get("PRE_COMMIT_FROM_REF"), push_to=to_ref, known=known,
                         refs=pushed)
    local = environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if local:
        return GitTarget("pre-push", push_from=ZERO_SHA, push_to=local, known=known,
                         refs=((remote_branch, local),) if remote_branch else ())
    if environ.get("PRE_COMMIT") != "1" and stdin is not None and not stdin.isatty():
        updates = []
        refs: list[tuple[str, str]] = []
        for line in stdin.read().splitlines():
            fields = line.rsplit(maxsplit=3)
            if len(fields) == 4:
                updates.append((fields[3], fields[1]))
                if fields[1] != ZERO_SHA:  # a deletion pushes no name
                    refs.append((fields[2], fields[1]))
        if updates:
            return GitTarget("pre-push", updates=tuple(updates), refs=tuple(refs))
    return GitTarget("pre-push")  # revisions_for says what it needs


def scan_git(
    target: GitTarget,
    pathspecs: Sequence[str] = (),
    *,
    rules: RuleSet | None = None,
    settings: Settings | None = None,
    allow_shallow: bool = False,
    cwd: str | None = None,
    on_note: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    state: Path | None = None,
    full: bool = False,
    shard: Shard | None = None,
    plan: SavedPlan | None = None,
    keys: KeyVault | None = None,
    started: CommitSource | None = None,
) -> Report:
    """Scan staged changes, a commit range or the whole history and return the report.

    Findings from commits carry ``commit`` and ``commit_info``; a history scan reports each
    key once per path, at the commit that introduced it, marking ``history_only`` those no
    longer at HEAD and ``reachability`` those no branch or tag reaches. Git problems land in
    ``report.errors``; whatever could be read is still scanned. ``progress(done, total)``
    hears of each commit of a history scan.

    ``state`` (a history scan only) makes it incremental: only commits the state file does
    not record as scanned (with the same rules and settings) are scanned, and the file is
    updated when the scan read every commit; ``full`` scans everything and rewrites it.

    ``shard`` (a history scan only) scans only the paths that shard owns
    (:mod:`byok_ci.shard`); commit authors, messages and ref names are the first shard's. The report
    records the shard and the commit and refs it scanned. ``plan``: the shards' plan made once
    (:mod:`byok_ci.sources.git.plan_file`), which spares the shard listing the history.

    ``started`` (a whole history, neither incremental nor sharded): its commits listed and
    their git already running (:func:`byok_ci.sources.git.commits.start_history`).
    """
    if target.mode not in MODES:
        raise ValueError(f"unknown git scan mode {target.mode!r}")
    if shard is not None and target.mode != "history":
        raise ValueError("a shard applies to a history scan only")
    if (state is not None or target.all_objects) and target.mode != "history":
        raise ValueError("a history state and all objects apply to a history scan only")
    if started is not None and (target.mode != "history" or state is not None or shard is not None
                                or started.all_objects != target.all_objects):
        started.close()
        raise ValueError("a started history applies to a whole history scan only")
    settings = settings or Settings()
    # Git names files relative to the work tree's root whatever the directory: so do reports.
    here = cwd or os.getcwd()
    run = start("scan", settings, work_tree_root(here) or Path(os.path.abspath(here)), rules, keys)
    # A staged change is small (start-up matters); ranges and histories are not.
    detector = run.detector(0 if target.mode == "staged" else FAST_PREFILTER_MIN_BYTES)
    # Commits' patches are screened as git's bytes (most files of a history can hold no key,
    # and are then never decoded) and what passes is detected chunk by chunk.
    screen = None if target.mode == "staged" else detector.screen()
    # Keys whose context only the whole file gives: read once the diffs are (sources.git.blobs).
    context = ContextReader(detector, settings.max_file_size, cwd)
    chunker = Chunker(exclude=settings.exclude, max_file_size=settings.max_file_size, screen=screen,
                      scan_binary=settings.scan_binary, triage=None if screen is None else detector.triage(),
                      made=context.made, in_context=context.add, wants_context=detector.wants_context,
                      context_added=context.context_added)
    note = on_note or (lambda _message: None)
    findings: list[Finding] = []
    errors: list[ScanError] = []
    scanned = ""
    met: dict[tuple[str, str], NameMet] = {}  # names commits' and tags' headers hold (sources.git.messages)
    try:
        if target.mode == "staged":
            findings += detect_chunks(StagedSource(pathspecs, chunker, cwd).chunks(), detector)
            findings += BinaryTexts(chunker, detector, context, cwd).findings()
            findings += found_in_context(context, chunker, findings)
        else:
            incremental = History(run, state, full, shard=shard) if state is not None else None
            with _sharded(shard, target, pathspecs, chunker, cwd, plan) as (config, only, costs, scanned):
                _scan_commits(target, pathspecs, detector, chunker, findings, errors, allow_shallow, cwd, note,
                              progress, settings.jobs, incremental, config, only, started, costs, context, met,
                              shard is None or shard.first)
    except GitError as exc:
        errors.append(ScanError(HERE, str(exc)))
    finally:
        context.close()
        if started is not None:
            started.close()
    if chunker.submodules:
        note(
            f"{len(chunker.submodules)} submodule(s) not scanned (their content lives in other repositories; "
            f"scan each one there): {', '.join(sorted(chunker.submodules)[:5])}"
        )
    lfs = chunker.reading.stats().lfs_pointers
    if lfs:
        note(f"{lfs} Git LFS pointer file(s): their content is on the LFS server, "
             "not in git; scan the checked-out files too (byok-ci scan .)")
    everything = shard is None or shard.first  # names that are no path's: one shard's
    report = run.finish(
        findings, chunker.reading, errors=errors,
        names=[p for p in chunker.reading.paths if not is_excluded(p, settings.exclude)],
        authors=chunker.reading.authors if everything else {},
        refs=_names_of_refs(target, cwd) if everything else None, met=list(met.values()),
    )
    return report if shard is None else replace(report, shard=str(shard), scanned=scanned)


def _names_of_refs(target: GitTarget, cwd: str | None) -> dict[str, str] | None:
    """The ref names a scan covers: every ref for history, the pushed ones for a push."""
    if target.mode == "history":
        return ref_names(cwd)
    return dict(target.refs) or None


def _sharded(shard: Shard | None, target: GitTarget, pathspecs: Sequence[str], chunker: Chunker, cwd: str | None,
             plan: SavedPlan | None) -> AbstractContextManager[tuple[list[str], list[str], dict[bytes, int] | None, str]]:
    """A shard's scope (:func:`byok_ci.sources.git.sharding.shard_scope`, imported for a shard only)."""
    if shard is None:
        return nullcontext(([], [], None, ""))
    from byok_ci.sources.git.sharding import shard_scope

    return shard_scope(shard, target.all_objects, pathspecs, chunker, cwd, plan)


def _scan_commits(
    target: GitTarget,
    pathspecs: Sequence[str],
    detector: Detector,
    chunker: Chunker,
    findings: list[Finding],
    errors: list[ScanError],
    allow_shallow: bool,
    cwd: str | None,
    note: Callable[[str], None],
    progress: Callable[[int, int], None] | None,
    jobs: int = 0,
    incremental: History | None = None,
    config: Sequence[str] = (),
    only: Sequence[str] = (),
    started: CommitSource | None = None,
    costs: dict[bytes, int] | None = None,
    context: ContextReader | None = None,
    met: dict[tuple[str, str], NameMet] | None = None,
    messages: bool = True,
) -> None:
    """Findings of the commits ``target`` selects into ``findings``, parents first (whatever
    was found before a failure is kept, then the failure raised)."""
    # Commits' machinery: not on a staged scan's path (a hook's start-up, issue 16 §1).
    from byok_ci.sources.git.commits import CommitSource
    from byok_ci.sources.git.messages import MessageSource
    from byok_ci.sources.git.reach import RANK, reachability
    from byok_ci.sources.git.runs import taken

    repo = open_repo(cwd)
    try:
        history = target.mode == "history"
        boundary = shallow_boundary(repo)
        try:
            revisions = [] if history else revisions_for(repo, target, note)
        except GitError as exc:
            if boundary:
                raise GitError(f"{exc} (this is a shallow clone: {FETCH_HINT})") from None
            raise
        if revisions is None:
            return
        if history and not target.all_objects and not repo.has_refs():
            note("empty repository: no commits to scan")
            return
        replaced = replacements_note(repo)
        if replaced:
            note(replaced)
        before: list[bytes] = []
        if incremental is not None:
            before = incremental.start(pathspecs, target.all_objects, boundary, cwd, note)
        if started is not None and started.started is not None:
            source, parts = started, started.started
            source.adopt(chunker)
        else:
            source = CommitSource(revisions, pathspecs, all_refs=history, chunker=chunker, cwd=cwd,
                                  max_parts=jobs, all_objects=target.all_objects, exclude=before, config=config,
                                  only=only, costs=costs)
            parts = source.parts()
        if before:
            note(f"incremental history: {sum(part.count for part in parts):,} commit(s) not scanned before")
        # A range is truncated only when it reaches a commit whose parents were not fetched
        # (whose diff would show its whole tree as added); the whole history always is.
        if boundary and (history or any(sha in boundary for part in parts for sha in part.shas.split())):
            message = f"shallow clone: history before the clone's depth is not here and was not scanned; {FETCH_HINT}"
            if allow_shallow:
                note(message)
            else:
                errors.append(ScanError(HERE, message + ", or pass --allow-shallow to accept this"))
        if history and progress is not None:
            _count_commits(parts, progress)
        found, failure = detect_concurrently(taken(parts), detector, batched=chunker.screen is None,
                                             workers=source.processes)
        for part in parts[1:]:
            chunker.absorb(part.chunker)
        shares = [finding for share in found for finding in share]
        reader = context or ContextReader(detector, chunker.max_file_size, cwd)
        try:
            shares += BinaryTexts(chunker, detector, reader, cwd).findings()
            if context is not None:
                shares += found_in_context(context, chunker, shares)
        finally:
            reader.close()
        if messages:
            messages_read = MessageSource(target, parts, cwd, source.tags)
            shares += messages_read.findings(detector, chunker.max_file_size, errors)
            if met is not None:
                met.update(messages_read.met)
        commits = {f.commit for f in shares if f.commit}
        if history:
            marks = reachability(commits, cwd, all_objects=target.all_objects)
            shares = [replace(f, reachability=marks[f.commit]) if f.commit in marks and (
                f.found_in != "tag-message" or f.path == f.commit) else f for f in shares]
            # (a tag is reached as itself, not as its commit; a merged tag's copy, as the merge commit that holds it)
        # Parents first again, so the first finding of a key is at its introducing commit
        # (on a branch rather than only in a pull request or a dangling commit, if both).
        order = source.positions(commits)
        shares.sort(key=lambda f: (RANK[f.reachability], order.get(f.commit or "", -1)))
        if history:
            shares = mark_history_only(first_per_path(shares), detector, chunker.max_file_size, cwd)
        findings.extend(shares)
        if failure is not None:
            raise failure
        if incremental is not None:
            # Only a complete scan is recorded: a commit with a file that could not be read
            # (too large, damaged) must be read again, or the next run calls it clean.
            incomplete = any(e.blocking for e in (*errors, *chunker.reading.errors))
            if source.damaged or any(part.damaged for part in parts) or incomplete:
                if incomplete:
                    note(f"the history state {incremental.path.as_posix()} was not updated: this scan was incomplete, "
                         "so the next run scans these commits again")
            else:
                error = incremental.finish(source.heads(before), boundary)
                if error is not None:
                    errors.append(error)
    finally:
        repo.close()


@dataclass(eq=False, repr=False)
class History:
    """An incremental history scan: its state file and the digest of what changes findings."""

    run: Run
    path: Path
    full: bool
    digest: str = ""
    shard: Shard | None = None

    def start(self, pathspecs: Sequence[str], all_objects: bool, boundary: Iterable[bytes], cwd: str | None,
              note: Callable[[str], None]) -> list[bytes]:
        """The heads of the commits scanned before (empty: scan everything, and say why)."""
        from byok_ci.sources.git.state import load as load_state
        from byok_ci.sources.git.state import settings_digest

        self.digest = settings_digest(_finding_settings(self.run, pathspecs, all_objects, self.shard))
        if self.full:
            note(f"--full: scanning the whole history; the history state {self.path.as_posix()} is rewritten")
            return []
        heads, why = load_state(self.path, self.digest, boundary, cwd)
        if why:
            note(why)
        return heads

    def finish(self, heads: Sequence[bytes], boundary: Iterable[bytes]) -> ScanError | None:
        from byok_ci.sources.git.state import save as save_state

        try:
            save_state(self.path, self.digest, heads, boundary)
        except OSError as exc:
            return ScanError(self.path.as_posix(), "could not write the history state: "
                             f"{(exc.strerror or str(exc)).lower()}; the next run scans these commits again")
        return None


def _finding_settings(run: Run, pathspecs: Sequence[str], all_objects: bool,
                      shard: Shard | None = None) -> Iterator[str]:
    """Everything that changes what scanning a commit reports, as strings: a change to any
    of them makes an incremental history scan everything again."""
    settings, held = run.settings, run.suppression
    yield f"byok-ci {__version__}; rules {run.ruleset.digest}"
    yield json.dumps([list(settings.exclude), settings.max_file_size, settings.max_decode_depth, list(pathspecs),
                      all_objects])
    # A state written before any of these called clean what it finds now: it scans again.
    yield "context read from whole files, and context a later commit adds (sources.git.later)"
    yield "commit messages read (sources.git.messages); paths list with --full-history (sources.git.commits)"
    yield "committers and merged tags' copies read (sources.git.messages)"
    if not settings.inline_allow:
        yield "inline allow markers not honoured"
    if settings.scan_binary:
        yield "binary files read"
    if shard is not None:
        yield f"shard {shard}"  # a shard's state records only its paths' findings
    # What the suppression holds back: an entry removed (or an ignore entry expired) must
    # bring its findings back, so the commits that hold them are scanned again.
    yield json.dumps([sorted(held.allowed), sorted(held.ignore), sorted(held.sha1_hashes)])
    yield json.dumps([sorted((fp, list(entry.paths)) for fp, entry in baseline.entries.items())
                      for baseline in held.baselines])


def _count_commits(parts: Sequence[CommitPart], progress: Callable[[int, int], None]) -> None:
    """Tell ``progress`` of every commit any part reads (parts run on threads of their own)."""
    import threading

    total = sum(part.count for part in parts)
    lock = threading.Lock()
    done = [0]

    def tick() -> None:
        with lock:
            done[0] += 1
            progress(done[0], total)

    for part in parts:
        part.on_commit = tick


def mark_history_only(findings: list[Finding], detector: Detector, max_size: int, cwd: str | None) -> list[Finding]:
    """Mark findings whose key is no longer in that file at HEAD (deleted, but in history).
    The files come from one `git cat-file --batch` process; a file too big to read again
    keeps its findings unmarked rather than claim a key is gone."""
    from byok_ci.sources.read import decode

    paths = sorted({f.path for f in findings if "\n" not in f.path})
    present: dict[str, set[str]] = {f.path: set() for f in findings}
    contents = read_blobs([b"HEAD:" + raw_path(path) for path in paths], max_size, cwd)
    for path, data in zip(paths, contents):
        if data is None:
            continue  # gone at HEAD
        if isinstance(data, int):  # too big to read again: do not claim the key is gone
            present[path] = {f.fingerprint for f in findings if f.path == path}
            continue
        text = decode(data)  # UTF-16 as a directory scan reads it; binary as before
        if text is None:
            text = data.decode("utf-8", "replace")
        present[path] = {f.fingerprint for f in detector.detect(Chunk(text=text, path=path))}
    return [f if f.found_in or f.fingerprint in present[f.path] else replace(f, history_only=True) for f in findings]


def first_per_path(findings: list[Finding]) -> list[Finding]:
    """One finding per key and path: the first in parents-first order introduced it."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for finding in findings:
        key = (finding.fingerprint, finding.path, finding.rule_id)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept

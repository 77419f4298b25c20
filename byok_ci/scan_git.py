"""Scan what git holds: the index, commit ranges, the whole history. Library entry point.

GitPython (repository discovery, refs, revision parsing) is imported only here and only
for commit modes, so a plain `byok-ci scan` never loads it; `--staged` needs one `git diff`
and nothing more. Blobs come from one long-lived `git cat-file --batch` process fed all
requests at once (GitPython's own helpers take one ASCII name per round trip).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from byok_ci.config import Settings
from byok_ci.detect.anywhere import KeyMatcher
from byok_ci.detect.engine import Detector
from byok_ci.detect.prefilter import merge
from byok_ci.errors import GitError
from byok_ci.model import Chunk, Finding, Report, ScanError
from byok_ci.names import report_keys_in_names
from byok_ci.rules import RuleSet
from byok_ci.paths import work_tree_root
from byok_ci.detect.choose import FAST_PREFILTER_MIN_BYTES
from byok_ci.scan import (
    detector_for,
    finish_report,
    ruleset_for,
    scan_chunks,
    start_report,
)
from byok_ci.sources.files import is_excluded
from byok_ci.sources.git.chunker import Chunker
from byok_ci.sources.git.commits import CommitPart, CommitSource
from byok_ci.sources.git.patch import display
from byok_ci.sources.git.process import (
    NO_GRAFTS,
    big_file_threshold,
    blob_sizes,
    looks_binary,
    marked_binary,
    read_blobs,
    run,
)
from byok_ci.sources.git.staged import StagedSource

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from git import Repo

MODES = ("staged", "range", "since", "history", "pre-push")
HERE = "git"  # the "path" of errors about the repository as a whole


@dataclass(frozen=True)
class GitTarget:
    """What to scan. ``revision`` is ``A..B`` for ``range`` and a ref for ``since``.

    ``pre-push``: ``push_from``/``push_to`` are the remote's old sha and the sha being
    pushed (pre-commit's PRE_COMMIT_FROM_REF/TO_REF), or ``updates`` lists several such
    (remote sha, local sha) pairs (git's own pre-push input). What a ref new to the remote
    adds is the commits ``known`` (`git rev-list` arguments) does not reach; by default
    every remote-tracking ref.
    """

    mode: str
    revision: str | None = None
    push_from: str | None = None
    push_to: str | None = None
    known: tuple[str, ...] | None = None
    updates: tuple[tuple[str, str], ...] = ()


ZERO_SHA = "0" * 40


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
    if to_ref:
        return GitTarget("pre-push", push_from=environ.get("PRE_COMMIT_FROM_REF"), push_to=to_ref)
    local = environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if local:
        remote = environ.get("PRE_COMMIT_REMOTE_NAME", "")
        return GitTarget("pre-push", push_from=ZERO_SHA, push_to=local,
                         known=(f"--remotes={remote}",) if remote else None)
    if environ.get("PRE_COMMIT") != "1" and stdin is not None and not stdin.isatty():
        updates = []
        for line in stdin.read().splitlines():
            fields = line.rsplit(maxsplit=3)
            if len(fields) == 4:
                updates.append((fields[3], fields[1]))
        if updates:
            return GitTarget("pre-push", updates=tuple(updates))
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
) -> Report:
    """Scan staged changes, a commit range or the whole history and return the report.

    Findings from commits carry ``commit`` and ``commit_info``; a history scan reports each
    key once per path, at the commit that introduced it, marking ``history_only`` those no
    longer at HEAD. Git problems land in ``report.errors``; whatever could be read is still
    scanned. ``progress(done, total)`` hears of each commit of a history scan.
    """
    if target.mode not in MODES:
        raise ValueError(f"unknown git scan mode {target.mode!r}")
    started = time.perf_counter()
    settings = settings or Settings()
    ruleset = rules if rules is not None else ruleset_for(settings)
    # Git names files relative to the work tree's root whatever the directory: so do reports.
    here = cwd or os.getcwd()
    root = work_tree_root(here) or Path(os.path.abspath(here))
    report, suppression = start_report(ruleset, settings, root)
    # A staged change is small (start-up matters); ranges and histories are not.
    expected = 0 if target.mode == "staged" else FAST_PREFILTER_MIN_BYTES
    detector = detector_for(ruleset, settings, suppression, expected)
    chunker = Chunker(exclude=settings.exclude, max_file_size=settings.max_file_size)
    note = on_note or (lambda _message: None)
    try:
        if target.mode == "staged":
            scan_chunks(StagedSource(pathspecs, chunker, cwd).chunks(), detector, report)
            report.findings.extend(recheck_binaries(chunker, detector, cwd))
        else:
            _scan_commits(target, pathspecs, detector, chunker, report, allow_shallow, cwd, note, progress)
    except GitError as exc:
        report.errors.append(ScanError(HERE, str(exc)))
    report.errors.extend(chunker.errors)
    if chunker.submodules:
        note(
            f"{len(chunker.submodules)} submodule(s) not scanned (their content lives in other repositories; "
            f"scan each one there): {', '.join(sorted(chunker.submodules)[:5])}"
        )
    if chunker.stats.lfs_pointers:
        note(f"{chunker.stats.lfs_pointers} Git LFS pointer file(s): their content is on the LFS server, "
             "not in git; scan the checked-out files too (byok-ci scan .)")
    report.findings.sort(key=Finding.sort_key)
    report.stats = chunker.stats
    report_keys_in_names(
        report, KeyMatcher(ruleset.rules),
        paths=[p for p in chunker.paths if not is_excluded(p, settings.exclude)],
        authors=chunker.authors,
        refs=ref_names(cwd) if target.mode == "history" else None,
    )
    finish_report(report, suppression, root)
    report.stats.seconds = time.perf_counter() - started
    return report


BATCH_CHARS = 1 << 20


def detect_batched(chunks: Iterable[Chunk], detector: Detector) -> Iterator[Finding]:
    """Findings of many small chunks, in chunk order, with one prefilter pass per ~1 MB.

    A diff yields thousands of small chunks and nearly all hold no keyword; asking the
    prefilter once for their concatenation, then running detection only on the chunks a
    prefilter span touches, gives the same findings for a fraction of the calls.
    """
    batch: list[Chunk] = []
    size = 0
    try:
        for chunk in chunks:
            batch.append(chunk)
            size += len(chunk.text) + 1
            if size >= BATCH_CHARS:
                yield from _detect_batch(batch, detector)
                batch, size = [], 0
    except Exception:
        # git failed part-way: what it produced before that is still scanned.
        yield from _detect_batch(batch, detector)
        raise
    if batch:
        yield from _detect_batch(batch, detector)


def _detect_batch(batch: list[Chunk], detector: Detector) -> list[Finding]:
    if len(batch) == 1:
        return detector.detect(batch[0])
    spans = detector.prefilter.spans("\n".join(chunk.text for chunk in batch))
    if not spans:
        return []
    intervals = merge([span for rule_spans in spans.values() for span in rule_spans])
    found: list[Finding] = []
    start, k = 0, 0
    for chunk in batch:
        end = start + len(chunk.text)
        while k < len(intervals) and intervals[k][1] <= start:
            k += 1
        if k < len(intervals) and intervals[k][0] <= end:
            found.extend(detector.detect(chunk))
        start = end + 1
    return found


def _scan_commits(
    target: GitTarget,
    pathspecs: Sequence[str],
    detector: Detector,
    chunker: Chunker,
    report: Report,
    allow_shallow: bool,
    cwd: str | None,
    note: Callable[[str], None],
    progress: Callable[[int, int], None] | None,
) -> None:
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
        if history and not any(True for _ in repo.references):
            note("empty repository: no commits to scan")
            return
        replaced = replacements_note(repo)
        if replaced:
            note(replaced)
        source = CommitSource(revisions, pathspecs, all_refs=history, chunker=chunker, cwd=cwd)
        parts = source.parts()
        # A range is truncated only when it reaches a commit whose parents were not fetched
        # (whose diff would show its whole tree as added); the whole history always is.
        if boundary and (history or any(sha in boundary for part in parts for sha in part.shas.split())):
            message = f"shallow clone: history before the clone's depth is not here and was not scanned; {FETCH_HINT}"
            if allow_shallow:
                note(message)
            else:
                report.errors.append(ScanError(HERE, message + ", or pass --allow-shallow to accept this"))
        findings, failure = _run_parts(parts, detector, chunker, progress if history else None)
        findings += recheck_binaries(chunker, detector, cwd)
        # Parents first again, so the first finding of a key is at its introducing commit.
        order = source.positions({f.commit for f in findings if f.commit})
        findings.sort(key=lambda f: order.get(f.commit or "", -1))
        if history:
            findings = mark_history_only(first_per_path(findings), detector, chunker.max_file_size, cwd)
        report.findings.extend(findings)  # whatever was found before a failure is kept
        if failure is not None:
            raise failure
    finally:
        repo.close()


def recheck_binaries(chunker: Chunker, detector: Detector, cwd: str | None) -> list[Finding]:
    """Findings in the files git diffed as binary without their content being binary.

    git says "Binary files differ" of a blob over its big-file threshold without reading
    it (an error here: too large), and of text that .gitattributes marks ``-diff`` or
    ``binary`` (read here, and scanned whole: which lines the commit added is unknown).
    """
    binaries, chunker.binaries = chunker.binaries, []
    if not binaries:
        return []
    sizes = blob_sizes(sorted({b.blob for b in binaries}), cwd)
    threshold = big_file_threshold(chunker.max_file_size)
    marked = marked_binary(sorted({raw_path(b.path) for b in binaries if "\n" not in b.path}), cwd)
    again = []
    for binary in binaries:
        size = sizes.get(binary.blob, 0)
        if size > threshold:
            chunker.oversized(binary, size)
        elif raw_path(binary.path) in marked and size <= chunker.max_file_size:
            again.append(binary)
    found: list[Finding] = []
    contents = read_blobs([b.blob.encode("ascii") for b in again], chunker.max_file_size, cwd)
    for binary, data in zip(again, contents):
        if isinstance(data, bytes) and not looks_binary(data):
            found.extend(detector.detect(chunker.text_after_all(binary, data)))
    return found


def _run_parts(
    parts: list[CommitPart],
    detector: Detector,
    chunker: Chunker,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[Finding], BaseException | None]:
    """Findings of every part, each part scanned on its own thread, and the first failure
    if a part failed (the other parts' findings still count).

    Git computes the diffs in its own processes, so threads here keep every core busy;
    detection is Python and takes the smaller share.
    """
    total = sum(part.count for part in parts)
    lock = threading.Lock()
    done = [0]

    def tick() -> None:
        with lock:
            done[0] += 1
            if progress is not None:
                progress(done[0], total)

    results: list[list[Finding]] = [[] for _ in parts]
    failures: list[BaseException] = []

    def work(part: CommitPart) -> None:
        part.on_commit = tick
        try:
            for finding in detect_batched(part.chunks(), detector):
                results[part.index].append(finding)
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, never lost
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(part,), daemon=True) for part in parts[1:]]
    for thread in threads:
        thread.start()
    if parts:
        work(parts[0])
    for thread in threads:
        thread.join()
    for part in parts[1:]:
        chunker.absorb(part.chunker)
    findings = [finding for result in results for finding in result]
    return findings, (failures[0] if failures else None)


def open_repo(cwd: str | None) -> Repo:
    try:
        import git
    except ImportError as exc:  # GitPython refuses to import when it finds no git
        raise GitError(f"cannot use git: {exc}".splitlines()[0] + "; install git to scan commits") from None

    where = os.path.abspath(cwd or os.getcwd())
    try:
        repo = git.Repo(where, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(
            f"not a git repository: {where} (nor any parent directory); run byok-ci inside a repository"
        ) from None
    repo.git.update_environment(GIT_NO_REPLACE_OBJECTS="1", GIT_GRAFT_FILE=NO_GRAFTS)
    return repo


def replacements_note(repo: Repo) -> str | None:
    """What a note should say about `git replace` refs and grafts, which the scan ignores."""
    refs = run(["for-each-ref", "--format=%(refname)", "refs/replace/"], cwd=str(repo.common_dir)).stdout.split()
    grafts = os.path.isfile(os.path.join(repo.common_dir, "info", "grafts"))
    if not refs and not grafts:
        return None
    what = " and ".join(filter(None, [f"{len(refs)} `git replace` ref(s)" if refs else "",
                                      "info/grafts" if grafts else ""]))
    return f"ignored {what}: commits are scanned as stored, not as git log shows them"


FETCH_HINT = "fetch it with `git fetch --unshallow` (in CI: fetch-depth: 0)"


def shallow_boundary(repo: Repo) -> frozenset[bytes]:
    """The commits of a shallow clone whose parents were not fetched (empty: not shallow)."""
    try:
        with open(os.path.join(repo.common_dir, "shallow"), "rb") as handle:
            return frozenset(handle.read().split())
    except FileNotFoundError:
        return frozenset()


def _is_null(sha: str | None) -> bool:
    return not sha or set(sha) == {"0"}


def resolve(repo: Repo, ref: str) -> str:
    """The commit sha ``ref`` names, or a GitError saying what is wrong with it.

    git itself parses the name, so every form it knows works (``HEAD@{1 year ago}``,
    ``main~3``, ``v1.0^{}``).
    """
    if not ref or ref.startswith("-"):
        raise GitError(f"{ref!r} is not a revision")
    cwd = str(repo.working_tree_dir or repo.git_dir)
    found = run(["rev-parse", "--verify", "--quiet", ref], cwd=cwd)
    sha = found.stdout.decode("ascii", "replace").strip()
    if found.returncode != 0 or not sha:
        if ref == "HEAD" and not repo.head.is_valid():
            raise GitError("HEAD has no commits yet (unborn branch); commit first, or scan with --staged")
        raise GitError(f"unknown revision {ref!r}; check the name with `git rev-parse {ref}`")
    # Peeled separately: in ":/message" a suffix would be part of the message pattern.
    peeled = run(["rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"], cwd=cwd)
    if peeled.returncode != 0:
        kind = run(["cat-file", "-t", sha], cwd=cwd).stdout.decode("ascii", "replace").strip() or "object"
        raise GitError(f"{ref!r} names a {kind}, not a commit")
    return peeled.stdout.decode("ascii", "replace").strip()


def revisions_for(repo: Repo, target: GitTarget, note: Callable[[str], None]) -> list[str] | None:
    """`git log` revision arguments for a range, --since or a push; None: nothing to scan."""
    if target.mode == "since":
        return [f"^{resolve(repo, target.revision or '')}", resolve(repo, "HEAD")]
    if target.mode == "range":
        text = target.revision or ""
        symmetric = "..." in text
        base, sep, head = text.partition("..." if symmetric else "..")
        if not sep:
            raise GitError(f"--range wants BASE..HEAD, got {text!r} (use --since REF for REF..HEAD)")
        base_sha, head_sha = resolve(repo, base or "HEAD"), resolve(repo, head or "HEAD")
        return [f"{base_sha}...{head_sha}"] if symmetric else [f"^{base_sha}", head_sha]
    updates = target.updates or (
        ((target.push_from or "", target.push_to),) if target.push_to is not None else ())
    if not updates:
        raise GitError(
            "--pre-push reads what is being pushed from pre-commit (PRE_COMMIT_FROM_REF/TO_REF, or "
            "PRE_COMMIT_LOCAL_BRANCH) or, run as git's pre-push hook, from standard input; outside a push "
            "use --range BASE..HEAD"
        )
    pushed = [(old, new) for old, new in updates if not _is_null(new)]
    if not pushed:
        note("pushing a deletion: no commits to scan")
        return None
    tips = [resolve(repo, new) for _, new in pushed]
    # What the remote already has: its old shas that are here, then what ``known`` names.
    # (A commit any of them reaches is on the remote, whichever ref is being pushed.)
    have = []
    for old, _ in pushed:
        if _is_null(old):
            continue
        try:
            have.append(resolve(repo, old))
        except GitError:
            note(f"the remote's commit {old[:12]} is not here (fetch to compare with it); scanning every "
                 "pushed commit not on a remote-tracking ref")
    if len(pushed) == 1 and have:
        return [f"^{have[0]}", tips[0]]
    known = list(target.known) if target.known is not None else ["--remotes"]
    return [*tips, "--not", *have, *known] if have or known else tips


def ref_names(cwd: str | None) -> dict[str, str]:
    """Every ref of the repository and the object it points to (a history scan covers them
    all, so a key in a branch or tag name is a finding too)."""
    listed = run(["for-each-ref", "--format=%(objectname) %(refname)"], cwd=cwd)
    if listed.returncode != 0:
        return {}
    pairs = (line.split(b" ", 1) for line in listed.stdout.splitlines() if b" " in line)
    return {display(name): sha.decode("ascii", "replace") for sha, name in pairs}


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


def raw_path(shown: str) -> bytes:
    """The bytes of a repository path as reports show it (``\\xNN`` escapes undone)."""
    raw = shown.encode("utf-8")
    if b"\\x" not in raw:
        return raw
    return re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def mark_history_only(findings: list[Finding], detector: Detector, max_size: int, cwd: str | None) -> list[Finding]:
    """Mark findings whose key is no longer in that file at HEAD (deleted, but in history).

    The files come from one `git cat-file --batch` process; a file too big to read again
    keeps its findings unmarked rather than claim a key is gone.
    """
    paths = sorted({f.path for f in findings if "\n" not in f.path})
    present: dict[str, set[str]] = {f.path: set() for f in findings}
    contents = read_blobs([b"HEAD:" + raw_path(path) for path in paths], max_size, cwd)
    for path, data in zip(paths, contents):
        if data is None:
            continue  # gone at HEAD
        if isinstance(data, int):  # too big to read again: do not claim the key is gone
            present[path] = {f.fingerprint for f in findings if f.path == path}
            continue
        text = data.decode("utf-8", "replace")
        present[path] = {f.fingerprint for f in detector.detect(Chunk(text=text, path=path))}
    return [f if f.fingerprint in present[f.path] else replace(f, history_only=True) for f in findings]



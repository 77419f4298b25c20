"""Keys in names: file and directory names, commit authors and committers, taggers, ref names.

A key in a name is in the repository for anyone to read, and byok-ci would print it with
every finding, error and summary line that names the file. This stage, run after
detection, reports each such key as a finding of its own (``found_in`` path, author,
committer, tagger or ref) and puts the redacted name in place of the name everywhere in
what the scan found.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from byok_ci.detect.anywhere import KeyMatcher
from byok_ci.model import CommitInfo, Finding, ScanError

if TYPE_CHECKING:
    from byok_ci.sources.git.messages import NameMet

MESSAGES = ("message", "tag-message", "header")  # Finding.found_in of a key in a message or header (sources.git.messages)


@dataclass(frozen=True, eq=False)  # never compared: no generated __eq__/__hash__ at start-up
class Found:
    """What a scan found so far: findings, errors and warnings."""

    findings: list[Finding]
    errors: list[ScanError]
    warnings: list[ScanError]


def keys_in_names(
    found: Found,
    make_matcher: Callable[[], KeyMatcher],
    *,
    paths: Iterable[str] = (),
    missing: Collection[str] = (),
    authors: Mapping[str, tuple[str, CommitInfo]] | None = None,
    refs: Mapping[str, str | None] | None = None,
    met: Collection[NameMet] = (),
) -> Found:
    """``found`` with findings for keys in ``paths`` (and in the paths of its findings),
    ``authors`` (author → a commit of theirs), ``refs`` (ref name → its commit) and ``met``
    (names git objects' headers hold: committers, taggers, tags' own names; and file names
    in trees refs name), those names, and the authors the findings name, redacted
    throughout. Paths of errors and warnings, and paths in ``missing`` (a mistyped argument
    names nothing that exists), are redacted, not reported."""
    # A file in a tree a ref names is checked from its path in the tree on (sources.git.refobjects).
    starts = {m.name: m.start for m in met if m.found_in == "path"}
    names = (set(paths) | set(starts)) - set(missing)
    # A message's path is a commit's sha or a tag's ref name, and a blob a ref names has the
    # ref's name (sources.git.refobjects), no file's: a key in that ref name is the ref's
    # finding (``refs``), so there it is redacted, not reported again.
    refs = refs or {}
    only_ref = {f.path for f in found.findings if f.found_in in MESSAGES or f.path.removesuffix("^{blob}") in refs}
    names.update(f.path for f in found.findings if f.path not in only_ref)
    others = {e.path for e in found.errors} | {w.path for w in found.warnings} | set(missing) | only_ref
    authors = authors or {}
    # Authors the findings name but ``authors`` does not (another history shard's commit, a
    # tag's tagger): redacted, not reported, as the paths of errors are.
    named = {f.commit_info.author for f in found.findings if f.commit_info is not None} - set(authors)
    people = sorted((m for m in met if m.found_in != "path"), key=lambda m: (m.found_in, m.name))
    everything = "\n".join([*names, *others, *authors, *named, *refs, *(m.name for m in people),
                            *(m.of for m in people if m.of)])
    if not everything:
        return found  # a scan with no name to look at makes no matcher
    # One pass over every name at once: a scan whose names hold no key pays only this.
    matcher = make_matcher()
    if not matcher.keys(everything):
        return found
    new: dict[tuple[str, str, str, str], Finding] = {}

    def add(findings: list[Finding]) -> None:
        for f in findings:
            new.setdefault((f.found_in or "", f.rule_id, f.fingerprint, f.path), f)

    shown_paths: dict[str, str] = {}
    for name in sorted(names):
        findings = matcher.findings_in_name(name, "path", start=starts.get(name, 0))
        add(findings)
        if findings or name in starts:
            shown = matcher.redact(name)
            if shown != name:
                shown_paths[name] = shown
    for name in others - names:
        shown = matcher.redact(name)
        if shown != name:
            shown_paths[name] = shown
    shown_authors: dict[str, str] = {}
    for author, (sha, info) in sorted(authors.items()):
        findings = matcher.findings_in_name(author, "author", commit=sha)
        if findings:
            shown_authors[author] = matcher.redact(author)
            add([replace(f, commit_info=CommitInfo(shown_authors[author], info.date)) for f in findings])
    for author in named:
        shown = matcher.redact(author)
        if shown != author:
            shown_authors[author] = shown
    for ref, target in sorted(refs.items()):
        # (a push may name the pushed commit by the local ref, whose name can hold the key too)
        add(matcher.findings_in_name(ref, "ref", commit=target and matcher.redact(target)))
    for m in people:  # (after refs: a tag's own name under its own ref is the ref's finding)
        holder = m.info and CommitInfo(matcher.redact(m.info.author), m.info.date)
        add([replace(f, reachability=m.reachability) for f in matcher.findings_in_name(
            m.name, m.found_in, commit=m.commit, commit_info=holder, of=m.of and matcher.redact(m.of))])
    findings = [_renamed(f, shown_paths, shown_authors) for f in found.findings] + list(new.values())
    findings.sort(key=Finding.sort_key)
    return Found(
        findings,
        [_renamed_error(e, shown_paths) for e in found.errors],
        [_renamed_error(w, shown_paths) for w in found.warnings],
    )


def _renamed(finding: Finding, paths: Mapping[str, str], authors: Mapping[str, str]) -> Finding:
    info = finding.commit_info
    if info is not None and info.author in authors:
        finding = replace(finding, commit_info=CommitInfo(authors[info.author], info.date))
    if finding.path in paths:
        finding = replace(finding, path=paths[finding.path])
    return finding


def _renamed_error(error: ScanError, paths: Mapping[str, str]) -> ScanError:
    return replace(error, path=paths[error.path]) if error.path in paths else error

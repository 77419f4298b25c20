"""The result types every byok-ci command shares.

A scan, a manifest check and a drift test all produce a :class:`Report` holding
:class:`Finding` records, :class:`Check` records and :class:`ScanError` entries, so every
reporter serves all three. A finding is born redacted: it carries the redacted form and a
fingerprint, never the secret. Every record is immutable: a report is assembled once, and
every output is rendered from that one final state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any, Protocol

from byok_ci._sha256 import sha256
from byok_ci._values import by_value

SEVERITIES = ("error", "warning")
# The one vocabulary of check outcomes. "error": the check could not run at all (a drift key
# whose secret is unavailable, a scan that could not read git); the run is incomplete
# (exit 2). "inconclusive": it ran, and the answer decided nothing (exit 4).
OUTCOMES = ("passed", "failed", "warning", "inconclusive", "skipped", "error")
# A drift test's probes of one key, in the order they run, and the names of their checks.
PROBES = ("real", "invalid", "no-auth", "metadata")
PROBE_TITLES = {
    "real": "real key accepted",
    "invalid": "invalid key refused",
    "no-auth": "request without a key refused",
    "metadata": "key metadata matches the manifest",
}
FINGERPRINT_HEX_CHARS = 16
# Verification.status (`scan --verify`): the provider accepted the key, refused it, or the
# answer (or its absence) decided nothing; Verification.reason says why for unknown.
VERIFIED = ("live", "revoked", "unknown")
UNKNOWN_REASONS = ("no-free-probe", "rate-limited", "network", "deadline", "inconclusive", "not-held",
                   "not-key-format")
# Finding.found_in: where in a name or a message a key was, and how reports say it.
FOUND_IN = {"path": "file name", "author": "commit author", "ref": "ref name", "message": "commit message",
            "tag-message": "tag message", "committer": "committer", "tagger": "tagger", "header": "commit header"}
# Finding.reachability: how a commit no branch or tag reaches is reached, and how reports say it.
REACHABILITY = {
    "pull-request": "only in pull-request refs",
    "other-ref": "only in other refs or reflogs",
    "unreachable": "in no ref or reflog",
}


def fingerprint(secret: str) -> str:
    """A truncated SHA-256 of the secret alone: same key, same fingerprint, anywhere."""
    return sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_HEX_CHARS]


def redact(secret: str, prefix: str = "") -> str:
    """Show at most the fixed provider prefix and the last four characters."""
    body = secret[len(prefix):] if prefix and secret.startswith(prefix) else secret
    if not (prefix and secret.startswith(prefix)):
        prefix = ""
    # Short bodies show nothing of themselves: four characters of a 16-character secret
    # would be a quarter of it.
    tail = body[-4:] if len(body) >= 20 else ""
    return f"{prefix}…{tail}"


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class CommitInfo:
    """Who made the commit a finding came from, and when (ISO 8601)."""

    author: str
    date: str


class Origin(Protocol):
    """Where text decoded from a file (a source map's embedded sources, a notebook cell)
    lies in that file: moves a finding from the decoded text to the file's line and column."""

    def relocate(self, finding: Finding, text: str) -> Finding: ...


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Chunk:
    """A piece of text to scan and where it came from.

    ``line_offset`` is added to line numbers found in ``text``; ``path`` is already in the
    POSIX form reports show. ``origin`` is set when ``text`` was decoded from the file, so
    its positions are not the file's. ``text`` is kept out of ``repr``: it may hold a key.
    """

    text: str = field(repr=False)
    path: str
    line_offset: int = 0
    commit: str | None = None
    commit_info: CommitInfo | None = None
    scanned_as: str | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)
    # ``text`` encoded as UTF-8, when the source has it at hand (a UTF-8 file's own bytes):
    # the Hyperscan prefilter scans it as it is instead of encoding the text again.
    data: bytes | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of_file(cls, text: str, path: str, data: bytes | None) -> Chunk:
        """``Chunk(text=text, path=path, data=data)``, a file's whole text, made a third as
        slowly: the generated ``__init__`` of a frozen class sets each field through
        ``object.__setattr__`` after parsing keywords, 2.7 µs (a tree scan makes one a file).
        Its fields are one dict given whole: updating the instance's with keywords cost a third more."""
        chunk = object.__new__(cls)
        object.__setattr__(chunk, "__dict__", {"text": text, "path": path, "line_offset": 0, "commit": None,
                                               "commit_info": None, "scanned_as": None, "origin": None, "data": data})
        return chunk


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Verification:
    """What the key's provider said of a found key (``scan --verify``): ``status`` one of
    :data:`VERIFIED`, ``reason`` one of :data:`UNKNOWN_REASONS` when unknown, ``detail`` in
    words (the host asked and its answer, already scrubbed of secrets)."""

    status: str
    reason: str = ""
    detail: str = ""

    def __post_init__(self) -> None:
        if self.status not in VERIFIED:
            raise ValueError(f"unknown verification status {self.status!r}")
        if self.reason and self.reason not in UNKNOWN_REASONS:
            raise ValueError(f"unknown verification reason {self.reason!r}")

    def text(self) -> str:
        """``key live (…)``, ``key revoked (…)``, ``liveness unknown, rate-limited (…)``."""
        head = f"liveness unknown, {self.reason}" if self.status == "unknown" else f"key {self.status}"
        return f"{head} ({self.detail})" if self.detail else head


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Finding:
    """One leaked key, policy violation or drift failure."""

    rule_id: str
    provider: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    redacted: str
    fingerprint: str
    commit: str | None = None
    commit_info: CommitInfo | None = None
    history_only: bool = False
    encoding: str | None = None
    source: str | None = None
    key: str | None = None
    env: str | None = None
    scanned_as: str | None = None
    # detect-secrets' baseline audited this secret as a false positive (matched inside
    # detection, where its SHA-1 can be taken): suppression holds it back and counts it as
    # baselined, as it does for a byok-ci baseline's entries. Never in reports.
    audited_false_positive: bool = False
    # Set when the key is not in content but in a name: "path" (a file or directory name),
    # "author" or "committer" (a commit's), "tagger" (an annotated tag's) or "ref" (a branch
    # or tag, or the name a tag object holds). ``path`` is then the redacted name and
    # ``line`` 0: there is no line to point at. Or in a message (sources.git.messages):
    # "message" (``path`` the commit's sha) or "tag-message" (``path`` the ref name that
    # reaches the tag, or its object's sha when none names it, or the sha of the merge
    # commit that holds a copy of it), ``line`` the line within it; or "header" (another line
    # of a commit's header: encoding, gpgsig, any other), ``path`` the commit's sha, ``line``
    # the line of the commit object as ``git cat-file commit`` prints it.
    found_in: str | None = None
    # Set when the finding's commit is reachable from no branch, tag or HEAD (a history
    # scan): "pull-request" (only from refs/pull/*), "other-ref" (only from other refs or
    # reflogs: the stash, notes) or "unreachable" (dangling); see REACHABILITY.
    reachability: str | None = None
    # Set by `scan --verify` only (byok_ci.verify): whether the provider still accepts the key.
    verified: Verification | None = None

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path, self.line, self.column, self.rule_id, self.fingerprint, self.commit or "")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule_id": self.rule_id,
            "provider": self.provider,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "commit": self.commit,
            "message": self.message,
            "redacted": self.redacted,
            "fingerprint": self.fingerprint,
        }
        if self.commit_info is not None:
            data["commit_info"] = {"author": self.commit_info.author, "date": self.commit_info.date}
        if self.history_only:
            data["history_only"] = True
        for name in ("encoding", "source", "key", "env", "scanned_as", "found_in", "reachability"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.verified is not None:
            data["verified"] = self.verified.status
            if self.verified.reason:
                data["verified_reason"] = self.verified.reason
            if self.verified.detail:
                data["verified_detail"] = self.verified.detail
        return data


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class ScanError:
    """Something the run could not do; the rest of the run still completes.

    ``blocking`` is False for problems the user chose to accept (``--allow-partial-archives``):
    still reported, but they do not change the exit code.
    """

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    blocking: bool = True

    def one_line(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "message": self.message}
        if self.line:
            data["line"] = self.line
        if self.line and self.column:
            data["column"] = self.column
        if not self.blocking:
            data["blocking"] = False
        return data


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class RuleInfo:
    """What a report needs to describe a rule (SARIF rules, help links), for any command."""

    id: str
    provider: str
    description: str
    severity: str = "error"
    help_uri: str = ""
    key_management: str = ""
    # Manifest and drift rules carry their own help and security-severity (rules/_ids.yaml);
    # a scanner rule leaves them empty and reports derive them from the key type.
    help: str = ""
    security_severity: float | None = None


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class DriftProbe:
    """What a drift check probed: one key of an environment, with one kind of request
    (:data:`PROBES`), and what the provider answered (``status``; ``reason`` already
    scrubbed of secrets). ``rule_id`` is its finding's when it failed or was inconclusive."""

    env: str
    key: str
    provider: str
    probe: str
    status: int | None = None
    reason: str = ""
    rule_id: str | None = None

    @property
    def title(self) -> str:
        return PROBE_TITLES[self.probe]


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Check:
    """One check that ran, whatever its outcome: a release checklist counts these.

    ``suite`` groups checks (``manifest/prod``, ``drift/prod``): one JUnit testsuite each,
    and ``name`` is the same in every run whatever the outcome. ``outcome`` is one of
    :data:`OUTCOMES`; a ``failed`` or ``warning`` check carries the first :class:`Finding`
    it produced (every finding is also in ``Report.findings``), an ``error`` check the
    :class:`ScanError` that stopped it (``errors``: every one it stands for, all also in
    ``Report.errors``, which reporters listing both show once), and ``detail`` says in
    words what was checked or why it could not be decided. A drift check also carries what
    it probed (``drift``).
    """

    suite: str
    name: str
    outcome: str
    seconds: float = 0.0
    path: str = ""
    line: int = 0
    finding: Finding | None = None
    detail: str = ""
    error: ScanError | None = None
    errors: tuple[ScanError, ...] = ()
    drift: DriftProbe | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown check outcome {self.outcome!r}")
        if self.error is not None and self.error not in self.errors:
            object.__setattr__(self, "errors", (self.error, *self.errors))
        elif self.error is None and self.errors:
            object.__setattr__(self, "error", self.errors[0])


def check_counts(checks: Iterable[Check]) -> dict[str, int]:
    """How many checks had each outcome, every outcome present (zero if none)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for check in checks:
        counts[check.outcome] += 1
    return counts


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Stats:
    """How much a command read and skipped; :meth:`__add__` sums two parts' counts."""

    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    skipped_binary: int = 0
    skipped_excluded: int = 0
    skipped_other: int = 0
    # Git scans only (None elsewhere, and then left out of reports):
    commits: int | None = None
    skipped_large: int = 0
    skipped_submodules: int = 0
    lfs_pointers: int = 0
    # Findings held back by a baseline / an ignore file / allow_fingerprints; None when
    # none was in use.
    baselined: int | None = None
    ignored: int | None = None
    allowed: int | None = None

    def __add__(self, other: Stats) -> Stats:
        """Both parts' counts (a worker's share of a parallel scan, a job of ``check``): the
        one place counts are summed. A count neither part kept (None) stays None."""
        if not isinstance(other, Stats):
            return NotImplemented
        summed: dict[str, Any] = {}
        for spec in fields(self):
            mine, theirs = getattr(self, spec.name), getattr(other, spec.name)
            summed[spec.name] = None if mine is None and theirs is None else (mine or 0) + (theirs or 0)
        return Stats(**summed)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "skipped_binary": self.skipped_binary,
            "skipped_excluded": self.skipped_excluded,
            "skipped_other": self.skipped_other,
        }
        for name in ("baselined", "ignored", "allowed"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.commits is not None:
            data.update(
                commits=self.commits,
                skipped_large=self.skipped_large,
                skipped_submodules=self.skipped_submodules,
                lfs_pointers=self.lfs_pointers,
            )
        return data


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Report:
    """What one command found, could not do, and how much it read. Read-only: made once,
    with every finding, check and error, and rendered as it is by every reporter."""

    command: str
    # Sequences are kept as tuples, whatever they were given as.
    findings: Sequence[Finding] = ()
    errors: Sequence[ScanError] = ()
    stats: Stats = field(default_factory=Stats)
    # Things the user should know that do not make the run incomplete (an expired ignore entry).
    warnings: Sequence[ScanError] = ()
    rules_count: int = 0
    rules_digest: str = ""
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    checks: Sequence[Check] = ()
    # The absolute directory paths in findings and errors are relative to (byok_ci.paths);
    # "" when unknown. SARIF names it as %SRCROOT%; JSON leaves it out (no absolute paths).
    root: str = ""
    # A sharded scan (byok_ci.shard): which shard ("K/N") and what it scanned (an id of the
    # file tree, or of the commit and refs), so merging can tell shards of one scan apart.
    shard: str = ""
    scanned: str = ""

    def __post_init__(self) -> None:
        # Sequences given as lists (or any iterable) are kept as tuples, the rules read-only.
        for name in ("findings", "errors", "warnings", "checks"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        if not isinstance(self.rules, MappingProxyType):
            object.__setattr__(self, "rules", MappingProxyType(dict(self.rules)))

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def with_errors(self, before: Iterable[ScanError] = (), after: Iterable[ScanError] = ()) -> Report:
        """This report with errors of the run that made it (settings it was given, reports it
        was written to) before and after its own."""
        return replace(self, errors=(*before, *self.errors, *after))

    @property
    def failed(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

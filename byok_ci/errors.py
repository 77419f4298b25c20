"""Every exception byok-ci raises on purpose, in one tree.

    ByokError                     base of everything byok-ci raises on purpose
    ├── ConfigError               a configuration file or setting is malformed (file, line, field)
    ├── RuleError                 a rule file, a probe or the rule metadata is malformed or unsafe
    │   ├── RuleProblem           one rule of a rule file (line, rule id, field); the loader
    │   │                         reports it and keeps the file's other rules
    │   └── ProbeProblem          one provider's drift probe (line); likewise
    ├── InputError                an input cannot be read (path and reason)
    │   ├── GitError              git cannot give what was asked (no repository, bad ref, git failed)
    │   │   └── PlanError         a CI event's commits cannot be made scannable (fetching failed)
    │   ├── MalformedYaml         a YAML file is malformed, too large or names a key twice (line)
    │   ├── NotRegularFile        a path listed as a file is a FIFO or device once opened
    │   ├── ArchiveProblem        an archive or one of its members cannot be (fully) read
    │   │   ├── LimitExceeded     a limit of the top-level archive: nothing more of it is read
    │   │   ├── MemberSkipped     a limit of one member: that member is skipped
    │   │   └── PartlyRead        damage skipped over (a bad tar header): the rest was read
    │   ├── HeaderTooLarge        a tar extended header claims more than it may (while listing)
    │   ├── DetectSecretsError    a detect-secrets baseline cannot be read
    │   ├── BodyRefused           a provider's answer is encoded in a way drift does not decode
    │   ├── ReportUnreadable      a file given as a byok-ci JSON report is not one (revoke-plan)
    │   └── ShardPlanUnusable     a shard plan file cannot be read or is not one (file, line)
    ├── ManifestError             a key manifest (or a workflow) cannot be loaded at all (line, column)
    │   └── SecretRefError        a manifest value is not a usable secret reference
    ├── Unresolved                an infrastructure-code expression that does not resolve statically
    │                             (the reason); the IaC check it blocks is inconclusive
    ├── UsageError                a name given to a command matches nothing (a rule id, an
    │   │                         environment, a key); nothing runs
    │   └── CheckUsageError       `byok-ci check` names an unknown job, value or option
    ├── DriftError                a key cannot be probed at all; the other keys still are
    │   ├── SecretUnavailable     its secret reference cannot be resolved
    │   └── EndpointRefused       its endpoint is not one byok-ci may send a key to
    ├── AdminApiUnavailable       a provider's admin API did not answer what `byok-ci usage`
    │                             asked (unreachable, key refused, permission missing)
    └── WorkerLost                a forked worker process ended with a batch in its hands (killed,
                                  out of memory): the scan names that batch's files as not scanned

Each layer raises these for what it cannot do and the layer above translates them at its
boundary: a source turns an ``InputError`` into a :class:`~byok_ci.model.ScanError` of the
report (the rest of the run goes on), the CLI turns a ``UsageError`` into exit code 2. A
function that checks a single value (a size, a date, a key format, a proxy URL) raises a
plain ``ValueError``, which its caller turns into one of these naming the file and line.

Messages never quote a value that could be a key: they name the file, the line, the rule
id and the field instead. What they do quote (a path, a field name, a revision the user
typed) is redacted when the error is made, so a key in it never reaches a caller that
prints the exception.
"""

from __future__ import annotations

import errno
from typing import Any

from byok_ci.outbound import redact_text


class ByokError(Exception):
    """Base class of byok-ci's own errors."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact_text(a) if isinstance(a, str) else a for a in args))


class ConfigError(ByokError):
    """A configuration file or setting is malformed; ``path`` and ``line`` say where."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        path, reason = redact_text(path), redact_text(reason)
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.reason = path, line, reason


class RuleError(ByokError):
    """A rule file, a single rule, a drift probe or the rule metadata is malformed or unsafe."""


class RuleProblem(RuleError):
    """One rule of a rule file is malformed; the loader reports it and keeps the others."""

    def __init__(self, line: int, rule_id: str, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.line, self.rule_id, self.field_name, self.reason = line, rule_id, field_name, reason


class ProbeProblem(RuleError):
    """One provider's drift probe is malformed; the other providers' probes still load."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


class InputError(ByokError):
    """An input cannot be read."""


class GitError(InputError):
    """Git could not give what was asked: not a repository, an unknown revision, git failed."""


class PlanError(GitError):
    """The CI event's range cannot be scanned; the message says what to do."""


class MalformedYaml(InputError, ValueError):
    """A YAML file is malformed, larger than byok-ci parses, or names a key twice.

    Also a ``ValueError`` (what it was before the exception tree), for callers that catch that.
    """

    def __init__(self, line: int | None, reason: str, prefix: str = "malformed YAML: ") -> None:
        reason = redact_text(reason)
        super().__init__(f"{prefix}{reason}")
        self.line, self.reason = line, reason


class NotRegularFile(InputError, OSError):
    """A path listed as a regular file that is something else once opened (a FIFO or a
    device put in its place after the walk). Also an ``OSError``, as the failed open it reports."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(errno.EINVAL, f"not a regular file ({kind})")


class ArchiveProblem(InputError):
    """An archive (or a member) that cannot be read: corrupt, truncated, encrypted."""

    def __init__(self, path: str, reason: str) -> None:
        path, reason = redact_text(path), redact_text(reason)
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class LimitExceeded(ArchiveProblem):
    """A limit of the whole top-level archive: nothing more of it is read."""


class MemberSkipped(ArchiveProblem):
    """A limit of one member: that member is skipped, the rest of the archive is read."""


class PartlyRead(ArchiveProblem):
    """Damage skipped over (a tar header that does not verify): the rest was read."""


class HeaderTooLarge(InputError):
    """A tar extended header (GNU long name, PAX) claims more bytes than one member's headers
    may take; ``data_start`` is where its data begins."""

    def __init__(self, claimed: int, data_start: int) -> None:
        super().__init__(claimed)
        self.claimed, self.data_start = claimed, data_start


class DetectSecretsError(InputError):
    """A `.secrets.baseline` could not be read; the message names the problem."""


class BodyRefused(InputError):
    """A provider's answer uses an encoding drift does not decode (the message says which,
    never the body)."""


class ReportUnreadable(InputError):
    """A file given as a byok-ci JSON report cannot be read or is not one (``revoke-plan``)."""


class ShardPlanUnusable(InputError):
    """A file given as a history's shard plan (``scan --shard-plan``) cannot be read, is not
    one, or does not match its own id: the message names the file (and line)."""


class ManifestError(ByokError):
    """A key manifest (or a workflow it is checked against) cannot be loaded at all.

    Raised for malformed YAML, an empty file, unsafe tags and alias bombs; problems inside a
    well-formed manifest are check findings instead.
    """

    def __init__(self, path: str, line: int | None, column: int | None, reason: str) -> None:
        path, reason = redact_text(path), redact_text(reason)
        where = f"{path}:{line}:{column}" if line and column else f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.column, self.reason = path, line, column, reason


class SecretRefError(ManifestError, ValueError):
    """A manifest value is not a usable secret reference. The message never quotes the value;
    the manifest loader adds where it is (a schema problem of that key)."""

    def __init__(self, reason: str) -> None:
        reason = redact_text(reason)
        ByokError.__init__(self, reason)
        self.path, self.line, self.column, self.reason = "", None, None, reason


class Unresolved(ByokError):
    """An infrastructure-code expression (``${var.x}``, ``!Sub``, ``{{ .Values.x }}``) that does not
    resolve from what the repository holds; ``str()`` is the reason, redacted."""

    def __init__(self, reason: str) -> None:
        super().__init__(redact_text(reason))


class UsageError(ByokError):
    """A rule id, environment or key name given to a command matches nothing; the message
    says what was meant when something is close. The CLI exits 2 without running."""


class CheckUsageError(UsageError, ValueError):
    """The check configuration names an unknown job or option value."""


class DriftError(ByokError):
    """A key of the manifest cannot be probed; the other keys still are."""


class SecretUnavailable(DriftError):
    """The secret reference could not be resolved (unset variable, missing file, store error)."""


class EndpointRefused(DriftError):
    """The base URL is not HTTPS to an official or allowed host."""


class AdminApiUnavailable(ByokError):
    """A provider's admin API did not answer (unreachable, rate limited, the admin key refused
    or missing a permission): what it would have told is inconclusive. ``reason`` is scrubbed."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = str(self.args[0])
        self.status = status  # the HTTP status that refused, if one did


class WorkerLost(ByokError, RuntimeError):
    """A worker process of :mod:`byok_ci.pipeline.workers` ended with batch ``index`` in its
    hands (``how``: "was killed by SIGKILL (out of memory?)", "ended with status 1"). The
    pool sets ``batch`` (its result is lost) and ``pending`` (the other batches drawn and
    not yet yielded, in order) before the caller sees it."""

    def __init__(self, message: str, index: int, how: str) -> None:
        super().__init__(message)
        self.index = index
        self.how = how
        self.batch: Any = None
        self.pending: list[Any] = []

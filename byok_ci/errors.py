"""Exceptions raised by byok-ci's library API.

    ByokError                 base of everything byok-ci raises on purpose
    ├── ConfigError           a configuration file is malformed (file, line, field)
    ├── RuleError             a rule file or rule is malformed or unsafe (file, rule id, field)
    ├── InputError            an input cannot be read (path and reason)
    │   └── GitError          git cannot give what was asked (no repository, bad ref, git failed)
    ├── ManifestError         a key manifest cannot be loaded at all (file, line, column)
    └── UsageError            a name given to a command matches nothing (a rule id, an environment)

Messages never quote a value that could be a key: they name the file, the line, the rule
id and the field instead. What they do quote (a path, a field name, a revision the user
typed) is redacted when the error is made, so a key in it never reaches a caller that
prints the exception.
"""

from __future__ import annotations

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
    """A rule file or a single rule is malformed or unsafe."""


class InputError(ByokError):
    """An input path cannot be read."""


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


class GitError(InputError):
    """Git could not give what was asked: not a repository, an unknown revision, git failed."""


class UsageError(ByokError):
    """A rule id, environment or key name given to a command matches nothing; the message
    says what was meant when something is close. The CLI exits 2 without running."""

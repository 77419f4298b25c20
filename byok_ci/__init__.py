"""byok-ci: keep bring-your-own AI API keys out of code and artifacts.

The public API is listed in ``__all__``; everything else is private and may change.
"""

from __future__ import annotations

from byok_ci import _startup

_startup.pause_collection()  # the console script's `byok-ci scan`, before any other import

from typing import TYPE_CHECKING, Any  # noqa: E402

from byok_ci import outbound as _outbound  # noqa: E402
from byok_ci._version import __version__  # noqa: E402

__all__ = [
    "__version__",
    "scan_paths",
    "scan_text",
    "scan_git",
    "GitTarget",
    "load_rules",
    "Settings",
    "resolve_settings",
    "Finding",
    "Report",
    "ScanError",
    "RuleSet",
    "Rule",
    "ByokError",
    "ConfigError",
    "RuleError",
    "InputError",
    "GitError",
    "exit_code",
    "Check",
    "check_manifest",
]

# Attributes resolve lazily (PEP 562) so `import byok_ci` stays cheap for the CLI.
_HOMES = {
    "scan_paths": "byok_ci.scan",
    "scan_text": "byok_ci.scan",
    "scan_git": "byok_ci.scan_git",
    "GitTarget": "byok_ci.scan_git",
    "GitError": "byok_ci.errors",
    "load_rules": "byok_ci.rules",
    "RuleSet": "byok_ci.rules",
    "Rule": "byok_ci.rules",
    "Settings": "byok_ci.config",
    "resolve_settings": "byok_ci.config",
    "Finding": "byok_ci.model",
    "Report": "byok_ci.model",
    "ScanError": "byok_ci.model",
    "ByokError": "byok_ci.errors",
    "ConfigError": "byok_ci.errors",
    "RuleError": "byok_ci.errors",
    "InputError": "byok_ci.errors",
    "exit_code": "byok_ci.exitcodes",
    "Check": "byok_ci.model",
    "check_manifest": "byok_ci.manifest",
}

if TYPE_CHECKING:
    from byok_ci.config import Settings, resolve_settings
    from byok_ci.errors import ByokError, ConfigError, GitError, InputError, RuleError
    from byok_ci.exitcodes import exit_code
    from byok_ci.manifest import check_manifest
    from byok_ci.model import Check, Finding, Report, ScanError
    from byok_ci.rules import Rule, RuleSet, load_rules
    from byok_ci.scan import scan_paths, scan_text
    from byok_ci.scan_git import GitTarget, scan_git


def _key_matcher(rules: Any) -> _outbound.Matcher:
    from byok_ci.detect.anywhere import KeyMatcher

    return KeyMatcher(rules)


def _load_shipped_rules() -> object:
    from byok_ci.rules import load_rules

    return load_rules()  # the loader remembers its rules with the redaction step


# The one redaction step (byok_ci.outbound) sits below everything, so that every layer's
# errors are redacted when made; how keys are matched comes from detection, above it.
_outbound.use_key_matching(_key_matcher, _load_shipped_rules)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'byok_ci' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

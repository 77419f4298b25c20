"""The typed, immutable records rules load into: :class:`Rule`, :class:`RuleSet` and what they hold."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from byok_ci._values import by_value
from byok_ci._version import PROJECT_URL
from byok_ci.model import RuleInfo, ScanError
from byok_ci.rules.keygen import Segment

RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Context:
    """Provider context that must occur near a match for prefix-less key formats."""

    pattern: re.Pattern[str]
    before: int = 200
    after: int = 80
    # Words that name the provider in a structural label (an enclosing key, a block header, a
    # sibling name, a host, an import, a trailing comment): see byok_ci.detect.structure.
    names: tuple[str, ...] = ()


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Examples:
    """A rule's sample keys: ones it must find and ones it must not."""

    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Rule:
    """One detection rule, validated and ready to run."""

    id: str
    provider: str
    description: str
    severity: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    format: tuple[Segment, ...]
    prefix: str
    entropy: float | None = None
    require: frozenset[str] = frozenset()
    context: Context | None = None
    allow: tuple[re.Pattern[str], ...] = ()
    # Regexes searched around the match (the context region): a hit marks a known public
    # or sample credential, e.g. Google's deliberately public image-pulling service account.
    allow_context: tuple[re.Pattern[str], ...] = ()
    boundary: bool = True
    priority: int = 0
    max_length: int = 0
    key_management: str = ""
    examples: Examples = Examples()
    source: str = ""

    def info(self) -> RuleInfo:
        # docs/rules.md has a section for the shipped rules only: a rule of your own links nowhere.
        shipped = Path(self.source).parent == default_rules_dir()
        help_uri = rule_help_uri(self.id) if shipped else ""
        return RuleInfo(self.id, self.provider, self.description, self.severity, help_uri, self.key_management)

    @property
    def fixed_chars(self) -> int:
        """How many characters of the format are fixed: more means more specific."""
        return sum(len(seg.literal) for seg in self.format if not seg.charset)


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Provider:
    """The provider a rule file is about, and where its keys are managed."""

    id: str
    name: str
    key_management: str = ""


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class RuleSet:
    """The rules in force, the providers they belong to, and what failed to load."""

    rules: tuple[Rule, ...]
    providers: dict[str, Provider] = field(default_factory=dict)
    errors: tuple[ScanError, ...] = ()
    digest: str = ""

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def without(self, disabled: Iterable[str]) -> RuleSet:
        drop = set(disabled)
        return RuleSet(tuple(r for r in self.rules if r.id not in drop), self.providers, self.errors, self.digest)


def rule_anchor(rule_id: str) -> str:
    """The Markdown heading anchor of a rule's section in docs/rules.md."""
    return rule_id.replace(".", "")


def rule_help_uri(rule_id: str) -> str:
    return f"{RULES_DOC_URL}#{rule_anchor(rule_id)}"


@functools.lru_cache(maxsize=1)
def default_rules_dir() -> Path:
    """The shipped rules: inside the wheel, or the repository's ``rules/`` in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_rules", package.parent / "rules"):
        if candidate.is_dir():
            return candidate
    return package / "_rules"

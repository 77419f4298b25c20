"""The one pipeline every scan runs: source -> detect -> keys in names -> suppress -> Report.

    start    the rules, the suppression and what went wrong setting them up
    detect   (:mod:`byok_ci.pipeline.detection`) findings of a source's chunks
    finish   keys in names (:mod:`byok_ci.pipeline.names`), suppression
             (:mod:`byok_ci.suppress.stage`), paths relative to the report root, and the
             report, built once

:mod:`byok_ci.scan` runs it over files, archives and standard input, :mod:`byok_ci.scan_git`
over staged changes and commits; a new source only has to yield chunks
(:class:`byok_ci.sources.Source`).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci.config import Settings
from byok_ci.detect.anywhere import KeyMatcher
from byok_ci.detect.choose import prefilter_for
from byok_ci.detect.engine import Detector
from byok_ci.model import CommitInfo, Finding, Report, ScanError
from byok_ci.paths import relative_to_root
from byok_ci.pipeline.detection import unique
from byok_ci.pipeline.names import Found, keys_in_names
from byok_ci.rules import RuleSet, load_rules
from byok_ci.sources import Reading
from byok_ci.suppress.stage import Suppression, load_suppression
from byok_ci.vault import KeyVault

if TYPE_CHECKING:
    from byok_ci.sources.git.messages import NameMet


def ruleset_for(settings: Settings) -> RuleSet:
    """The shipped rules plus the settings' extra rule files, minus disabled rules."""
    return load_rules(extra=settings.rule_files, disabled=settings.disable_rules)


@dataclass(eq=False)  # one per scan, never compared: no generated __eq__ at start-up
class Run:
    """One scan under way: its rules, settings, report root and suppression."""

    command: str
    ruleset: RuleSet
    settings: Settings
    root: Path
    suppression: Suppression
    setup_errors: list[ScanError]
    started: float = field(default_factory=time.perf_counter)
    # `scan --verify`: detection holds each reported key here (byok_ci.vault), in this process.
    keys: KeyVault | None = None

    def detector(self, expected_bytes: int) -> Detector:
        """The detector every scan uses: the prefilter that suits the input's size, and the settings."""
        return Detector(
            self.ruleset,
            prefilter=prefilter_for(self.ruleset, expected_bytes),
            suppressed_sha1=self.suppression.sha1_hashes,
            decode_depth=self.settings.max_decode_depth,
            keys=self.keys,
            inline_allow=self.settings.inline_allow,
        )

    def finish(
        self,
        findings: Iterable[Finding],
        reading: Reading,
        *,
        errors: Sequence[ScanError] = (),
        names: Iterable[str] | None = None,
        missing: Collection[str] = (),
        authors: Mapping[str, tuple[str, CommitInfo]] | None = None,
        refs: Mapping[str, str | None] | None = None,
        met: Collection[NameMet] = (),
    ) -> Report:
        """The report of ``findings``: keys in names (``names``, default the paths the
        reading met, ``authors``, ``refs``, ``met``) reported and redacted, what the suppression knows
        held back and counted, every path relative to the report root. ``errors`` come
        after the setup's and before the reading's."""
        found = Found(unique(list(findings)), [*self.setup_errors, *errors, *reading.errors], list(self.settings.notes))
        found = keys_in_names(
            found, lambda: KeyMatcher(self.ruleset.rules), paths=reading.paths if names is None else names, missing=missing,
            authors=authors, refs=refs, met=met,
        )
        kept, held = self.suppression.apply(found.findings, self.root)
        warnings = [*found.warnings, *self.suppression.warnings]
        stats = replace(reading.stats(), baselined=held.baselined, ignored=held.ignored, allowed=held.allowed,
                        seconds=time.perf_counter() - self.started)
        return Report(
            command=self.command,
            findings=sorted(kept, key=Finding.sort_key),
            # Errors about files found by walking up (the config, the ignore file at the git
            # root) name them absolutely; they are shown like every other path.
            errors=[_relative(e, self.root) for e in found.errors],
            stats=stats,
            warnings=[_relative(w, self.root) for w in warnings],
            rules_count=len(self.ruleset.rules),
            rules_digest=self.ruleset.digest,
            rules={rule.id: rule.info() for rule in self.ruleset.rules},
            root=str(self.root),
        )


def start(command: str, settings: Settings, root: Path, rules: RuleSet | None = None,
          keys: KeyVault | None = None) -> Run:
    """A scan of ``settings`` whose paths are relative to ``root`` (the report root, see
    :mod:`byok_ci.paths`): its rules (``rules``, or the settings'), and suppression;
    ``keys``: where detection holds the keys it reports, for ``scan --verify``."""
    started = time.perf_counter()
    ruleset = rules if rules is not None else ruleset_for(settings)
    suppression, errors = load_suppression(settings, root=root)
    return Run(command, ruleset, settings, root, suppression, [*ruleset.errors, *errors], started, keys)


def _relative(error: ScanError, root: Path) -> ScanError:
    shown = relative_to_root(error.path, root)
    return error if shown == error.path else replace(error, path=shown)

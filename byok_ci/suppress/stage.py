"""The suppression stage of a scan: what to hold back, loaded once, applied after detection.

Four kinds of suppression, one stage: ``allow_fingerprints`` of the settings, the ignore
file, byok-ci baselines, and detect-secrets' audited false positives (whose SHA-1 only
detection can take: it marks those findings, and this stage holds them back). Each finding
held back is counted, by kind, for the report's stats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from byok_ci._values import by_value
from byok_ci.config import Settings
from byok_ci.model import Finding, ScanError
from byok_ci.paths import shown_path

if TYPE_CHECKING:
    # Read only when a baseline or an ignore file is given: a pre-commit hook's scan needs
    # neither (nor json).
    from byok_ci.suppress.baseline import Baseline
    from byok_ci.suppress.ignorefile import IgnoreEntry


@dataclass(frozen=True, eq=False)  # never compared: no generated __eq__/__hash__ at start-up
class Held:
    """How many findings each kind of suppression held back; None for a kind not in use."""

    baselined: int | None = None
    ignored: int | None = None
    allowed: int | None = None


@by_value
@dataclass(frozen=True, eq=False, repr=False)
class Suppression:
    """Allowed fingerprints, baselines, ignore entries, and detect-secrets' false positives
    (as SHA-1 hashes, which detection matches)."""

    baselines: tuple[Baseline, ...] = ()
    ignore: dict[str, IgnoreEntry] = field(default_factory=dict)
    expired: dict[str, IgnoreEntry] = field(default_factory=dict)
    sha1_hashes: frozenset[str] = frozenset()
    warnings: tuple[ScanError, ...] = ()
    uses_baseline: bool = False
    uses_ignore_file: bool = False
    allowed: frozenset[str] = frozenset()

    def apply(self, findings: Iterable[Finding], root: Path) -> tuple[list[Finding], Held]:
        """The findings nothing here knows (an expired ignore entry says so in the message),
        and how many each kind held back."""
        kept = []
        allowed = baselined = ignored = 0
        for finding in findings:
            if finding.fingerprint in self.allowed:
                allowed += 1
                continue
            if finding.audited_false_positive or any(b.covers(finding, root) for b in self.baselines):
                baselined += 1
                continue
            if finding.fingerprint in self.ignore:
                ignored += 1
                continue
            old = self.expired.get(finding.fingerprint)
            if old is not None:
                finding = replace(
                    finding, message=f"{finding.message} (its ignore entry at {old.where()} expired on {old.expires})"
                )
            kept.append(finding)
        return kept, Held(
            baselined if self.uses_baseline else None,
            ignored if self.uses_ignore_file else None,
            allowed if self.allowed else None,
        )


def load_suppression(
    settings: Settings, today: dt.date | None = None, root: Path | None = None
) -> tuple[Suppression, list[ScanError]]:
    """Read the settings' allowed fingerprints, baselines and ignore file. Bad entries are
    errors; the rest still apply.

    Messages name the ignore file relative to ``root`` (the report root) when inside it.
    """
    today = today or dt.datetime.now(dt.timezone.utc).date()
    errors: list[ScanError] = []
    baselines: list[Baseline] = []
    hashes: set[str] = set()
    for path in settings.baselines:
        baseline, sha1s, problems = _read_any_baseline(path)
        errors.extend(problems)
        if baseline is not None:
            baselines.append(baseline)
        hashes |= sha1s
    active: dict[str, IgnoreEntry] = {}
    expired: dict[str, IgnoreEntry] = {}
    warnings: list[ScanError] = []
    if settings.ignore_file is not None:
        from byok_ci.suppress.ignorefile import read_ignore_file

        shown = shown_path(settings.ignore_file, root) if root is not None else None
        entries, problems = read_ignore_file(settings.ignore_file, shown)
        errors.extend(problems)
        for entry in entries:
            if entry.expired(today):
                expired.setdefault(entry.fingerprint, entry)
                warnings.append(
                    ScanError(entry.path, f"ignore entry for {entry.fingerprint} expired on {entry.expires}; "
                              "it no longer suppresses (renew or remove it)", entry.line)
                )
            else:
                active.setdefault(entry.fingerprint, entry)
    for fp in active:
        expired.pop(fp, None)  # a renewed entry further down wins over an expired one
    suppression = Suppression(
        baselines=tuple(baselines),
        ignore=active,
        expired=expired,
        sha1_hashes=frozenset(hashes),
        warnings=tuple(warnings),
        uses_baseline=bool(settings.baselines),
        uses_ignore_file=settings.ignore_file is not None,
        allowed=frozenset(settings.allow_fingerprints),
    )
    return suppression, errors


def _read_any_baseline(path: Path) -> tuple[Baseline | None, frozenset[str], list[ScanError]]:
    """A byok-ci baseline, or detect-secrets' `.secrets.baseline` (its audited false positives)."""
    import json

    from byok_ci.suppress.baseline import is_byok_baseline, not_found, parse_baseline

    shown = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, frozenset(), [not_found(path)]
    except OSError as exc:
        return None, frozenset(), [ScanError(shown, f"cannot read baseline: {(exc.strerror or str(exc)).lower()}")]
    except UnicodeDecodeError:
        return None, frozenset(), [ScanError(shown, "malformed baseline JSON: not UTF-8")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, frozenset(), [ScanError(shown, f"malformed baseline JSON: {exc.msg}", exc.lineno)]
    except RecursionError:
        return None, frozenset(), [ScanError(shown, "malformed baseline JSON: nested too deeply")]
    if isinstance(data, dict) and "results" in data and not is_byok_baseline(data):
        from byok_ci._detect_secrets import DetectSecretsError, false_positive_hashes

        try:
            return None, false_positive_hashes(path), []
        except DetectSecretsError as exc:
            return None, frozenset(), [ScanError(shown, str(exc))]
    baseline, errors = parse_baseline(data, text, path)
    return baseline, frozenset(), errors

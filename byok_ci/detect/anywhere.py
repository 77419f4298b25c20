"""Keys in text byok-ci shows rather than scans: names, messages, whole reports.

Content detection (:mod:`byok_ci.detect.engine`) decides whether a match is a leak worth a
finding, so boundaries, entropy, placeholders and provider context all count. Text on its
way out gets a stricter test. A rule whose every match holds fixed text (its keywords, or
a prefix its pattern starts with: ``sk-proj-``, ``T3BlbkFJ``, ``gsk_``) matches anywhere,
glued to a word or not (``backup_gsk_….env``), without context. A rule with no such text
keeps its context requirement: a bare 40-hex string is a commit sha as often as a key.
Documented fake keys (fixture markers) are left alone, so `byok-ci rules fixture` still
prints one.

A key found in a file name, a commit's author or committer, a tag's tagger or a ref name is also a finding of its own
(:meth:`KeyMatcher.findings_in_name`): the name is in the repository for anyone to read.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from byok_ci.detect.engine import Detector
from byok_ci.model import CommitInfo, Finding, fingerprint, redact
from byok_ci.rules.fixtures import is_fixture
from byok_ci.rules.model import Rule, RuleSet
from byok_ci.rules.redos import literal_prefix

# Shorter fixed text ("a-") says too little about the text around it to be an anchor.
MIN_ANCHOR = 3
# A trailing "not followed by a key character" check keeps content matches whole; in a
# name the key is often followed by more of the name (`<key>_old.env`), so it is dropped.
_TRAILING_LOOKAHEAD = re.compile(r"\(\?![^()]*\)\Z")
# Where a name finding was found: Finding.found_in, and how messages say it.
NAME_KINDS = {"path": "a file or directory name", "author": "a commit author", "ref": "a git ref name",
              "committer": "a commit's committer", "tagger": "a tag's tagger"}


@dataclass(frozen=True, eq=False)  # never compared: no generated __eq__/__hash__ to compile at start-up
class KeyMatch:
    """A key found in text byok-ci shows: its rule, where it is, and (never shown) its value."""

    rule: Rule
    start: int
    end: int
    secret: str = field(repr=False)


@dataclass(eq=False, repr=False)  # never compared nor shown: fewer generated methods at start-up
class _Anchored:
    """A rule with fixed text in every match, and that rule's pattern for names (compiled once)."""

    rule: Rule
    anchors: tuple[str, ...]
    _loose: re.Pattern[str] | None = None

    def loose(self) -> re.Pattern[str]:
        if self._loose is None:
            source = self.rule.pattern.pattern
            trimmed = _TRAILING_LOOKAHEAD.sub("", source)
            self._loose = self.rule.pattern if trimmed == source else re.compile(trimmed, self.rule.pattern.flags)
        return self._loose


def anchors_of(rule: Rule) -> tuple[str, ...]:
    """Fixed text every match of ``rule`` holds, or () when it has none to rely on."""
    if rule.context is None:
        # Without context a keyword lies inside every match (the prefilter relies on it).
        anchors = rule.keywords
    else:
        prefix = literal_prefix(rule.pattern.pattern)
        anchors = (prefix,) if prefix else ()
    return anchors if anchors and all(len(a) >= MIN_ANCHOR for a in anchors) else ()


class KeyMatcher:
    """Finds keys in any text byok-ci is about to show, and redacts them."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._anchored: list[_Anchored] = []
        contextual: list[Rule] = []
        for rule in rules:
            anchors = anchors_of(rule)
            if anchors:
                self._anchored.append(_Anchored(rule, anchors))
            else:
                contextual.append(rule)
        self._contextual = Detector(RuleSet(tuple(contextual)), decode_depth=0) if contextual else None

    def _all(self, text: str, keep: Collection[str]) -> list[KeyMatch]:
        found: list[KeyMatch] = []
        for anchored in self._anchored:
            if not any(anchor in text for anchor in anchored.anchors):
                continue
            rule = anchored.rule
            group = "secret" if "secret" in rule.pattern.groupindex else 0
            pattern, at = anchored.loose(), 0
            # Overlapping matches too: a key glued to the next one (`<key><key>`) is matched
            # from its own start, though the first match ran into it.
            while (match := pattern.search(text, at)) is not None:
                start, end = match.span(group)
                secret = match.group(group)
                if start < end and not is_fixture(rule, secret) and secret not in keep:
                    found.append(KeyMatch(rule, start, end, secret))
                at = match.start() + 1
        if self._contextual is not None:
            found += [KeyMatch(*span) for span in self._contextual.key_spans(text) if span[3] not in keep]
        return found

    def keys(self, text: str, keep: Collection[str] = ()) -> list[KeyMatch]:
        """The keys in ``text`` in order; where matches overlap, the longest one."""
        kept: list[KeyMatch] = []
        for match in sorted(self._all(text, keep), key=lambda m: (m.start, -m.end)):
            if kept and match.start < kept[-1].end:
                if match.end - match.start > kept[-1].end - kept[-1].start:
                    kept[-1] = match
                continue
            kept.append(match)
        return kept

    def redact(self, text: str, keep: Collection[str] = ()) -> str:
        """``text`` with every key replaced by its redacted form; ``keep`` is never touched."""
        matches = sorted(self._all(text, keep), key=lambda m: (m.start, -m.end))
        if not matches:
            return text
        # Overlapping matches are redacted as one span: redacting only one of two partly
        # overlapping keys would leave the other's tail in the clear.
        spans: list[tuple[int, int, KeyMatch]] = []
        for match in matches:
            if spans and match.start < spans[-1][1]:
                start, end, first = spans[-1]
                spans[-1] = (start, max(end, match.end), first)
            else:
                spans.append((match.start, match.end, match))
        out, at = [], 0
        for start, end, first in spans:
            whole = first.secret if end == first.end and start == first.start else text[start:end]
            out += [text[at:start], redact(whole, first.rule.prefix)]
            at = end
        out.append(text[at:])
        return "".join(out)

    def findings_in_name(
        self, name: str, found_in: str, *, commit: str | None = None, commit_info: CommitInfo | None = None,
        of: str | None = None, start: int = 0,
    ) -> list[Finding]:
        """A finding for each key in ``name`` from ``start`` on (``found_in``: a key of
        NAME_KINDS), at the redacted name; for a path, the name up to the end of the part
        holding the key, so a key in a directory name is one finding, not one per file below
        it. ``of`` (shown in the message) says which object holds the name."""
        findings = []
        where = NAME_KINDS[found_in] + (f" ({of})" if of else "")
        for key in self.keys(name):
            if key.start < start:
                continue
            rule = key.rule
            end = len(name)
            if found_in == "path":
                ends = [i for i in (name.find("/", key.end), name.find("!", key.end)) if i >= 0]
                end = min(ends, default=end)
            revoke = f"revoke and rotate it: {rule.key_management}" if rule.key_management else "revoke and rotate it"
            findings.append(Finding(
                rule_id=rule.id,
                provider=rule.provider,
                severity=rule.severity,
                path=self.redact(name[:end]),
                line=0,
                column=0,
                message=f"{rule.description} in {where}; {revoke}",
                redacted=redact(key.secret, rule.prefix),
                fingerprint=fingerprint(key.secret),
                commit=commit,
                commit_info=commit_info,
                found_in=found_in,
            ))
        return findings

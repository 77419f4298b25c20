"""Run compiled rules over chunks of text and yield redacted findings."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from byok_ci._offsets import cr_line_ends_as_lf
from byok_ci.detect import filters
from byok_ci.detect.prefilter import KeywordPrefilter, Prefilter
from byok_ci.detect.words import any_of, squashed, words
from byok_ci.model import Chunk, Finding, fingerprint, redact
from byok_ci.rules.fixtures import is_fixture
from byok_ci.rules.model import Rule, RuleSet
from byok_ci.rules.strength import body_of, fails_strength, is_placeholder
from byok_ci.vault import KeyVault

if TYPE_CHECKING:
    from byok_ci.detect import structure

# Imported when first needed (encoded text, a rule with context): a hook's few files rarely
# need either. byok_ci.detect.encoded.DEFAULT_DEPTH is the same.
DEFAULT_DECODE_DEPTH = 2
# What the decoder needs to find anything: a run of base64 characters as long as the
# shortest it decodes, or a percent escape (the Hyperscan prefilter says this itself).
_MAY_ENCODE = re.compile(r"[A-Za-z0-9+/]{27}|%[0-9A-Fa-f]{2}")


@dataclass(frozen=True, eq=False, repr=False)
class _Candidate:
    """A match that passed the rule's checks. Never compared (overlaps are resolved by position and
    strength) nor shown: no generated __eq__/__hash__/__repr__ for start-up to compile, and the
    default repr keeps the raw secret it holds out of any traceback or log."""

    rule: Rule
    start: int  # of the secret
    end: int
    match_start: int
    match_end: int
    context_matched: bool
    secret: str
    audited_false_positive: bool = False

    def strength(self) -> tuple[int, int, int, int]:
        rule = self.rule
        return (rule.fixed_chars, int(self.context_matched), rule.priority, self.end - self.start)


def _message(rule: Rule) -> str:
    where = f"; revoke and rotate it: {rule.key_management}" if rule.key_management else "; revoke and rotate it"
    return f"{rule.description} in plain text{where}"


class Detector:
    """Finds keys in text. Stateless after construction, so it can be shared or pickled."""

    def __init__(
        self,
        ruleset: RuleSet,
        prefilter: Prefilter | None = None,
        suppressed_sha1: Iterable[str] = (),
        decode_depth: int = DEFAULT_DECODE_DEPTH,
        keys: KeyVault | None = None,
        inline_allow: bool = True,
    ) -> None:
        self.rules = ruleset.rules
        self.inline_allow = inline_allow
        self.prefilter = prefilter if prefilter is not None else KeywordPrefilter(self.rules)
        self._survey = getattr(self.prefilter, "survey", None)  # looked up once: detect runs a file
        # detect-secrets' hashed secrets (SHA-1 of the value) of audited false positives:
        # only this package sees the value, so the hash is taken here. Such findings are
        # marked, not dropped: the suppression stage holds them back and counts them.
        self.suppressed_sha1 = frozenset(suppressed_sha1)
        self.decode_depth = decode_depth
        self._reach: tuple[int, int] | None = None
        # Context rules by the provider names their context reads: a file whose path names
        # one (``~/.ngc/config``) has no keyword in its text for the prefilter to find.
        self._by_name: dict[str, list[int]] = {}
        for index, rule in enumerate(self.rules):
            for name in rule.context.names if rule.context else ():
                self._by_name.setdefault(name, []).append(index)
        # The provider names in each path component seen, and the rules each directory's
        # label names: directories and common file names repeat, so most files cost two
        # lookups (caches, bounded, of derived data only).
        self._names_in_part: dict[str, tuple[int, ...]] = {}
        # Whether a rule's candidate is too weak to be a key (placeholder, fixture, strength):
        # a pure function of the rule and the value, asked again for every version of a file
        # a history scan sees (a coverage report's hashes, thousands of times each).
        self._weak: dict[tuple[str, str], bool] = {}
        # Every word of a label, and every run of adjacent words joined, is a piece of the
        # label with all but ASCII letters and digits taken out: a label in which no name
        # occurs so (most file names) is not split into words at all.
        self._any_name = any_of(list(self._by_name))
        self._named_in_dir: dict[str, list[int]] = {}
        # `scan --verify` only: each reported key, held in memory by fingerprint (byok_ci.vault).
        self.keys = keys

    def detect(self, chunk: Chunk) -> list[Finding]:
        if "\r" in chunk.text:  # most texts have none: no call for them
            text = cr_line_ends_as_lf(chunk.text)
            if text is not chunk.text:
                chunk = replace(chunk, text=text, data=None)
        survey = self._survey
        # The decoding pass runs only where an encoded key can be (Hyperscan says), or always.
        named = self._named_by_path(chunk.path)
        if survey is not None:
            # Rules the path names are kept by the survey only where their shape occurs.
            spans, may_encode = survey(chunk.text, chunk.data, named)
            named = set()
        else:
            spans, may_encode = self.prefilter.spans(chunk.text), None
        # Most texts of a tree: nothing fired, nothing named (no call made for them).
        candidates = self._resolved(chunk.text, chunk.path, spans, named) if spans or named else None
        found = self._findings(chunk, candidates) if candidates else []
        if self.decode_depth > 0 and (may_encode or (may_encode is None and _MAY_ENCODE.search(chunk.text))):
            from byok_ci.detect import encoded

            if self._reach is None:
                self._reach = encoded.reach(self.rules)
            found += encoded.findings(chunk, self._detect_plain, self.decode_depth, self._reach, found)
        return found

    def before_fork(self) -> None:
        """Make now what every forked worker would make for itself (the provider names' trie)."""
        self._any_name.compile()

    def screen(self) -> Callable[[bytes, str], bool] | None:
        """A test of a file's raw bytes at a path, before any text is made of them: False only
        when :meth:`detect` cannot find anything in a chunk of that path whose text's UTF-8
        bytes lie within them (None: the prefilter cannot tell, every chunk is detected)."""
        may_find = getattr(self.prefilter, "may_find", None)
        if may_find is None:
            return None

        def worth_detecting(data: bytes, path: str) -> bool:
            # Text decoded from other bytes (invalid UTF-8) is not what the screen would scan.
            return not data.isascii() or bool(may_find(data, lambda: self._named_by_path(path)))

        return worth_detecting

    def triage(self) -> Callable[[bytes, str, bool], tuple[bool, Collection[int], Collection[int]]] | None:
        """:meth:`screen`'s test, with the rules with context whose key shape the bytes hold
        and those one of whose keywords they hold (from the same pass): a git scan reads
        the whole file where there are shapes (:mod:`byok_ci.sources.git.blobs`). None when
        the prefilter cannot tell."""
        shapes = getattr(self.prefilter, "shapes", None)
        if shapes is None:
            return None

        # The rules each path names, by path: a history's patches come back to the same
        # files again and again (bounded; derived data only, never changed by shapes).
        named_of: dict[str, set[int]] = {}

        def named(path: str) -> set[int]:
            found = named_of.get(path)
            if found is None:
                if len(named_of) > 65536:
                    named_of.clear()
                found = named_of[path] = self._named_by_path(path)
            return found

        def triaged(data: bytes, path: str, all_shapes: bool = True) -> tuple[bool, Collection[int], Collection[int]]:
            # all_shapes False: shapes only as far as the screen needs them (a new file's
            # patch, never read whole again, needs no list of them).
            worth, shaped, worded = shapes(data, lambda: named(path), all_shapes)
            return worth or not data.isascii(), shaped, worded

        return triaged

    def wants_context(self, text: str, path: str = "", rules: Collection[int] | None = None) -> bool:
        """Whether ``text`` (lines a commit added) holds a match of a rule with context
        (of ``rules``, or any) that passes every check of detection but its context: only
        the rest of the file can say whether it is a key (history).

        Every check made here sees what it sees in the whole file (the match, its line,
        the name it is assigned to, the lines before it on the added run), so a match
        rejected here is rejected in the whole file too; one whose context ``text`` gives
        is found in ``text`` itself. A shape only decoding gives (a key in base64) says yes."""
        shape = None
        for index in range(len(self.rules)) if rules is None else rules:
            rule = self.rules[index]
            if rule.context is None:
                continue
            for match in rule.pattern.finditer(text):
                if shape is None:
                    from byok_ci.detect import structure

                    shape = structure.Structure(text, path)
                candidate = self._check(rule, text, match, shape, probe=True)
                if candidate is not None and not candidate.context_matched:
                    return True
        return self.decode_depth > 0 and self._shaped_decoded(text, rules, self.decode_depth)

    def _shaped_decoded(self, text: str, rules: Collection[int] | None, depth: int) -> bool:
        """Whether the text the decoder makes of ``text`` (``depth`` deep, as :meth:`detect`
        decodes) holds the shape of a rule with context: a key in base64 has its shape only
        decoded, and its checks are made on the decoded text, so the whole file is read (as
        the Hyperscan screen reads it)."""
        if not _MAY_ENCODE.search(text):
            return False
        from byok_ci.detect import encoded

        chosen = [self.rules[i] for i in (range(len(self.rules)) if rules is None else rules)]
        patterns = [rule.pattern for rule in chosen if rule.context is not None]
        for *_, decoded in encoded.segments(text):
            if any(pattern.search(decoded) for pattern in patterns) or (
                    depth > 1 and self._shaped_decoded(decoded, rules, depth - 1)):
                return True
        return False

    def named_by(self, path: str) -> set[int]:
        """The rules with context whose provider ``path`` names (detection then reads them
        in the whole text, keyword or not)."""
        return self._named_by_path(path)

    def may_confirm(self, data: bytes, path: str, rules: Collection[int] | None = None) -> bool:
        """Whether detection of a text whose UTF-8 bytes are ``data``, at ``path``, can confirm a
        key of one of ``rules`` (rules with context; None: any): one of their keywords occurs
        in it, or the path names their provider. :meth:`detect` looks for a rule with context
        nowhere else (its prefilter's spans lie around keywords, or the whole text for a
        provider the path names), so a file ruled out here holds no key of theirs."""
        wanted = set(range(len(self.rules))) if rules is None else set(rules)
        if wanted & self._named_by_path(path):
            return True
        keywords_in = getattr(self.prefilter, "keywords_in", None)
        if keywords_in is not None:
            return bool(wanted & keywords_in(data))
        return any(data.find(keyword.encode()) >= 0 for index in wanted if self.rules[index].context is not None
                   for keyword in self.rules[index].keywords)

    def _detect_plain(self, chunk: Chunk) -> list[Finding]:
        candidates = self._resolved(chunk.text, chunk.path)
        return self._findings(chunk, candidates) if candidates else []

    def _resolved(
        self, text: str, path: str = "", spans: dict[int, list[tuple[int, int]]] | None = None,
        named: set[int] | None = None,
    ) -> list[_Candidate]:
        """``named``: the rules ``path`` names that ``spans`` does not already account for
        (default: every one)."""
        candidates: list[_Candidate] = []
        shape = None  # parsed only around candidates that need context
        if spans is None:
            spans = self.prefilter.spans(text)
        if named is None:
            named = self._named_by_path(path)
        if named:
            spans = {**spans, **{index: [(0, len(text))] for index in named}}
        for index, rule_spans in spans.items():
            rule = self.rules[index]
            if rule.context is not None and shape is None:
                from byok_ci.detect import structure

                shape = structure.Structure(text, path)
            candidates.extend(self._candidates(rule, text, rule_spans, shape))
        return _resolve_overlaps(candidates) if candidates else []

    def _named_by_path(self, path: str) -> set[int]:
        """The context rules whose provider the file's path names (its label's parts:
        :func:`~byok_ci.detect.words.path_label`)."""
        if not path or not self._by_name:
            return set()
        # The label is the last two directories and the name; what the directories name is
        # worked out once per directory, in the order it is added (a set's order is that of
        # its insertions, and the order of the rules breaks ties between equal matches).
        head, _, name = path.replace("\\", "/").replace("!", "/").rpartition("/")
        in_head = self._named_in_dir.get(head)
        if in_head is None:
            if len(self._named_in_dir) > 4096:
                self._named_in_dir.clear()
            in_head = self._named_in_dir[head] = [
                index for part in head.rsplit("/", 2)[-2:] if part for index in self._named_in(part)
            ]
        in_name = self._named_in(name) if name else ()
        if not in_head and not in_name:
            return set()  # most paths
        named = set(in_head)
        named.update(in_name)
        return named

    def _named_in(self, part: str) -> tuple[int, ...]:
        """The context rules a path component names, in the order their names come."""
        cache = self._names_in_part
        indexes = cache.get(part)
        if indexes is None:
            if len(cache) > 4096:
                cache.clear()
            if not self._any_name.found_in(squashed(part)):
                indexes = cache[part] = ()
            else:
                names = frozenset(w for w in words(part) if w in self._by_name)
                indexes = cache[part] = tuple(index for name in names for index in self._by_name[name])
        return indexes

    def redact_text(self, text: str) -> str:
        """``text`` with every key-like match replaced by its redacted form.

        For text byok-ci did not write but must show (a provider's error body, an HTTP
        library's message): the raw match never leaves this module.
        """
        for rule, start, end, secret in sorted(self.key_spans(text), key=lambda k: k[1], reverse=True):
            text = text[:start] + redact(secret, rule.prefix) + text[end:]
        return text

    def key_spans(self, text: str) -> list[tuple[Rule, int, int, str]]:
        """Every key in ``text`` as (rule, start, end, secret), overlaps resolved: for
        :mod:`byok_ci.detect.anywhere`, which redacts and reports keys in names."""
        return [(c.rule, c.start, c.end, c.secret) for c in self._resolved(text)]

    def _candidates(
        self, rule: Rule, text: str, spans: list[tuple[int, int]], shape: structure.Structure | None
    ) -> list[_Candidate]:
        out: list[_Candidate] = []
        seen: set[int] = set()
        pattern = rule.pattern
        size = len(text)
        for span_start, span_end in spans:
            for match in pattern.finditer(text, span_start, span_end):
                if match.end() == span_end and span_end < size:
                    # The span may have cut the match short: take the full-text match here.
                    full = pattern.match(text, match.start())
                    if full is None:
                        continue
                    match = full
                if match.start() in seen:
                    continue
                seen.add(match.start())
                candidate = self._check(rule, text, match, shape)
                if candidate is not None:
                    out.append(candidate)
        return out

    def _check(self, rule: Rule, text: str, match, shape: structure.Structure | None,  # type: ignore[no-untyped-def]
               probe: bool = False) -> _Candidate | None:
        """The candidate ``match`` makes, or None. With ``probe`` (:meth:`wants_context`), a
        candidate of a rule with context whose context ``text`` does not give (or whose
        name only the rest of the file can give) is returned unconfirmed instead
        (``context_matched`` False)."""
        group = "secret" if "secret" in rule.pattern.groupindex else 0
        start, end = match.span(group)
        if start < 0:
            return None
        secret = match.group(group)
        if rule.boundary and not filters.has_boundaries(text, match.start(), match.end()):
            return None
        if any(allow.search(secret) for allow in rule.allow):
            return None
        weak = self._weak.get((rule.id, secret))
        if weak is None:
            if len(self._weak) > 4096:
                self._weak.clear()
            body = body_of(rule, secret)
            weak = self._weak[rule.id, secret] = (
                is_placeholder(body) or is_fixture(rule, secret) or fails_strength(rule, body)
            )
        if weak:
            return None
        if filters.is_env_reference(text, match.start()):
            return None
        context_matched = unconfirmed = False
        if rule.context is not None:
            from byok_ci.detect import structure

            assert shape is not None
            ctx = rule.context
            around = shape.around(match.start(), match.end())
            name = around.name
            if name is not None and (
                structure.names_no_secret(name) or not around.credential_like(ctx.pattern, ctx.names, secret)
            ):
                # `DEPLOY_REV=<sha>`, `DEEPGRAM_MODEL_MD5=` name their own value: provider
                # context elsewhere is not about it.
                if not (probe and around.slotted):  # a slot's name may come from lines not at hand
                    return None
                unconfirmed = True
            if structure.inside_jwt(text, match.start(), match.end()):
                return None
            # Context in the text before the key; after it on its line, or for a value named
            # as a credential on the following lines up to the next line that names a value
            # of its own (a provider named there belongs to that value, e.g. a git SHA above
            # DEEPGRAM_API_KEY=); failing that, in the structure around the key.
            named = name is not None and around.credential_like(ctx.pattern, ctx.names, secret)
            after_start, after_end = structure.after_context(text, match.end(), ctx.after, named)
            if unconfirmed or not (
                ctx.pattern.search(text, max(0, match.start() - ctx.before), match.start())
                or ctx.pattern.search(text, after_start, after_end)
                or (around.credential_like(ctx.pattern, ctx.names, secret) and around.names_provider(ctx.names, ctx.pattern))
            ):
                if not probe:
                    return None
                unconfirmed = True
            context_matched = not unconfirmed
        if rule.allow_context:
            before, after = (rule.context.before, rule.context.after) if rule.context else (200, 200)
            region_start, region_end = max(0, match.start() - before), match.end() + after
            if any(allow.search(text, region_start, region_end) for allow in rule.allow_context):
                return None
        if self.inline_allow and filters.is_suppressed_inline(text, start, end):
            return None
        # Kept and marked rather than dropped, so the suppression stage can count it.
        audited = bool(self.suppressed_sha1) and filters.sha1_of(secret) in self.suppressed_sha1
        return _Candidate(rule, start, end, match.start(), match.end(), context_matched, secret, audited)

    def _findings(self, chunk: Chunk, candidates: list[_Candidate]) -> list[Finding]:
        text = chunk.text
        findings = []
        line, line_start, scanned_to = 1, 0, 0
        for cand in sorted(candidates, key=lambda c: c.start):
            newlines = text.count("\n", scanned_to, cand.start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", scanned_to, cand.start) + 1
            scanned_to = cand.start
            if self.keys is not None:
                self.keys.put(cand.rule.id, cand.secret)
            findings.append(
                Finding(
                    rule_id=cand.rule.id,
                    provider=cand.rule.provider,
                    severity=cand.rule.severity,
                    path=chunk.path,
                    line=line + chunk.line_offset,
                    column=cand.start - line_start + 1,
                    message=_message(cand.rule),
                    redacted=redact(cand.secret, cand.rule.prefix),
                    fingerprint=fingerprint(cand.secret),
                    commit=chunk.commit,
                    commit_info=chunk.commit_info,
                    scanned_as=chunk.scanned_as,
                    audited_false_positive=cand.audited_false_positive,
                )
            )
        return findings


def _resolve_overlaps(candidates: list[_Candidate]) -> list[_Candidate]:
    """Report text that several rules match once, under the most specific rule."""
    candidates.sort(key=lambda c: (c.match_start, -c.match_end))
    kept: list[_Candidate] = []
    for cand in candidates:
        if kept and cand.match_start < kept[-1].match_end:
            if cand.strength() > kept[-1].strength():
                kept[-1] = cand
            continue
        kept.append(cand)
    return kept

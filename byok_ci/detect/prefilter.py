"""Which rules can match a text, and where: the swappable first stage of detection.

A prefilter answers, for a text, the spans each rule's regex must search. Any prefilter
that returns spans covering every place a rule's keyword occurs (widened by the rule's
reach) gives the same findings; a faster one can replace :class:`KeywordPrefilter`
without changing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from byok_ci.rules.model import Rule

Spans = list[tuple[int, int]]


class Prefilter(Protocol):
    def spans(self, text: str) -> dict[int, Spans]:
        """Map rule index → merged, sorted (start, end) spans of ``text`` to search."""
        ...


def reach(rule: Rule) -> tuple[int, int]:
    """How far before and after a keyword hit a match of ``rule`` can lie.

    Without context the keyword lies inside the match. With context the keyword lies in
    the context region, which reaches ``context.before`` before the match and
    ``context.after`` after it, or in the structure around it (an enclosing key, a sibling
    label), which :mod:`byok_ci.detect.structure` reads within a fixed budget.
    """
    if rule.context is None:
        return rule.max_length, rule.max_length
    from byok_ci.detect.structure import CHARS_AFTER, CHARS_BEFORE

    after = max(rule.context.after, CHARS_AFTER)
    before = max(rule.context.before, CHARS_BEFORE)
    return after + rule.max_length, before + rule.max_length


def merge(spans: Spans) -> Spans:
    spans.sort()
    merged: Spans = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _windows(text: str, keyword: str, pos: int, before: int, after: int) -> Spans:
    """The windows (start - ``before``, start + ``after``) around every occurrence of
    ``keyword`` in ``text`` from ``pos`` (its first), clipped to the text, merged as
    :func:`merge` merges them. A provider named a thousand times in a long document is not
    looked up a thousand times: from each occurrence the search jumps to the farthest one
    whose window still touches its window (those between add nothing to the merged span)."""
    size, length = len(text), len(keyword)
    out: Spans = []
    while pos >= 0:
        start = max(0, pos - before)
        while (farther := text.rfind(keyword, pos + 1, pos + before + after + length)) >= 0:
            pos = farther
        out.append((start, min(size, pos + after)))
        pos = text.find(keyword, pos + 1)
    return out


class KeywordPrefilter:
    """Plain ``str.find`` for each distinct keyword: no dependencies, no build cost.

    A rule with context fires only when its pattern matches somewhere in the text too
    (``check_shapes``): a provider word alone ("fal" in "False") does not make a file worth
    its rule's context search, and a pattern with no match anywhere has none in a span.
    The Hyperscan prefilter has checked that already and turns it off."""

    def __init__(self, rules: Sequence[Rule], check_shapes: bool = True) -> None:
        self._check_shapes = check_shapes
        self._by_keyword: dict[str, list[int]] = {}
        for index, rule in enumerate(rules):
            for keyword in rule.keywords:
                self._by_keyword.setdefault(keyword, []).append(index)
        self._rules = rules
        self._rule_keywords = [frozenset(rule.keywords) for rule in rules]
        self._only: dict[frozenset[int], list[tuple[str, list[int]]]] = {}
        # Taken for the rules whose keywords a text holds: a rule with context needs the
        # structure module's budget, which a small scan need not import.
        self._reach: dict[int, tuple[int, int]] = {}

    def spans(self, text: str, only: set[int] | None = None) -> dict[int, Spans]:
        """Spans for every rule whose keyword occurs (restricted to ``only`` if given)."""
        found: dict[int, Spans] = {}
        shaped: dict[int, bool] = {}
        for keyword, rule_indexes in (self._by_keyword.items() if only is None else self._keywords_of(only)):
            first = text.find(keyword)
            if first < 0:
                continue
            length = len(keyword)
            for index in rule_indexes:
                if self._check_shapes:
                    if index not in shaped:
                        shaped[index] = self._has_shape(index, text)
                    if not shaped[index]:
                        continue
                if index not in self._reach:
                    self._reach[index] = reach(self._rules[index])
                before, after = self._reach[index]
                found.setdefault(index, []).extend(_windows(text, keyword, first, before, after + length))
        return {index: merge(spans) for index, spans in found.items()}

    def _keywords_of(self, only: set[int]) -> list[tuple[str, list[int]]]:
        """The keywords of the rules ``only`` and which of those rules each is for, in the
        order of every keyword (the order of the spans' rules, which breaks ties between
        rules, does not depend on ``only``). Few sets of rules fire: each is worked out once."""
        key = frozenset(only)
        pairs = self._only.get(key)
        if pairs is None:
            keywords = {keyword for index in key for keyword in self._rule_keywords[index]}
            pairs = [(keyword, [i for i in indexes if i in key])
                     for keyword, indexes in self._by_keyword.items() if keyword in keywords]
            if len(self._only) > 1024:
                self._only.clear()
            self._only[key] = pairs
        return pairs

    def keywords_of(self, index: int) -> frozenset[str]:
        return self._rule_keywords[index]

    def _has_shape(self, index: int, text: str) -> bool:
        rule = self._rules[index]
        return rule.context is None or rule.pattern.search(text) is not None

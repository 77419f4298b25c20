"""Which rules with context a patch's added bytes name by a keyword, where the screen did
not say (no Hyperscan): for :meth:`byok_ci.sources.git.blobs.ContextReader.context_added`."""

from __future__ import annotations

import re
import weakref

from byok_ci.detect.engine import Detector


def keyword_rules(detector: Detector, data: bytes) -> set[int]:
    """The rules with context one of whose keywords ``data`` holds (where the screen did not
    say: no Hyperscan), from one regex pass over it."""
    keywords_in = getattr(detector.prefilter, "keywords_in", None)
    rules = detector.rules
    if keywords_in is not None:
        return {i for i in keywords_in(data) if rules[i].context is not None}
    of_word = _KEYWORDS.get(detector)
    if of_word is None:
        words: dict[bytes, list[int]] = {}
        for i, rule in enumerate(rules):
            for word in rule.keywords if rule.context is not None else ():
                words.setdefault(word.encode(), []).append(i)
        # Tried at every position (a look-ahead), so keywords that overlap are each found.
        pattern = re.compile(b"(?=(" + b"|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + b"))")
        of_word = _KEYWORDS[detector] = (pattern, words)
    pattern, words = of_word
    found: set[int] = set()
    for word in set(pattern.findall(data)):
        found.update(words[word])
    return found


_KEYWORDS: weakref.WeakKeyDictionary[Detector, tuple[re.Pattern[bytes], dict[bytes, list[int]]]] = (
    weakref.WeakKeyDictionary())

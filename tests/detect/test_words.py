"""The words of labels: :func:`squashed`, :func:`trie_of` and :func:`any_of` answer what the regex
substitution and the flat alternation of every name answered, for any label and any names."""

from __future__ import annotations

import random
import re

from byok_ci.detect.words import any_of, squashed, trie_of
from byok_ci.rules import RuleSet


def test_a_squashed_label_is_its_ascii_letters_and_digits_lower_case() -> None:
    rng = random.Random(3)
    alphabet = "abcXYZ09_-./ é\u00dfK\u212a\u0130"  # non-ASCII letters whose lower case is ASCII are taken out
    for _ in range(5000):
        label = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert squashed(label) == re.sub(r"[^A-Za-z0-9]+", "", label).lower().encode(), label


def test_the_trie_of_names_finds_a_name_wherever_the_alternation_of_them_does(shipped_rules: RuleSet) -> None:
    names = sorted({n for rule in shipped_rules.rules if rule.context for n in rule.context.names})
    cases = [names, ["a", "ab", "abc"], ["ai", "openai"], ["", "x"], [], ["a.b", "é", "zai"]]
    rng = random.Random(4)
    for chosen in cases:
        flat = re.compile("|".join(map(re.escape, sorted(chosen, key=len, reverse=True))))
        trie, test = trie_of(chosen), any_of(chosen)
        labels = ["".join(rng.choice("abcdefgilmnoprstuxyz_.AZé") for _ in range(rng.randint(0, 24))) for _ in range(3000)]
        labels += [f"{rng.choice(['', 'x_', 'My'])}{name[:rng.randint(0, len(name))]}{rng.choice(['', '-y', name])}"
                   for name in chosen for _ in range(20)]
        for label in labels:
            plain = re.sub(r"[^A-Za-z0-9]+", "", label).lower()
            assert (trie.search(squashed(label)) is None) == (flat.search(plain) is None), (chosen, label)
            # name by name for the first labels, by the trie from the TESTED_BEFORE_COMPILING-th on
            assert test.found_in(squashed(label)) == (flat.search(plain) is not None), (chosen, label)


def test_a_test_compiled_before_a_fork_answers_as_before() -> None:
    """A scan forking its workers compiles the trie first (Detector.before_fork): same answers."""
    names = ["openai", "ai", "cohere", "zai"]
    early, compiled = any_of(names), any_of(names)
    compiled.compile()
    for label in ("my_openai_key", "COHERE", "plain", "z.ai", "", "a"):
        assert early.found_in(squashed(label)) == compiled.found_in(squashed(label))

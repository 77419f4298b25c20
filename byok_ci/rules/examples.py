"""Run the positive and negative examples that every rule carries.

Examples are templates; keys are generated here from the rule's format, so results never
show an expanded example, only its template.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from byok_ci.model import Chunk, Finding
from byok_ci.rules.keygen import expand_example
from byok_ci.rules.model import RuleSet

DEFAULT_SEED = 20261127


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    kind: str  # "positive" or "negative"
    index: int
    template: str
    passed: bool
    found: tuple[str, ...]  # rule ids that fired

    def describe(self) -> str:
        fired = ", ".join(self.found) or "nothing"
        want = "a finding" if self.kind == "positive" else "no finding"
        return f"{self.rule_id} {self.kind} example {self.index + 1}: wanted {want} of this rule, found {fired}"


def run_examples(ruleset: RuleSet, detect: Callable[[Chunk], list[Finding]], only: Iterable[str] | None = None,
                 seed: int = DEFAULT_SEED) -> list[ExampleResult]:
    """Check each rule's examples with ``detect`` (a detector of the whole rule set, so
    overlaps resolve as in a scan)."""
    wanted = set(only) if only is not None else None
    results = []
    for rule in ruleset.rules:
        if wanted is not None and rule.id not in wanted:
            continue
        rng = random.Random(f"{seed}:{rule.id}")
        for kind, templates in (("positive", rule.examples.positive), ("negative", rule.examples.negative)):
            for index, template in enumerate(templates):
                text = expand_example(template, rule, rng)
                found = tuple(sorted({f.rule_id for f in detect(Chunk(text=text, path="<example>"))}))
                hit = rule.id in found
                results.append(ExampleResult(rule.id, kind, index, template, hit if kind == "positive" else not hit, found))
    return results

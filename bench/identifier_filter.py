"""How often the identifier filter (byok_ci.rules.strength.reads_as_identifier) drops a real key.

For each prefix-less rule it applies to: the chance that a key of the rule is letters only
(from its format), times the share of random letters-only bodies of the rule's length that
read as camelCase words (Monte Carlo, ``--draws`` a length, seeded). With a file of
identifiers (one a line, e.g. every ``[A-Za-z]{24,}`` word of a tree), also how many of them
the filter drops for Cohere, the rule it was made for::

    .venv/bin/python bench/identifier_filter.py --draws 2000000
    grep -rhoE '\\b[A-Za-z]{24,}\\b' /tmp/speedscan-tree | sort -u > /tmp/idents.txt
    .venv/bin/python bench/identifier_filter.py --draws 0 --identifiers /tmp/idents.txt
"""

from __future__ import annotations

import argparse
import math
import random
import string

from byok_ci.rules import load_rules
from byok_ci.rules.strength import _LETTERS_ONLY_MAX, reads_as_identifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=1_000_000, help="random bodies a length")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--identifiers", help="a file of identifiers, one a line")
    args = parser.parse_args()
    rules = load_rules().rules
    cohere = next(rule for rule in rules if rule.id == "cohere.api-key")
    read_share: dict[int, float] = {}
    for rule in rules:
        letters_only = math.prod(seg.chance_of_letters_only for seg in rule.format)
        length = sum(seg.min_len for seg in rule.format if seg.charset)
        if rule.prefix or length < 24 or letters_only < 1e-9:
            continue
        if letters_only > _LETTERS_ONLY_MAX:
            print(f"  {rule.id:28} letters only 1 in {1 / letters_only:,.0f}: the filter is off for this rule")
            continue
        if length not in read_share and args.draws:
            rng = random.Random(args.seed + length)
            # The filter's other tests, for a rule it applies to: Cohere's (the body is what varies).
            hits = sum(reads_as_identifier(cohere, "".join(rng.choices(string.ascii_letters, k=length)))
                       for _ in range(args.draws))
            read_share[length] = hits / args.draws
            print(f"{length} letters: {hits} of {args.draws:,} random bodies read as words")
        share = read_share.get(length)
        dropped = "not measured" if share is None else f"1 in {1 / (letters_only * share):,.3g}" if share else "none seen"
        print(f"  {rule.id:28} letters only 1 in {1 / letters_only:,.0f}; keys dropped: {dropped}")
    if args.identifiers:
        with open(args.identifiers, encoding="utf-8") as lines:
            names = [line.strip() for line in lines if line.strip()]
        dropped_names = sum(reads_as_identifier(cohere, name) for name in names)
        print(f"identifiers: {dropped_names} of {len(names)} dropped as names beside a Cohere context")


if __name__ == "__main__":
    main()

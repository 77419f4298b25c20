"""Regular-expression safety benchmark: adversarial inputs at 1 MB and 4 MB per rule.

For every shipped rule, builds texts meant to make a backtracking engine work hard (long
runs of the key body's alphabet with no valid terminator, the prefix repeated back to
back, context words followed by endless body characters), times detection on 1 MB and
4 MB of each, and prints the ratio. Linear matching gives a ratio near 4.

    .venv/bin/python bench/redos.py [--rules ID ...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from byok_ci.detect.engine import Detector
from byok_ci.detect.prefilter import KeywordPrefilter
from byok_ci.keygen import CHARSETS
from byok_ci.model import Chunk
from byok_ci.rules import Rule, load_rules

MB = 1 << 20


def adversarial(rule: Rule, size: int, rng: random.Random) -> dict[str, str]:
    body = next((seg.charset for seg in rule.format if seg.charset), "alnum")
    alphabet = CHARSETS[body]
    keyword = rule.keywords[0]
    run = "".join(rng.choice(alphabet) for _ in range(4096))
    endless = (keyword + (run * (size // len(run) + 1)))[:size]
    repeated = (rule.prefix or keyword) * (size // max(len(rule.prefix or keyword), 1))
    # Keyword, then a body one character short, again and again: every keyword hit starts a match attempt.
    shortest = sum(seg.min_len if seg.charset else len(seg.literal) for seg in rule.format)
    near = (keyword + run[: max(shortest - len(keyword) - 1, 1)] + " ")
    near_misses = (near * (size // len(near) + 1))[:size]
    return {"endless body": endless, "repeated prefix": repeated[:size], "near misses": near_misses}


def timed(detector: Detector, text: str, runs: int = 3) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        detector.detect(Chunk(text=text, path="adversarial"))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", nargs="*", help="rule ids (default: all)")
    args = parser.parse_args()
    ruleset = load_rules()
    # The keyword prefilter sends every keyword hit to the regex: the worst case for the regexes.
    detector = Detector(ruleset, prefilter=KeywordPrefilter(ruleset.rules))
    rng = random.Random(1)
    worst = 0.0
    print("| rule | input | 1 MB s | 4 MB s | ratio |\n|---|---|---:|---:|---:|")
    for rule in ruleset.rules:
        if args.rules and rule.id not in args.rules:
            continue
        small, large = adversarial(rule, MB, rng), adversarial(rule, 4 * MB, rng)
        for name in small:
            t1, t4 = timed(detector, small[name]), timed(detector, large[name])
            ratio = t4 / t1 if t1 > 0 else 0.0
            worst = max(worst, ratio)
            print(f"| {rule.id} | {name} | {t1:.4f} | {t4:.4f} | {ratio:.2f} |")
    print(f"\nworst ratio: {worst:.2f} (linear is about 4)")


if __name__ == "__main__":
    main()

"""Time `run_drift` against the test suite's loopback fake providers: 10 keys, 34 checks.

    python bench/drift_local.py [--delay 0.2]

Shows the bounded concurrency at work: with every answer delayed, --jobs 4 takes about a
quarter of --jobs 1. Nothing leaves 127.0.0.1; keys are generated at run time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from byok_ci.drift import run_drift  # noqa: E402
from byok_ci.rules import load_rules  # noqa: E402
from tests.drift.conftest import make_keys, options, targets  # noqa: E402
from tests.drift.fake_provider import serve  # noqa: E402

PROVIDERS = ["openai", "anthropic", "google", "deepseek", "elevenlabs", "xai", "pinecone", "cohere", "openrouter",
             "huggingface"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each fake answer is delayed")
    args = parser.parse_args()
    keys = make_keys(load_rules(), random.Random(1), PROVIDERS)
    with serve() as fake:
        fake.valid_keys.update(keys.by_provider.values())
        answer = fake.answer
        for delay in (0.0, args.delay):
            def delayed(*a, _delay=delay, **k):  # type: ignore[no-untyped-def]
                time.sleep(_delay)
                return answer(*a, **k)

            fake.answer = delayed  # type: ignore[method-assign]
            for jobs in (1, 4):
                started = time.perf_counter()
                report = run_drift(targets(PROVIDERS), options(fake, keys, PROVIDERS, jobs=jobs))
                outcomes = sorted({c.outcome for c in report.checks})
                print(f"answer delay {delay:.1f}s  --jobs {jobs}: {time.perf_counter() - started:6.3f}s  "
                      f"{len(report.checks)} checks  outcomes {outcomes}")


if __name__ == "__main__":
    main()

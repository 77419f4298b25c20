"""Key formats and fake keys, where the tests and benchmarks have always found them.

The code lives in :mod:`byok_ci.rules.keygen` and :mod:`byok_ci.rules.fixtures`; tests build
their keys with ``from byok_ci.rules.keygen import generate_key``.
"""

from byok_ci.rules.fixtures import fixture_key
from byok_ci.rules.keygen import (
    CHARSETS,
    Segment,
    describe_format,
    expand_example,
    generate,
    generate_key,
    longer_key,
    parse_format,
    placeholder_key,
    shorter_key,
)

__all__ = [
    "CHARSETS",
    "Segment",
    "describe_format",
    "expand_example",
    "fixture_key",
    "generate",
    "generate_key",
    "longer_key",
    "parse_format",
    "placeholder_key",
    "shorter_key",
]

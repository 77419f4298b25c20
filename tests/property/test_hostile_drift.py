"""Drift against hostile answers and odd secrets, as properties (hypothesis).

Security round 2, items 9, 10 and 14: whatever encoding a provider echoes a key in, the
scrubber leaves no run of it; whatever a server claims as Content-Encoding, what is decoded
stays under the cap; whatever stray character a secret holds, that key gets a one-line error
and the others are still probed.
"""

from __future__ import annotations

import base64
import gzip
import random
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byok_ci.detect.engine import Detector
from byok_ci.drift import DriftTarget, run_drift
from byok_ci.drift.body import BodyRefused, BoundedDecoder
from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.drift.scrub import Scrubber
from byok_ci.keygen import generate_key
from byok_ci.rules import load_rules
from tests.drift.conftest import FAST, probes
from tests.drift.fake_provider import ENCODED_ECHOES, serve

pytestmark = pytest.mark.slow  # hypothesis, real servers

RULES = load_rules()
DETECTOR = Detector(RULES)
PREFIXED = [r for r in RULES.rules if r.prefix and r.context is None]
AROUND = ["", " ", "\n", "key=", "Basic ", "api:", '"', "x", "ab", "==", "%20", "https://", ".evil.example/", "/v1?k="]
RUN = 12


def _runs(form: str) -> set[str]:
    return {form[i:i + RUN] for i in range(len(form) - RUN + 1)}


def forbidden(key: str, prefix: str) -> set[str]:
    body = key[len(prefix):]
    data = body.encode()
    forms = [body.lower(), data.hex(), "".join(f"%{b:02x}" for b in data)]
    for junk in range(3):
        encoded = base64.b64encode(b"x" * junk + data).decode()[4:-4]
        forms += [encoded, encoded.replace("+", "-").replace("/", "_")]
    return set().union(*(_runs(f) for f in forms))


@settings(max_examples=300, deadline=None)
@given(
    rule_index=st.integers(min_value=0, max_value=len(PREFIXED) - 1),
    seed=st.integers(min_value=0, max_value=10**6),
    echo=st.sampled_from([*ENCODED_ECHOES, "full"]),
    before=st.lists(st.sampled_from(AROUND), max_size=4),
    after=st.lists(st.sampled_from(AROUND), max_size=4),
)
def test_no_encoding_of_a_key_survives_the_scrubber(rule_index, seed, echo, before, after) -> None:  # type: ignore[no-untyped-def]
    rule = PREFIXED[rule_index]
    key = generate_key(rule, random.Random(seed))
    scrubber = Scrubber(DETECTOR)
    scrubber.add(key, rule.prefix)
    shown = ENCODED_ECHOES[echo](key) if echo in ENCODED_ECHOES else key
    out = scrubber.scrub("".join(before) + shown + "".join(after), limit=10_000).lower()
    assert [r for r in forbidden(key, rule.prefix) if r.lower() in out] == []


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="ascii", exclude_characters="="), max_size=400),
    seed=st.integers(min_value=0, max_value=10**6),
)
def test_the_scrubber_leaves_text_without_secrets_alone(text: str, seed: int) -> None:
    rule = PREFIXED[seed % len(PREFIXED)]
    scrubber = Scrubber(None)
    scrubber.add(generate_key(rule, random.Random(seed)), rule.prefix)
    assert scrubber.scrub(text, limit=10_000) == " ".join(text.split())


def _encode(data: bytes, layers: list[str]) -> bytes:
    for layer in layers:
        if layer == "gzip":
            data = gzip.compress(data)
        elif layer == "deflate":
            data = zlib.compress(data)
        elif layer == "raw-deflate":
            compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            data = compressor.compress(data) + compressor.flush()
    return data


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=1 << 22),
    layers=st.lists(st.sampled_from(["gzip", "deflate", "raw-deflate", "identity"]), max_size=3),
    limit=st.integers(min_value=1, max_value=1 << 16),
    chunk=st.integers(min_value=1, max_value=1 << 14),
    garbage=st.booleans(),
)
def test_decoded_bytes_never_pass_the_cap(size: int, layers: list[str], limit: int, chunk: int, garbage: bool) -> None:
    raw = _encode(bytes(size), layers)
    if garbage:
        raw = raw[: len(raw) // 2] + b"\xff" * 7 + raw[len(raw) // 2:]
    header = ", ".join("deflate" if layer == "raw-deflate" else layer for layer in reversed(layers))
    try:
        decoder = BoundedDecoder(header, limit)
        for i in range(0, len(raw), chunk):
            decoder.feed(raw[i:i + chunk])
            if decoder.full:
                break
        out = decoder.result()
    except BodyRefused as exc:
        assert "answer refused" in str(exc)
        return
    assert len(out) <= limit
    if not garbage:
        assert out == bytes(min(size, limit))


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    rng = random.Random(5)
    return {p: generate_key(RULES.get(r), rng) for p, r in  # type: ignore[arg-type]
            (("openai", "openai.project-key"), ("anthropic", "anthropic.api-key"))}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    char=st.characters(exclude_categories=["Cs"]).filter(lambda c: not ("!" <= c <= "~")),
    where=st.floats(min_value=0.05, max_value=0.95),
)
def test_a_stray_character_in_one_secret_never_stops_the_others(keys: dict[str, str], char: str, where: float) -> None:
    good = keys["anthropic"]
    bad = keys["openai"]
    position = int(len(bad) * where)
    bad = bad[:position] + char + bad[position + 1:]
    with serve() as fake:
        fake.valid_keys.add(good)
        targets = [DriftTarget("prod", "k-openai", "openai", "env://A"), DriftTarget("prod", "k-anthropic", "anthropic", "env://B")]
        policy = EndpointPolicy(HostAllowlist(), True, {"k-openai": fake.base("openai"), "k-anthropic": fake.base("anthropic")})
        report = run_drift(targets, _options(policy, {"A": bad, "B": good}))
        hit_paths = [path for _, path, _ in fake.hits]
    (error,) = report.errors
    assert error.message.startswith("key k-openai: secret unavailable: the secret has a")
    assert f"at position {position + 1}" in error.message
    assert [c.outcome for c in probes(report) if c.key == "k-anthropic"] == ["passed"] * 3
    assert all(path.startswith("/anthropic/") for path in hit_paths)


def _options(policy: EndpointPolicy, environ: dict[str, str]):  # type: ignore[no-untyped-def]
    from byok_ci.drift import DriftOptions

    return DriftOptions(policy=policy, limits=FAST, environ=environ, deadline=20.0, rng=random.Random(7))

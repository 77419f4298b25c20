"""Keys hidden in base64 and URL encoding: found, located at the encoded text, and labelled."""

from __future__ import annotations

import base64
import hashlib
import random
from urllib.parse import quote

import pytest

from byok_ci.detect import encoded
from byok_ci.detect.engine import Detector
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from tests.conftest import key_for


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def found(ruleset: RuleSet, text: str, depth: int = 2, line_offset: int = 0) -> list[tuple[int, int, str, str | None]]:
    chunk = Chunk(text=text, path="f", line_offset=line_offset)
    return sorted((f.line, f.column, f.rule_id, f.encoding) for f in Detector(ruleset, decode_depth=depth).detect(chunk))


def test_kubernetes_secret_values(shipped_rules: RuleSet, rng: random.Random) -> None:
    groq = key_for(shipped_rules, "groq.api-key", rng)
    cohere = key_for(shipped_rules, "cohere.api-key", rng)
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: llm\ntype: Opaque\ndata:\n"
        f"  GROQ_API_KEY: {b64(groq)}\n"
        f"  COHERE_API_KEY: {b64(cohere)}\n"  # no prefix: the key name around it is the context
    )
    assert found(shipped_rules, text) == [
        (7, 17, "groq.api-key", "base64"),
        (8, 19, "cohere.api-key", "base64"),
    ]
    assert found(shipped_rules, f"data:\n  OTHER: {b64(cohere)}\n") == []


def test_npmrc_auth_data_url_and_query_string(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    npmrc = f"registry=https://registry.example/\n_auth={b64('ci:' + key)}\nalways-auth=true\n"
    assert found(shipped_rules, npmrc) == [(2, 7, "groq.api-key", "base64")]
    html = f'<img src="x.png">\n<a href="data:text/plain;base64,{b64("GROQ_API_KEY=" + key)}">cfg</a>\n'
    assert found(shipped_rules, html) == [(2, 33, "groq.api-key", "base64")]
    url = f"curl 'https://api.example/v1/chat?cfg=%7B%22apiKey%22%3A%22{key}%22%7D'\n"
    # The key itself is not encoded, but %22 glues it to a "2": only decoding finds it,
    # and the finding points at the key inside the encoded text.
    assert found(shipped_rules, url) == [(1, url.index(key) + 1, "groq.api-key", "url")]
    fully = "x = '" + "".join(f"%{b:02X}" for b in f"token={key}".encode()) + "'\n"
    assert found(shipped_rules, fully) == [(1, 24, "groq.api-key", "url")]  # at the encoded "g"


def test_plain_key_in_an_encoded_url_is_reported_once_without_encoding(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    text = f"https://x.example/?key={key}&q=hello%20world\n"
    assert found(shipped_rules, text) == [(1, 24, "groq.api-key", None)]


def test_nested_encoding_to_the_depth_limit(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    text = f"\n\nvalue: {b64(b64('GROQ=' + key))}\nquoted: {b64(quote('k=' + key + '&x=%'))}\n"
    assert found(shipped_rules, text) == [
        (3, 8, "groq.api-key", "base64+base64"),
        (4, 9, "groq.api-key", "base64+url"),  # base64 of "k%3Dgsk_…": the %3D hides it once decoded
    ]
    assert found(shipped_rules, text, depth=1) == []
    assert found(shipped_rules, text, depth=0) == []
    assert found(shipped_rules, text, line_offset=10)[0][:2] == (13, 8)


def test_columns_count_characters_in_non_ascii_text(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    text = f"# clé — ключ\nsecret: «{b64(key)}»\n"
    assert found(shipped_rules, text) == [(2, 10, "groq.api-key", "base64")]


def test_raw_secret_never_leaves_detection(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    (finding,) = Detector(shipped_rules).detect(Chunk(text=f"k: {b64(key)}\n", path="s.yaml"))
    assert key[8:] not in repr(finding) and finding.encoding == "base64"


@pytest.mark.parametrize(
    "text",
    [
        "digest = '" + hashlib.sha256(b"x").hexdigest() + "'",  # hex decodes to binary
        "def test_this_is_a_rather_long_function_name_for_sure(): pass",
        "integrity: sha512-" + base64.b64encode(hashlib.sha512(b"x").digest()).decode(),
        "path = 'usr/local/lib/python3/site/packages/something'",
        "printf('%02d%02x', a, b)  # percent signs that are not URL encoding at all",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # decodes to NUL bytes
    ],
)
def test_ordinary_text_yields_no_segments(text: str) -> None:
    assert [s[2] for s in encoded.segments(text)] == []


def test_segments_report_where_the_encoded_text_lies() -> None:
    text = f"a: {b64('hello there, general kenobi')}\nb=%68%65%6C%6C%6F%20there%2C%20general%20k\n"
    segments = [(start, end, kind, decoded) for start, end, kind, decoded in encoded.segments(text)]
    assert [(text[s:e][:8], kind, decoded) for s, e, kind, decoded in segments] == [
        ("aGVsbG8g", "base64", "hello there, general kenobi"),
        ("b=%68%65", "url", "b=hello there, general k"),
    ]
    assert text[segments[0][1] - 1] != "\n"

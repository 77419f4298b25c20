"""A minified JSON line of thousands of hex digests in a file that names a provider (coverage.py's
``htmlcov/status.json`` in a repository with ``azure`` modules, committed 1,313 times in
haystack's history): every digest is a candidate of a prefix-less rule with context. Rejecting
each must be cheap, and it must not change what is found (issue 16 §3)."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from byok_ci.detect import engine, filters, structure
from byok_ci.detect.engine import Detector
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from tests.conftest import key_for


def _status_json(rng: random.Random, count: int) -> str:
    files = ",".join(
        f'"z_{rng.getrandbits(64):016x}_azure_{n}_py":{{"hash":"{rng.getrandbits(128):032x}",'
        f'"index":{{"url":"z_{n}.html","file":"haystack/components/azure/m{n}.py","nums":{{"n_files":1}}}}}}'
        for n in range(count)
    )
    return '{"note":"coverage","format":5,"globals":"%032x","files":{%s}}' % (rng.getrandbits(128), files)


class _Counting:
    """A compiled pattern that counts its searches."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern, self.searches = pattern, 0

    def search(self, *args: Any) -> Any:
        self.searches += 1
        return self.pattern.search(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)


def test_each_digest_is_judged_once_and_names_are_read_without_searching(
    shipped_rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _status_json(random.Random(5), 400)
    judged: list[str] = []
    real = engine.is_placeholder
    monkeypatch.setattr(engine, "is_placeholder", lambda body: judged.append(body) or real(body))
    counted = {name: _Counting(getattr(structure, name)) for name in ("_SCHEME", "_TYPED_NAME", "_SUBSCRIPTS")}
    counted["_ASSIGNED_NAME"] = _Counting(filters._ASSIGNED_NAME)
    for name, pattern in counted.items():
        monkeypatch.setattr(filters if name == "_ASSIGNED_NAME" else structure, name, pattern)
    detector = Detector(shipped_rules)
    for version in range(3):  # three commits of the same report
        assert detector.detect(Chunk(text=text, path="htmlcov/status.json", commit=f"{version:040x}")) == []
    distinct = len(set(judged))  # counts only: the digests are key-shaped, not for a report
    assert distinct > 300 and len(judged) == distinct  # every digest a candidate, each judged once
    assert {name: pattern.searches for name, pattern in counted.items()} == dict.fromkeys(counted, 0)


def test_a_key_among_the_digests_is_still_found(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "azure.openai-key", rng)
    text = _status_json(random.Random(6), 200).replace(
        '"format":5', f'"endpoint":"https://contoso.openai.azure.com/","AZURE_OPENAI_API_KEY":"{key}","format":5'
    )
    detector = Detector(shipped_rules)
    for _ in range(2):
        (finding,) = detector.detect(Chunk(text=text, path="htmlcov/status.json"))
        assert finding.rule_id == "azure.openai-key"
        assert key not in repr(finding)


_PIECES = [
    "a", "API_KEY", "_", "0", "9x", ".", "-", '"', "'", "`", " ", "\t", ":", "=", "=>", ":=", "[", "]", "['x']",
    '["k"]', "ENV ", "ARG ", "set -x ", "setx ", "Bearer ", "token ", "key", "Basic", ": &str", " string",
    " []byte", '\\"', "\\'", "<", ">", "\n", "\u2028", "é", "{",
]


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30))) for _ in range(count)]


def test_assigned_name_is_the_search_of_its_pattern() -> None:
    def searched(text: str, start: int) -> str | None:
        line_start = text.rfind("\n", max(0, start - 200), start) + 1
        found = filters._ASSIGNED_NAME.search(text, max(line_start, start - 120), start)
        return found.group(1) if found else None

    rng = random.Random(7)
    cases = [(text, start) for text in _texts(8, 20000) for start in {len(text), rng.randint(0, len(text))}]
    cases += [("x" * 150 + ' my_key = "', 161), ("9.a-b_c: ", 9), ("__ :", 4), ("-.9 =", 5), ("a\n=", 3)]
    assert sum(searched(t, s) is not None for t, s in cases) > 1000
    assert [filters.assigned_name(t, s) for t, s in cases] == [searched(t, s) for t, s in cases]


def test_names_before_a_value_are_those_every_pattern_finds() -> None:
    def ungated(before: str) -> str | None:  # structure._name_before, every pattern searched
        cleaned = before.replace('\\"', '"').replace("\\'", "'")
        scheme = structure._SCHEME.search(cleaned)
        if scheme:
            cleaned = cleaned[:scheme.start()]
        for pattern in (structure._TYPED_NAME, structure._SPACE_ASSIGNED):
            found = pattern.search(cleaned)
            if found:
                return found.group(1)
        subscripted = structure._SUBSCRIPTS.search(cleaned)
        if subscripted:
            keys = re.findall(r"""["']([^"']+)["']""", subscripted.group(2))
            return ".".join([subscripted.group(1), *keys])
        line_start = cleaned.rfind("\n", max(0, len(cleaned) - 200)) + 1
        found = filters._ASSIGNED_NAME.search(cleaned, max(line_start, len(cleaned) - 120))
        return found.group(1) if found else None

    befores = [text.replace("\n", " ") for text in _texts(9, 20000)]  # a value's line before it
    assert sum(ungated(b) is not None for b in befores) > 1000
    assert [structure._name_before(b) for b in befores] == [ungated(b) for b in befores]

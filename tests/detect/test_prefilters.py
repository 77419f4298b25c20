"""Hyperscan and the pure-Python keyword prefilter give identical findings."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from byok_ci.detect.engine import Detector
from byok_ci.detect.choose import fast_prefilter
from byok_ci.detect.prefilter import KeywordPrefilter
from byok_ci.keygen import expand_example, generate_key
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet

hyperscan = pytest.importorskip("hyperscan")

from byok_ci.detect.hyperscan_expressions import strip_lookarounds  # noqa: E402
from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter  # noqa: E402

NOISE = [
    "task-list disk-usage risk-badge sk-button-primary use_hf_token api_org_chart",
    "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 uuid 123e4567-e89b-12d3-a456-426614174000",
    'OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]  # cohere mistral deepgram wandb',
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
    "const x = {a: 'sk-', b: 'gsk_', c: 'AIza', d: 'xai-', e: 'pplx-', f: 'r8_', g: 'hf_'};",
]


def corpus(ruleset: RuleSet, seed: int, files: int = 40) -> list[Chunk]:
    """Files of noise with every rule's examples and stray key fragments mixed in."""
    rng = random.Random(seed)
    chunks = []
    for n in range(files):
        lines = []
        for _ in range(rng.randint(50, 400)):
            roll = rng.random()
            if roll < 0.03:
                rule = rng.choice(ruleset.rules)
                template = rng.choice(rule.examples.positive + rule.examples.negative)
                lines.append(expand_example(template, rule, rng))
            elif roll < 0.06:
                rule = rng.choice(ruleset.rules)
                key = generate_key(rule, rng)
                lines.append("x = '" + key[: rng.randint(1, len(key))] + "'")
            else:
                lines.append(rng.choice(NOISE))
        chunks.append(Chunk(text="\n".join(lines), path=f"f{n}.txt"))
    return chunks


def fingerprints(detector: Detector, chunks: list[Chunk]) -> list[tuple[str, str, int, int, str]]:
    return [(f.path, f.rule_id, f.line, f.column, f.fingerprint) for c in chunks for f in detector.detect(c)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hyperscan_and_pure_python_find_the_same(shipped_rules: RuleSet, seed: int, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    chunks = corpus(shipped_rules, seed)
    fast = fingerprints(Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "t")), chunks)
    slow = fingerprints(Detector(shipped_rules, prefilter=KeywordPrefilter(shipped_rules.rules)), chunks)
    assert fast == slow
    assert len({f[1] for f in fast}) > len(shipped_rules.rules) // 2  # the corpus really exercises the rules


def test_database_is_cached_by_rules_digest(shipped_rules: RuleSet, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    HyperscanPrefilter(shipped_rules.rules, "digest-a")
    (cached,) = tmp_path.glob("hyperscan-*.db")
    HyperscanPrefilter(shipped_rules.rules, "digest-a")
    assert list(tmp_path.glob("hyperscan-*.db")) == [cached]
    HyperscanPrefilter(shipped_rules.rules, "digest-b")
    assert len(list(tmp_path.glob("hyperscan-*.db"))) == 2


def test_corrupt_cache_is_rebuilt(shipped_rules: RuleSet, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    HyperscanPrefilter(shipped_rules.rules, "d")
    (cached,) = tmp_path.glob("hyperscan-*.db")
    cached.write_bytes(b"garbage")
    prefilter = HyperscanPrefilter(shipped_rules.rules, "d")
    rule = shipped_rules.get("groq.api-key")
    assert rule is not None
    key = generate_key(rule, random.Random(1))
    assert Detector(shipped_rules, prefilter=prefilter).detect(Chunk(text=f"K={key}", path="p"))


def test_the_layout_is_read_from_the_cache_and_a_damaged_one_worked_out_again(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Working out which expression is which parses every rule's pattern: a large scan's
    start-up reads it beside the databases instead, and gets the same prefilter."""
    import byok_ci.detect.hyperscan_prefilter as module

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    chunks = corpus(shipped_rules, 7, files=10)
    built = HyperscanPrefilter(shipped_rules.rules, "d")
    (layout,) = tmp_path.glob("hyperscan-*.layout")
    expected = fingerprints(Detector(shipped_rules, prefilter=built), chunks)

    def parsed(_rules: object) -> object:
        raise AssertionError("the layout was worked out again")

    with monkeypatch.context() as patched:
        patched.setattr(module, "_gates", parsed)
        patched.setattr(module, "_second_pass", parsed)
        cached = HyperscanPrefilter(shipped_rules.rules, "d")
    assert (cached._gate_of, cached._second_of, cached._encoded) == (built._gate_of, built._second_of, built._encoded)
    assert fingerprints(Detector(shipped_rules, prefilter=cached), chunks) == expected
    for damaged in (b"garbage", b'{"gates": 1, "gate_of": [[0, 5]], "second": [], "second_of": []}'):
        layout.write_bytes(damaged)
        again = HyperscanPrefilter(shipped_rules.rules, "d")
        assert fingerprints(Detector(shipped_rules, prefilter=again), chunks) == expected
        assert layout.read_bytes() != damaged  # written again


def test_a_cached_layout_that_parses_but_is_wrong_is_worked_out_again(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A layout file that is valid JSON and in range but wrong (one rule's gate moved by one:
    a flipped digit, a half-written edit) was used as it was, and that rule's keys were never
    found again; a layout missing a rule gave that rule no gate in the whole-file reads.
    The cached layout carries a checksum and must cover every rule with context."""
    import json

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    chunks = corpus(shipped_rules, 7, files=10)
    built = HyperscanPrefilter(shipped_rules.rules, "d")
    (layout,) = tmp_path.glob("hyperscan-*.layout")
    expected = fingerprints(Detector(shipped_rules, prefilter=built), chunks)
    wrapped = json.loads(layout.read_bytes())
    inner = json.loads(wrapped["layout"])
    moved = dict(inner, gate_of=[[index, (gate + 1) % inner["gates"]] for index, gate in inner["gate_of"]])
    dropped = dict(inner, gate_of=inner["gate_of"][1:])
    from byok_ci._sha256 import sha256

    resealed = json.dumps(dropped)
    for damaged in (dict(wrapped, layout=json.dumps(moved)),  # its checksum no longer fits
                    {"sha256": sha256(resealed.encode()).hexdigest(), "layout": resealed}):  # fits, a rule missing
        layout.write_text(json.dumps(damaged))
        layout.chmod(0o600)
        again = HyperscanPrefilter(shipped_rules.rules, "d")
        assert (again._gate_of, again._second_of) == (built._gate_of, built._second_of)
        assert fingerprints(Detector(shipped_rules, prefilter=again), chunks) == expected


def test_the_databases_cached_under_a_group_writable_umask_are_read_back(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cache files were written with the default mode 0666, so under umask 002 (Debian and
    Ubuntu users' default) they were group-writable, which the cache reader rightly refuses:
    every large scan compiled the databases again and rewrote them."""
    import os

    import byok_ci.detect.hyperscan_prefilter as module

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    previous = os.umask(0o002)
    try:
        HyperscanPrefilter(shipped_rules.rules, "d")

        def compiled(*_args: object) -> object:
            raise AssertionError("the databases were compiled again")

        monkeypatch.setattr(module, "_databases", compiled)
        monkeypatch.setattr(module, "_gates", compiled)
        HyperscanPrefilter(shipped_rules.rules, "d")
    finally:
        os.umask(previous)
    assert all(not path.stat().st_mode & 0o022 for path in tmp_path.iterdir())
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))


def test_databases_and_layouts_cached_by_other_code_are_not_read(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key held the rules, Hyperscan's version and ``_LAYOUT``, not byok-ci's code: an
    upgrade (or an edit) that laid the expressions out otherwise without bumping ``_LAYOUT``
    read the old databases and layout, whose gates then fit other expressions."""
    import byok_ci.detect.hyperscan_prefilter as module
    from byok_ci.detect.hyperscan_expressions import code_id

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    first = HyperscanPrefilter(shipped_rules.rules, "d")
    monkeypatch.setattr(module, "code_id", lambda: code_id() + "-edited")
    second = HyperscanPrefilter(shipped_rules.rules, "d")
    assert first._cache_path != second._cache_path
    assert len(list(tmp_path.glob("hyperscan-*.layout"))) == 2


def test_a_rule_set_with_no_rule_with_context_scans_a_large_tree(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rng: random.Random
) -> None:
    """Hyperscan compiles no empty database: a rule set with no rule with context (every such
    rule disabled, or a caller's few prefixed rules) crashed a directory scan in the name
    sieve's keyword database."""
    from byok_ci.scan import scan_paths

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path / "cache"))
    rules = shipped_rules.without(r.id for r in shipped_rules.rules if r.id != "openai.project-key")
    assert all(r.context is None for r in rules.rules)
    rule = rules.get("openai.project-key")
    assert rule is not None
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(12):  # large enough for Hyperscan and the name sieve
        (tree / f"f{n}.txt").write_text("filler line of text\n" * 6000)
    (tree / "azure_cohere_settings.env").write_text(f"KEY={generate_key(rule, rng)}\n")
    report = scan_paths([tree], rules=rules, root=tmp_path)
    assert [f.rule_id for f in report.findings] == ["openai.project-key"] and not report.errors
    assert isinstance(report.findings[0].path, str)
    assert HyperscanPrefilter(rules.rules, "d").keywords_in(b"cohere azure openai") == set()


def test_pure_python_can_be_forced(shipped_rules: RuleSet, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    assert isinstance(fast_prefilter(shipped_rules.rules, shipped_rules.digest), KeywordPrefilter)


@pytest.mark.parametrize(
    ("pattern", "stripped"),
    [
        ("ab(?![A-Za-z0-9_-])", "ab"),
        ("(?<![a-z])ab(?=c)d", "abd"),
        ("a[(?!]b(?!x(y)z)c", "a[(?!]bc"),
        (r"a\(?!b", r"a\(?!b"),
        ("a[]x](?!q)", "a[]x]"),
    ],
)
def test_strip_lookarounds(pattern: str, stripped: str) -> None:
    assert strip_lookarounds(pattern) == stripped


def test_one_prefilter_shared_by_threads(shipped_rules: RuleSet, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Git history parts scan on threads: each needs its own Hyperscan scratch space."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    chunks = corpus(shipped_rules, 5, files=60)
    detector = Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "t"))
    expected = [fingerprints(detector, [c]) for c in chunks]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda c: fingerprints(detector, [c]), chunks)) == expected


@pytest.mark.parametrize("seed", range(5))
def test_every_key_of_a_rule_with_context_holds_its_hyperscan_gate(shipped_rules: RuleSet, seed: int) -> None:
    """A rule with context fires only where its shape's expression (its pattern, or a shared
    run of characters it implies) matches: every key it can report must match it."""
    import re

    from byok_ci.detect.hyperscan_expressions import _gates

    gates, of_rule = _gates(shipped_rules.rules)
    rng = random.Random(seed)
    assert of_rule, "rules with context have gates"
    for index, gate in of_rule.items():
        rule = shipped_rules.rules[index]
        expression = re.compile(gates[gate])
        for _ in range(20):
            key = generate_key(rule, rng).encode()
            assert expression.search(key), (rule.id, gates[gate])


def test_shared_gates_are_only_taken_for_shapes_that_imply_them(shipped_rules: RuleSet) -> None:
    from byok_ci.detect.hyperscan_expressions import _SHARED_RUNS, _gates

    gates, _ = _gates(shipped_rules.rules)
    shared = {expression for _, _, expression in _SHARED_RUNS}
    # Some shapes share a run (a 40-hex key and a 32-alnum key), some with fixed text keep
    # their own: fewer expressions than rules with context, and more than the shared ones.
    assert shared & set(gates) and len(gates) > len(shared & set(gates))


def _plant_a_database_that_never_matches(path: Path) -> None:
    """In place of each database the cache file holds (the prefilter keeps several)."""
    import hyperscan

    from byok_ci.detect.hyperscan_expressions import pack, unpack

    database = hyperscan.Database()
    database.compile(expressions=[b"a planted database matches only this"], ids=[0], elements=1, flags=[0])
    count = len(unpack(path.read_bytes()))
    path.write_bytes(pack([hyperscan.dumpb(database)] * count))


def test_a_planted_database_is_not_read_on_a_ci_machine(shipped_rules: RuleSet, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A CI home restored from a shared cache store may hold a database that never matches."""
    monkeypatch.delenv("BYOK_CI_CACHE_DIR", raising=False)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    HyperscanPrefilter(shipped_rules.rules, "d")
    (cached,) = (tmp_path / "byok-ci").glob("hyperscan-*.db")
    _plant_a_database_that_never_matches(cached)
    rule = shipped_rules.get("groq.api-key")
    assert rule is not None
    chunk = Chunk(text=f"K={generate_key(rule, random.Random(1))}", path="p")
    assert not Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "d")).detect(chunk)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "d")).detect(chunk)
    cached.chmod(0o666)  # and on a developer's machine, not one others could have written
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "d")).detect(chunk)


@pytest.mark.parametrize("seed", range(3))
def test_the_encoded_gate_fires_wherever_the_decoder_takes_a_run(
    shipped_rules: RuleSet, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hyperscan says a text may hold encoded text only at the alignment the decoder reads a
    run at (from its start): it must still say so for every run the decoder takes, after
    any character, at the start and the end of the text."""
    import base64
    import string

    from byok_ci.detect import encoded

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "t")
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "+/"
    taken = refused = 0
    for _ in range(600):
        pieces = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.45:
                plain = "".join(rng.choice(string.printable[:95] + "\t\n\r") for _ in range(rng.randint(15, 50)))
                pieces.append(base64.b64encode(plain.encode()).decode()[: rng.randint(20, 80)])
            elif roll < 0.7:
                pieces.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
            else:
                pieces.append(rng.choice([" ", "\n", "=", "==", "-", "_", ".", "é", "\u2028", "\x00", "\ufffd"]))
        text = "".join(pieces)
        takes = next(iter(encoded.decoded_runs(text)), None) is not None
        may_encode = prefilter.survey(text)[1]
        assert may_encode or not takes, text
        taken += takes
        refused += not may_encode
    assert taken > 100 and refused > 50  # both cases really exercised
    # A base64 run of text after a letter that is not a group's start: at any alignment the
    # old expression fired (its groups fit from the second character); the decoder takes
    # no run there, and the gate no longer fires.
    run = "g" + base64.b64encode(b"this is plain text, nothing else").decode()
    assert next(iter(encoded.decoded_runs(run)), None) is None
    assert prefilter.survey(run) == ({}, False)


def test_a_hex_key_with_context_needs_a_hex_run_not_any_run(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hex keys share the hex run: a provider named beside a long identifier (haystack's
    docs say "Azure" next to ``SentenceTransformersSparseDocumentEmbedder``) is no longer
    a reason to search for an Azure key, a hex run beside it still is."""
    from byok_ci.detect.hyperscan_expressions import _gates

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    gates, of_rule = _gates(shipped_rules.rules)
    index = [rule.id for rule in shipped_rules.rules].index("azure.openai-key")
    assert gates[of_rule[index]] == rb"[0-9a-f]{32}"
    prefilter = HyperscanPrefilter(shipped_rules.rules, "t")
    assert index not in prefilter.spans("Azure: use SentenceTransformersSparseDocumentEmbedder here\n")
    assert index in prefilter.spans("Azure: deployment 0123456789abcdef0123456789abcdef here\n")


def test_keyword_windows_are_those_of_every_occurrence_merged() -> None:
    """The keyword prefilter jumps over occurrences whose windows add nothing to the
    merged span: the spans are those of a window around every occurrence, merged."""
    from byok_ci.detect.prefilter import _windows, merge

    def every_occurrence(text: str, keyword: str, before: int, after: int) -> list[tuple[int, int]]:
        spans, pos = [], text.find(keyword)
        while pos >= 0:
            spans.append((max(0, pos - before), min(len(text), pos + after)))
            pos = text.find(keyword, pos + 1)
        return merge(spans)

    rng = random.Random(3)
    checked = 0
    for _ in range(20_000):
        text = "".join(rng.choice("aab  ") for _ in range(rng.randint(0, 300)))
        keyword = rng.choice(["a", "ab", "aa", "b a", "aab"])
        before, after = rng.randint(0, 50), len(keyword) + rng.randint(0, 50)
        first = text.find(keyword)
        if first >= 0:
            assert _windows(text, keyword, first, before, after) == every_occurrence(text, keyword, before, after)
            checked += 1
    assert checked > 10_000


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        ("(?:^|[^A-Za-z0-9/+_])(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=_])",
         "(?:^|[^A-Za-z0-9/+_])(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=_]|$)"),
        ("(?<![a-z])ab(?=c)d(?!-)", "(?:^|[^a-z])abd(?:[^-]|$)"),
        ("sk-(?!(?:ant|proj)-)x", "sk-x"),  # not one character: removed
        (r"a(?!\w)(?![^a])(?![é])", "a"),  # a category, a negated class, non-ASCII: removed
        ("a[]x](?!q)", "a[]x](?:[^q]|$)"),
    ],
)
def test_lookarounds_kept_as_edges(pattern: str, kept: str) -> None:
    assert strip_lookarounds(pattern, keep_edges=True) == kept


@pytest.mark.parametrize("seed", range(3))
def test_every_example_of_a_rule_with_context_passes_both_passes(
    shipped_rules: RuleSet, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a rule with context reports a key, Hyperscan lets it through: its keyword in
    the first pass and its sharp gate in the second (look-arounds and word boundaries kept),
    in the text alone and joined with others by newlines (history's batches)."""
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "t")
    plain = Detector(shipped_rules, prefilter=KeywordPrefilter(shipped_rules.rules))
    rng = random.Random(seed)
    checked = 0
    for index, rule in enumerate(shipped_rules.rules):
        if rule.context is None:
            continue
        for template in rule.examples.positive:
            text = expand_example(template, rule, rng)
            if not any(f.rule_id == rule.id for f in plain.detect(Chunk(text=text, path="p"))):
                continue
            for around in (text, f"x = 1\n{text}\ny = 2", f"{text}\n"):
                assert index in prefilter.spans(around), (rule.id, template)
            checked += 1
    assert checked > 40


def test_a_long_path_beside_aws_no_longer_wakes_the_secret_key_rule(
    shipped_rules: RuleSet, rng: random.Random, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS's secret key is 40 characters of base64 standing alone: a longer path-like run
    (any import path, URL or file name) beside the word "aws" used to send every such file
    to the rule; now only a run of exactly 40 between non-key characters does."""
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "t")
    index = [rule.id for rule in shipped_rules.rules].index("aws.secret-access-key")
    rule = shipped_rules.rules[index]
    key = generate_key(rule, rng)
    path = "haystack/components/generators/chat/amazon_bedrock/aws_client.py"
    assert index not in prefilter.spans(f"# aws\nfrom {path} import x\n")
    assert index not in prefilter.spans(f"aws_secret_access_key = {key}Ab\n")  # a longer run
    assert index in prefilter.spans(f"aws_secret_access_key = {key}\n")
    assert index in prefilter.spans(f"aws_secret_access_key =\n{key}")  # at the text's end
    assert index in prefilter.spans(f"{key} # aws")  # at its start
    # Bytes around a text (git's patches, names) keep the loose test.
    assert prefilter.may_find(f"+{key}\n# aws".encode())


def test_a_file_name_names_the_providers_its_words_name(shipped_rules: RuleSet) -> None:
    """File names in which no provider name can occur are not split into words: the same
    rules as splitting every name."""
    from byok_ci.detect.words import words

    detector = Detector(shipped_rules)
    rng = random.Random(5)
    names = sorted(detector._by_name)
    pieces = names + ["api", "Key", "_", "-", ".", "é", "2", "AI", "Labs", "x", "config", "Z.", "ai"]
    for _ in range(3000):
        label = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
        label = rng.choice([label, label.upper(), label.title()])
        expected = [i for name in frozenset(w for w in words(label) if w in detector._by_name)
                    for i in detector._by_name[name]]
        assert sorted(detector._named_in(label)) == sorted(expected), label


def test_the_encoded_gate_takes_every_group_of_text_bytes() -> None:
    """Every three bytes of text (tab, line ends, printable ASCII) encode to four base64
    characters of the gate's classes, and so does the last group cut to three characters."""
    import base64
    import itertools
    import re as regex

    from byok_ci.detect.hyperscan_expressions import _B64_FIRST, _B64_SECOND, _B64_THIRD

    text = [9, 10, 13, *range(0x20, 0x7F)]
    group = regex.compile(f"{_B64_FIRST}{_B64_SECOND}{_B64_THIRD}[A-Za-z0-9+/]")
    last = regex.compile(f"{_B64_FIRST}{_B64_SECOND}[A-Za-z0-9+/]")
    for triple in itertools.product(text, repeat=3):
        encoded = base64.b64encode(bytes(triple)).decode()
        assert group.fullmatch(encoded), triple
        assert last.fullmatch(base64.b64encode(bytes(triple[:2])).decode()[:3]), triple


def test_long_bounded_repeats_are_compiled_unbounded() -> None:
    """Compiling a bound of thousands cost Hyperscan half its build on every CI run: such
    a repeat is compiled without its upper bound, which matches wherever it does."""
    import re as regex

    from byok_ci.detect.hyperscan_expressions import _widened

    assert _widened(rb"k(?P<s>[a-z]{200,4000}?)e{1,2}") == rb"k(?P<s>[a-z]{200,}?)e{1,2}"
    assert _widened(rb"a\{1,4000}") == rb"a\{1,4000}"  # a literal brace: left alone
    rng = random.Random(4)
    pattern = rb"x[ab]{2,300}y"
    wide = regex.compile(_widened(pattern))
    for _ in range(200):
        text = b"x" + bytes(rng.choice(b"ab") for _ in range(rng.randint(0, 400))) + b"y"
        assert not regex.search(pattern, text) or wide.search(text)


def _run_shape(shipped_rules: RuleSet, prefilter: HyperscanPrefilter) -> tuple[int, bytes]:
    """A rule of the second pass (a run of a character class) and bytes holding its shape."""
    index = next(iter(prefilter._second_of))
    return index, f"value = {generate_key(shipped_rules.rules[index], random.Random(3))}\n".encode()


def test_the_run_shapes_database_is_cached_beside_the_first(shipped_rules: RuleSet, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiling it cost every history scan ~25 ms; it is kept as the first pass's is."""
    import byok_ci.detect.hyperscan_prefilter as module

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "d")
    index, data = _run_shape(shipped_rules, prefilter)
    assert index in prefilter.shapes(data)[1]
    (cached,) = tmp_path.glob("hyperscan-*.runs")

    def no_compile(*_args: object) -> None:
        raise AssertionError("compiled again")

    with monkeypatch.context() as patched:
        patched.setattr(module, "_compile", no_compile)
        assert index in HyperscanPrefilter(shipped_rules.rules, "d").shapes(data)[1]
    cached.write_bytes(b"garbage")  # a damaged cache is rebuilt
    assert index in HyperscanPrefilter(shipped_rules.rules, "d").shapes(data)[1]
    assert cached.read_bytes() != b"garbage"


def test_a_planted_run_shapes_database_is_not_read_on_a_ci_machine(shipped_rules: RuleSet, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import hyperscan

    monkeypatch.delenv("BYOK_CI_CACHE_DIR", raising=False)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    prefilter = HyperscanPrefilter(shipped_rules.rules, "d")
    index, data = _run_shape(shipped_rules, prefilter)
    prefilter.shapes(data)
    (cached,) = (tmp_path / "byok-ci").glob("hyperscan-*.runs")
    database = hyperscan.Database()
    database.compile(expressions=[b"a planted database matches only this"], ids=[0], elements=1, flags=[0])
    cached.write_bytes(hyperscan.dumpb(database))
    assert index not in HyperscanPrefilter(shipped_rules.rules, "d").shapes(data)[1]  # a developer's own cache
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert index in HyperscanPrefilter(shipped_rules.rules, "d").shapes(data)[1]
    cached.chmod(0o666)  # and on a developer's machine, not one others could have written
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert index in HyperscanPrefilter(shipped_rules.rules, "d").shapes(data)[1]

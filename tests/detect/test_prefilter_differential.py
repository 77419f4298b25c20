"""Hyperscan against the pure-Python prefilter, key by key: generated keys of every rule in
many surroundings (text edges, non-ASCII neighbours, CR-only lines, structural context with
no keyword on the key's line, a path that names the provider, encoded forms). Any finding
the pure-Python path makes and Hyperscan's misses is a key a fast scan would not report."""

from __future__ import annotations

import base64
import random
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from byok_ci.detect.engine import Detector
from byok_ci.detect.prefilter import KeywordPrefilter
from byok_ci.keygen import generate_key
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from byok_ci.rules.model import Rule

hyperscan = pytest.importorskip("hyperscan")

from byok_ci.detect.hyperscan_prefilter import HyperscanPrefilter  # noqa: E402


def _word(rule: Rule) -> str:
    """A word that names the rule's provider (its context's first name, else its keyword)."""
    return rule.context.names[0] if rule.context and rule.context.names else rule.provider


SURROUNDINGS: list[tuple[str, Callable[[Rule, str], tuple[str, str]]]] = [
    ("alone", lambda r, k: (k, "f.txt")),
    ("first-line", lambda r, k: (f"{k}\n# {r.keywords[0]}\n", "f.txt")),
    ("last-line", lambda r, k: (f"# {r.keywords[0]}\n{k}", "f.txt")),
    ("keyword-assign", lambda r, k: (f"{_word(r).upper()}_API_KEY={k}\n", "f.env")),
    ("keyword-before", lambda r, k: (f"{r.keywords[0]} key: {k}", "f.txt")),
    ("keyword-after", lambda r, k: (f"{k} # {r.keywords[0]} key", "f.txt")),
    ("non-ascii-before", lambda r, k: (f"{r.keywords[0]} é{k}", "f.txt")),
    ("non-ascii-after", lambda r, k: (f"{r.keywords[0]} {k}é", "f.txt")),
    ("non-ascii-spaced", lambda r, k: (f"é {r.keywords[0]} token= {k} ü", "f.txt")),
    ("cr-only", lambda r, k: (f"x\r{r.keywords[0]}_token\r{k}\rz", "f.txt")),
    ("crlf", lambda r, k: (f"x\r\n{r.keywords[0]}_token =\r\n{k}\r\n", "f.txt")),
    ("ini-section", lambda r, k: (f"[{_word(r)}]\nother = 1\napi_key = {k}\n", "settings.ini")),
    ("yaml-parent", lambda r, k: (f"{_word(r)}:\n  region: x\n  api_key: {k}\n", "config.yaml")),
    ("json-key", lambda r, k: ('{"%s": {"api_key": "%s"}}' % (_word(r), k), "config.json")),
    ("dotenv-name", lambda r, k: (f"{_word(r).upper()}_KEY={k}\n", ".env")),
    ("provider-path", lambda r, k: (f"token: {k}\n", f"config/{_word(r)}/settings.txt")),
    ("provider-file", lambda r, k: (f"token = '{k}'\n", f"src/{_word(r)}_client.py")),
    ("dollar-after", lambda r, k: (f"{r.keywords[0]} key={k}$", "f.txt")),
    ("dot-after", lambda r, k: (f"{r.keywords[0]} key={k}.", "f.txt")),
    ("quoted", lambda r, k: (f'"{r.keywords[0]}_key": "{k}",', "f.json")),
    ("url", lambda r, k: (f"https://h/{r.keywords[0]}?key={k}&x=1", "f.txt")),
    ("nul-after", lambda r, k: (f"{r.keywords[0]} key {k}\x00", "f.txt")),
    ("base64", lambda r, k: ("blob: " + base64.b64encode(f"{_word(r).upper()}_API_KEY={k}\n".encode()).decode(),
                             "f.txt")),
    ("base64-alone", lambda r, k: (base64.b64encode(f"{r.keywords[0]} key = {k}".encode()).decode(), "f.txt")),
    ("base64-utf8", lambda r, k: (base64.b64encode(f"é {_word(r).upper()}_API_KEY={k}".encode()).decode(), "f.txt")),
    ("base64-quoted", lambda r, k: ('x="' + base64.b64encode(f"\t{_word(r)}:\r\n  api_key: {k}\n".encode()).decode() + '"',
                                    "f.yaml")),
    ("base64-after-non-ascii", lambda r, k: ("é" + base64.b64encode(f"{_word(r).upper()}_API_KEY={k}".encode()).decode(),
                                             "f.txt")),
    ("url-encoded", lambda r, k: ("q=" + urllib.parse.quote(f'{{"{_word(r)}_api_key": "{k}"}}', safe=""), "f.txt")),
]


def _findings(detector: Detector, text: str, path: str) -> list[tuple[str, int, int, str]]:
    data = text.encode("utf-8") if text.isascii() else None
    return [(f.rule_id, f.line, f.column, f.fingerprint) for f in detector.detect(Chunk(text=text, path=path, data=data))]


@pytest.mark.parametrize("seed", [0, 1])
def test_hyperscan_misses_no_key_the_pure_python_path_finds(
    shipped_rules: RuleSet, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    fast = Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "t"))
    slow = Detector(shipped_rules, prefilter=KeywordPrefilter(shipped_rules.rules))
    rng = random.Random(seed)
    found = 0
    missed = []
    for rule in shipped_rules.rules:
        for name, surround in SURROUNDINGS:
            key = generate_key(rule, rng)
            text, path = surround(rule, key)
            expected = _findings(slow, text, path)
            got = _findings(fast, text, path)
            found += bool(expected)
            if got != expected:
                missed.append((rule.id, name, len(expected), len(got)))  # never the key itself
    assert not missed, missed
    assert found > len(shipped_rules.rules) * len(SURROUNDINGS) // 3  # the surroundings really find keys


USER_RULES = """provider: mine
name: Mine
rules:
  - id: mine.not-at-end
    description: a key anywhere but at the very end of the text
    keywords: [minekey]
    pattern: '[a-z0-9]{32}(?!$)'
    format: [{lower_alnum: 32}]
    context: {pattern: 'minekey', names: [minekey]}
  - id: mine.line-end
    description: a key that ends its line
    keywords: [minekey]
    pattern: 'k_[a-z0-9]{32}(?!.)'
    format: [k_, {lower_alnum: 32}]
    context: {pattern: 'minekey', names: [minekey]}
"""


def test_a_user_rule_whose_lookaround_names_an_anchor_keeps_its_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``(?!$)`` asks for any character after the key, a "$" too; ``(?!.)`` for a line's end:
    the sharp gate once took them for classes of one literal character (``[^$]``) and
    missed a key followed by "$"."""
    import string

    from byok_ci.rules import load_rules

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    (tmp_path / "mine.yaml").write_text(USER_RULES)
    ruleset = load_rules(extra=[tmp_path / "mine.yaml"])
    assert not ruleset.errors, ruleset.errors
    fast = Detector(ruleset, prefilter=HyperscanPrefilter(ruleset.rules, "user"))
    slow = Detector(ruleset, prefilter=KeywordPrefilter(ruleset.rules))
    rng = random.Random(4)
    compared = []
    for tail in ["$", ".", "\n", " ", "-", "é", "\r"]:
        body = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(32))
        for key in (body, "k_" + body):
            text = f"minekey:\n{key}{tail}"
            expected = _findings(slow, text, "f.txt")
            assert _findings(fast, text, "f.txt") == expected, repr(tail)
            compared.extend(expected)
    assert {f[0] for f in compared} == {"mine.not-at-end", "mine.line-end"}


def _tree(root: Path, ruleset: RuleSet, rng: random.Random) -> int:
    """Files in several encodings and line ends, keys in names and in a zip: how many keys."""
    import zipfile

    count = 0
    for rule in ruleset.rules:
        key = generate_key(rule, rng)
        word = _word(rule)
        folder = root / rule.id.replace(".", "-")
        folder.mkdir()
        (folder / "cr.ini").write_bytes(f"[{word}]\rname = x\rapi_key = {key}\r".encode())
        (folder / "utf16.env").write_bytes(f"{word.upper()}_API_KEY={key}\r\n".encode("utf-16"))
        (folder / "é.txt").write_text(f"ü {r'{'}{word} token: {key}{r'}'} é\n", encoding="utf-8")
        (folder / word).mkdir()
        (folder / word / "settings.txt").write_text(f"token: {key}\n")
        with zipfile.ZipFile(folder / "bundle.zip", "w") as archive:
            archive.writestr("deep/config.yaml", f"{word}:\n  api_key: {key}\n")
        if all(c.isalnum() or c in "-_" for c in key):
            (folder / f"{key}.txt").write_text("x\n")
        count += 1
    return count


def test_a_directory_scan_with_hyperscan_finds_what_pure_python_finds(
    shipped_rules: RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole directory scan (names sifted by halving, UTF-16, CR-only lines, archives, a
    path that names the provider), Hyperscan forced on a small tree, against pure Python."""
    from byok_ci.detect import choose
    from byok_ci.scan import scan_paths

    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(choose, "FAST_PREFILTER_MIN_BYTES", 0)
    root = tmp_path / "tree"
    root.mkdir()
    _tree(root, shipped_rules, random.Random(9))

    def found() -> list[tuple[str, int, int, str, str]]:
        report = scan_paths([str(root)], rules=shipped_rules, root=str(root))
        assert not [e for e in report.errors if e.blocking], report.errors
        return sorted((f.path, f.line, f.column, f.rule_id, f.fingerprint) for f in report.findings)

    fast = found()
    monkeypatch.setenv("BYOK_CI_PREFILTER", "python")
    slow = found()
    missed = sorted({(path, rule) for path, _, _, rule, _ in set(slow) - set(fast)})
    assert not missed, missed
    assert fast == slow
    assert len({f[3] for f in slow}) > len(shipped_rules.rules) // 2


def test_a_path_that_names_a_provider_sends_only_texts_with_its_key_shape_to_its_rule(
    shipped_rules: RuleSet, rng: random.Random, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file under a directory named for a provider (haystack's `integrations/mistral/`)
    holds that provider's key only where the key's shape is: with Hyperscan, the rule's
    regex runs on the whole text only then (it ran on every such file, a fifth of the rules'
    time on that tree), and the key is found as before."""
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(tmp_path))
    detector = Detector(shipped_rules, prefilter=HyperscanPrefilter(shipped_rules.rules, "t"))
    searched: list[str] = []
    real = Detector._candidates

    def counting(self: Detector, rule: Rule, *args: object) -> object:
        searched.append(rule.id)
        return real(self, rule, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Detector, "_candidates", counting)
    rule = next(r for r in shipped_rules.rules if r.id == "mistral.api-key")
    path = "integrations/mistral/src/chat.py"
    plain = "def run(messages):\n    return client.chat(model='small', messages=messages)\n" * 50
    assert _findings(detector, plain, path) == []
    assert "mistral.api-key" not in searched
    key = generate_key(rule, rng)
    got = _findings(detector, plain + f"token = '{key}'\n", path)
    assert [rule_id for rule_id, *_ in got] == ["mistral.api-key"]
    assert "mistral.api-key" in searched

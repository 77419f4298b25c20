"""The rule set cached as JSON (byok_ci.rules.cache): same rules, rebuilt when anything changes,
never trusted blindly, never pickled."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from byok_ci.rules import cache, default_rules_dir, load_rules


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(directory))
    monkeypatch.delenv("BYOK_CI_RULES_CACHE", raising=False)
    return directory


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("rules-*.json"))


def test_rules_from_the_cache_are_the_rules_from_yaml(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_rules()
    (entry,) = entries(cache_dir)
    second = load_rules()  # from the cache
    monkeypatch.setenv("BYOK_CI_RULES_CACHE", "0")
    from_yaml = load_rules()
    assert first.rules == second.rules == from_yaml.rules
    assert first.digest == second.digest == from_yaml.digest
    assert [r.source for r in second.rules] == [r.source for r in from_yaml.rules]
    assert entries(cache_dir) == [entry]


def test_a_cache_hit_parses_no_pattern_for_the_key_matchers(cache_dir: Path) -> None:
    """The literal prefixes byok_ci.detect.anywhere anchors rules with context by come with the
    cached rules: the same as parsing the patterns gives, and no pattern is parsed for them."""
    load_rules()
    code = ("import json; from byok_ci.rules import load_rules, redos; from byok_ci.detect.anywhere import KeyMatcher\n"
            "parse = redos.sre_parse.parse; parsed = []  # re.compile's parser too\n"
            "redos.sre_parse.parse = lambda *a: parsed.append(a[0]) or parse(*a)\n"
            "rules = load_rules().rules; KeyMatcher(rules); redos.sre_parse.parse = parse\n"
            "print(json.dumps([[p for p in parsed if isinstance(p, str)], redos._CACHED_PREFIXES]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    parsed, cached = json.loads(out)
    from byok_ci.rules.redos import literal_prefix

    with_context = {r.pattern.pattern for r in load_rules().rules if r.context is not None}
    assert len(with_context) > 10 and not with_context & set(parsed)
    assert cached == {pattern: literal_prefix.__wrapped__(pattern) for pattern in with_context}


def test_a_cache_hit_reads_no_yaml(cache_dir: Path) -> None:
    load_rules()
    code = ("import sys; from byok_ci.rules import load_rules; r = load_rules(); "
            "print(len(r.rules), 'yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(load_rules().rules)), "False"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "bad-hash", "wrong-types", "empty", "pickle"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(cache_dir: Path, tmp_path: Path, damage: str) -> None:
    expected = load_rules()
    (entry,) = entries(cache_dir)
    good = entry.read_text()
    data = json.loads(good)
    marker = tmp_path / "unpickled"
    if damage == "truncated":
        entry.write_text(good[: len(good) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "bad-hash":
        entry.write_text(json.dumps({**data, "payload": data["payload"].replace("openai", "OPENAI", 1)}))
    elif damage == "wrong-types":
        payload = json.loads(data["payload"])
        payload[0]["rules"][0]["keywords"] = 42
        text = json.dumps(payload)
        import hashlib

        entry.write_text(json.dumps({**data, "payload": text, "sha256": hashlib.sha256(text.encode()).hexdigest()}))
    elif damage == "empty":
        entry.write_text("")
    else:  # a poisoned CI cache: a pickle that would run code if it were ever unpickled
        entry.write_bytes(pickle.dumps(_Marker(str(marker))))
    again = load_rules()
    assert again.rules == expected.rules and again.errors == expected.errors == ()
    assert not marker.exists()
    assert json.loads(entry.read_text())["sha256"] == data["sha256"]  # rewritten whole


class _Marker:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path(self.path).touch, ())


def test_the_cache_is_json_and_the_module_never_pickles(cache_dir: Path) -> None:
    load_rules()
    (entry,) = entries(cache_dir)
    data = json.loads(entry.read_text())
    assert set(data) == {"key", "format", "version", "sha256", "payload"}
    assert isinstance(json.loads(data["payload"]), list)
    source = Path(cache.__file__).read_text()
    assert "import pickle" not in source and "marshal" not in source and "shelve" not in source


def test_concurrent_writers_leave_one_whole_entry(cache_dir: Path) -> None:
    code = "from byok_ci.rules import load_rules; r = load_rules(); print(len(r.rules), r.digest)"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(6)]
    outs = {p.communicate()[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    expected = load_rules()
    assert outs == {f"{len(expected.rules)} {expected.digest}"}
    (entry,) = entries(cache_dir)
    assert json.loads(entry.read_text())["key"] in entry.name
    assert not list(cache_dir.glob("*.tmp")) and not list(cache_dir.glob(".rules-*"))


def _rules_copy(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in ("groq.yaml", "openai.yaml"):
        shutil.copy(default_rules_dir() / name, rules / name)
    return rules


def test_a_changed_rule_file_is_loaded_again(cache_dir: Path, tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    before = load_rules([rules])
    groq = rules / "groq.yaml"
    groq.write_text(groq.read_text().replace("description: ", "description: Changed ", 1))
    after = load_rules([rules])
    assert [r.description for r in after.rules] != [r.description for r in before.rules]
    assert any(r.description.startswith("Changed ") for r in after.rules)
    assert len(entries(cache_dir)) == 2
    (rules / "openai.yaml").unlink()  # a file removed is another set too
    assert {r.provider for r in load_rules([rules]).rules} == {"groq"}


def test_a_broken_rule_file_is_reported_from_the_cache_too(cache_dir: Path, tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    groq = rules / "groq.yaml"
    groq.write_text(groq.read_text().replace("    description: ", "    severity: fatal\n    description: ", 1))
    first = load_rules([rules])
    second = load_rules([rules])
    assert first.errors and first.errors == second.errors
    assert first.rules == second.rules


def test_another_version_is_another_key(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_rules()
    current = cache.__version__
    monkeypatch.setattr(cache, "__version__", "99.0.0")
    load_rules()
    assert sorted(json.loads(p.read_text())["version"] for p in entries(cache_dir)) == sorted([current, "99.0.0"])


def test_an_unwritable_cache_costs_only_the_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("BYOK_CI_CACHE_DIR", str(blocker / "cache"))
    assert load_rules().rules == load_rules().rules


def test_old_entries_are_pruned(cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)
    for n in range(5):
        monkeypatch.setattr(cache, "__version__", f"0.0.{n}")
        load_rules()
    assert len(entries(cache_dir)) == 3


def _plant_an_entry_without_rules(entry: Path) -> None:
    """What an attacker who can write the cache would plant: a well-formed entry (right key,
    right hash) whose rule files hold no rules."""
    import hashlib

    data = json.loads(entry.read_text())
    files = json.loads(data["payload"])
    for file in files:
        file["rules"] = []
    payload = json.dumps(files, separators=(",", ":"))
    entry.write_text(json.dumps({**data, "payload": payload, "sha256": hashlib.sha256(payload.encode()).hexdigest()}))


@pytest.mark.parametrize("variable", ["CI", "GITHUB_ACTIONS", "GITLAB_CI"])
def test_on_a_ci_machine_the_cache_in_the_home_is_neither_read_nor_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """A CI home restored from a shared cache store may hold a planted entry."""
    monkeypatch.delenv("BYOK_CI_CACHE_DIR", raising=False)
    monkeypatch.delenv("BYOK_CI_RULES_CACHE", raising=False)
    for name in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "JENKINS_URL", "TF_BUILD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    shipped = len(load_rules().rules)  # a developer's machine: the entry is written
    (entry,) = (tmp_path / "home-cache" / "byok-ci").glob("rules-*.json")
    _plant_an_entry_without_rules(entry)
    assert load_rules().rules == ()  # the documented trust: the user's own cache is read
    monkeypatch.setenv(variable, "true")
    assert len(load_rules().rules) == shipped
    entry.unlink()
    load_rules()
    assert not entry.exists()


def test_a_cache_directory_named_on_a_ci_machine_is_used(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    load_rules()
    assert len(entries(cache_dir)) == 1


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file ownership")
def test_an_entry_others_can_write_is_not_read(cache_dir: Path) -> None:
    shipped = len(load_rules().rules)
    (entry,) = entries(cache_dir)
    _plant_an_entry_without_rules(entry)
    entry.chmod(0o666)
    assert len(load_rules().rules) == shipped
    link = cache_dir / "elsewhere.json"
    entry.rename(link)
    _plant_an_entry_without_rules(link)
    link.chmod(0o644)
    entry.symlink_to(link)
    assert len(load_rules().rules) == shipped


def test_text_moved_from_one_rule_file_to_the_next_is_another_key(cache_dir: Path, tmp_path: Path) -> None:
    """The key hashes the files' contents once, one after the other, with their sizes: the same
    bytes cut at another place between two files are another rule set, and another entry."""
    rules = (default_rules_dir() / "openai.yaml").read_text()
    cut = rules.index("\n  - id:", rules.index("rules:")) + 1  # between the provider and its rules
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(rules)
    b.write_text("")
    load_rules([a, b])
    a.write_text(rules[:cut])
    b.write_text(rules[cut:])
    load_rules([a, b])
    assert len(entries(cache_dir)) == 2


def test_each_rule_file_is_hashed_once(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the rules from the cache hashes the rule files once (the rule set's digest also
    keys the cache) and the entry's payload once (its check)."""
    from byok_ci.rules import load

    load_rules()
    hashed = []
    real = load.sha256

    class Counted:
        def __init__(self, data: bytes = b"") -> None:
            self.hash = real(data)
            hashed.append(len(data))

        def update(self, data: bytes) -> None:
            hashed.append(len(data))
            self.hash.update(data)

        def digest(self) -> bytes:
            return self.hash.digest()

        def hexdigest(self) -> str:
            return self.hash.hexdigest()

    monkeypatch.setattr(load, "sha256", Counted)
    monkeypatch.setattr(cache, "sha256", Counted)
    load_rules()
    from byok_ci.rules.files import rule_files_in

    files = sum(len(path.read_bytes()) for path in rule_files_in(default_rules_dir()))
    (entry,) = entries(cache_dir)
    payload = len(json.loads(entry.read_text())["payload"].encode())
    assert files + payload <= sum(hashed) < files + payload + 4096


def test_a_pattern_edited_to_the_same_size_and_time_is_applied(cache_dir: Path, tmp_path: Path) -> None:
    """The cache key is the rule files' contents (their digest and sizes), not their size or
    time alone: a pattern changed by one character, the file's size and mtime kept, is the
    new pattern at once (a stale entry would be a silent miss of every key it now matches)."""
    import random

    from byok_ci.detect.engine import Detector
    from byok_ci.keygen import generate_key
    from byok_ci.model import Chunk

    rules = _rules_copy(tmp_path)
    groq = rules / "groq.yaml"
    wide = groq.read_text()
    assert wide.count("gsk_[A-Za-z0-9]{52}") == 1
    narrow = wide.replace("gsk_[A-Za-z0-9]{52}", "gsk_[A-Za-z0-8]{52}")
    groq.write_text(narrow)
    stat = groq.stat()
    assert load_rules([rules]).get("groq.api-key").pattern.pattern == "gsk_[A-Za-z0-8]{52}"  # now cached
    groq.write_text(wide)
    os.utime(groq, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert groq.stat().st_size == stat.st_size and groq.stat().st_mtime_ns == stat.st_mtime_ns
    ruleset = load_rules([rules])
    rule = ruleset.get("groq.api-key")
    assert rule is not None and rule.pattern.pattern == "gsk_[A-Za-z0-9]{52}"
    rng = random.Random(3)
    key = next(k for k in (generate_key(rule, rng) for _ in range(100)) if "9" in k)
    (finding,) = Detector(ruleset).detect(Chunk(text=f"GROQ_API_KEY={key}\n", path="f.env"))
    assert finding.rule_id == "groq.api-key"
    assert len(entries(cache_dir)) == 2


def test_entries_are_read_as_json_reads_them(cache_dir: Path) -> None:
    """cache._json_loads (json's C scanner, without importing json) reads what json.loads reads,
    and refuses what it refuses."""
    load_rules()
    (entry,) = entries(cache_dir)
    text = entry.read_text()
    assert cache._json_loads(text) == json.loads(text)
    assert cache._json_loads(json.loads(text)["payload"]) == json.loads(json.loads(text)["payload"])
    for good in ('{"a": [1, 2.5, -3e2, true, false, null, "\\u00e9\\n"]}', "[]", '"x"', "0"):
        assert cache._json_loads(good) == json.loads(good)
    # json.loads refuses these too, but NaN and Infinity, which the cache never writes
    for bad in ("", "{", '{"a": 1}{"b": 2}', "[1,]", "NaN", '{"a": Infinity}', '["\x01"]', "{'a': 1}"):
        with pytest.raises(ValueError):
            cache._json_loads(bad)

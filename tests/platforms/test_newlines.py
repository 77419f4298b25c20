"""Windows (CRLF), classic Mac OS (CR) and mixed line ends: the same findings, at the same
line and column, with the same redacted form and fingerprint as the LF file (issue 21 §5).

Every rule's own positive examples are written with each line end, in the places keys sit
(an .env line, a quoted string, YAML, JSON), so a rule whose charset or terminator let the
``\\r`` into a key, or whose context lookup stopped at ``\\n`` only, fails here by name.
"""

from __future__ import annotations

import codecs
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.config import load_config
from byok_ci.errors import ByokError
from byok_ci.keygen import expand_example, generate_key
from byok_ci.rules import Rule, load_rules
from byok_ci.scan import scan_paths, scan_text
from tests.conftest import key_for
from tests.gitrepo import GitRepo
from tests.platforms.cli import json_report

RULES = load_rules()
ENDINGS = {"crlf": "\r\n", "cr": "\r", "mixed": None}
PLACES = {
    "example": "{example}\n",
    "env": "A=1\n{name}={key}\n",
    "quoted": 'a = 1\nk = "{key}"\n',
    "yaml": "a: 1\nkey: {key}\n",
    "json": '{{\n  "a": 1,\n  "key": "{key}"\n}}\n',
}


def with_endings(text: str, ending: str) -> str:
    """``text`` (LF) with every line end ``ending``; "mixed": CRLF and LF in turn (a file
    edited on Windows and Linux). A lone CR among LF lines ends no line (git counts at LF)."""
    ending_text = ENDINGS[ending]
    if ending_text is not None:
        return text.replace("\n", ending_text)
    lines = text.split("\n")
    return "".join(line + ("\r\n", "\n")[i % 2] for i, line in enumerate(lines[:-1])) + lines[-1]


def _texts(rule: Rule) -> dict[str, str]:
    rng = random.Random(rule.id)
    key = generate_key(rule, rng)
    name = rule.id.upper().replace(".", "_").replace("-", "_")
    texts = {place: template.format(key=key, name=name, example="") for place, template in PLACES.items() if place != "example"}
    texts["example"] = expand_example(rule.examples.positive[0].replace("{key}", key), rule, rng) + "\n"
    return texts


def _seen(text: str) -> list[tuple[str, int, int, str, str]]:
    return sorted((f.rule_id, f.line, f.column, f.redacted, f.fingerprint) for f in scan_text(text, "k.env", rules=RULES))


@pytest.mark.parametrize("ending", list(ENDINGS))
@pytest.mark.parametrize("rule", RULES.rules, ids=lambda rule: rule.id)
def test_every_rule_finds_the_same_key_at_the_same_place_whatever_the_line_ends(rule: Rule, ending: str) -> None:
    for place, text in _texts(rule).items():
        expected = _seen(text)
        if place == "example":
            assert expected, f"{rule.id}: its first positive example finds nothing"
        assert _seen(with_endings(text, ending)) == expected, (rule.id, place)


def test_an_allow_marker_on_a_cr_only_line_allows_that_line_only(rng: random.Random) -> None:
    # Before: a CR-only file was one line, so a marker anywhere suppressed every key in it.
    allowed, leaked = key_for(RULES, "openai.project-key", rng), key_for(RULES, "openai.project-key", rng)
    text = f"A={allowed}  # byok-ci: allow\rB=1\rC={leaked}\r"
    found = scan_text(text, rules=RULES)
    assert [(f.line, f.column) for f in found] == [(3, 3)]
    assert found == scan_text(text.replace("\r", "\r\n"), rules=RULES)


def test_files_utf16_with_bom_and_crlf_point_at_the_lf_lines(tmp_path: Path, rng: random.Random) -> None:
    key = key_for(RULES, "anthropic.api-key", rng)
    text = f"# settings\nHOST=x\nANTHROPIC_API_KEY={key}\n"
    (tmp_path / "lf.env").write_text(text)
    for name, ending in (("crlf.env", "crlf"), ("cr.env", "cr"), ("mixed.env", "mixed")):
        (tmp_path / name).write_bytes(with_endings(text, ending).encode())
    (tmp_path / "utf16.env").write_bytes(codecs.BOM_UTF16_LE + with_endings(text, "crlf").encode("utf-16-le"))
    report = scan_paths([tmp_path], rules=RULES, root=tmp_path)
    assert report.errors == ()
    by_file = {f.path: (f.line, f.column, f.redacted, f.fingerprint) for f in report.findings}
    assert set(by_file) == {"lf.env", "crlf.env", "cr.env", "mixed.env", "utf16.env"}
    assert set(by_file.values()) == {by_file["lf.env"]}
    assert by_file["lf.env"][:2] == (3, 19)


@pytest.mark.parametrize("ending", ["crlf", "cr"])
def test_a_source_maps_crlf_sources_name_the_same_source_lines(tmp_path: Path, rng: random.Random, ending: str) -> None:
    key = key_for(RULES, "openai.project-key", rng)
    source = f"export const a = 1;\n\nexport const k = \"{key}\";\n"

    def write(name: str, content: str) -> None:
        document = {"version": 3, "sources": ["src/config.ts"], "names": [], "sourcesContent": [content], "mappings": "AAAA"}
        (tmp_path / name).write_bytes(with_endings(json.dumps(document, indent=1) + "\n", ending).encode())

    write("lf.js.map", source)
    write("other.js.map", with_endings(source, ending))
    report = scan_paths([tmp_path], rules=RULES, root=tmp_path)
    found = {f.path: (f.source, f.redacted, f.fingerprint) for f in report.findings}
    assert found["other.js.map"] == found["lf.js.map"]
    assert found["lf.js.map"][0] == "src/config.ts:3"


def test_staged_and_history_diffs_of_crlf_files_report_the_lf_findings(tmp_path: Path, rng: random.Random) -> None:
    # git keeps the \r of a CRLF file (no autocrlf): every diff line ends in it.
    keys = [key_for(RULES, "openai.project-key", rng) for _ in range(2)]
    text = f"A=1\nOPENAI_API_KEY={keys[0]}\nconfig = {{'key': '{keys[1]}'}}\n"
    repo = GitRepo(tmp_path / "repo")
    repo.write("lf.env", text)
    repo.write("crlf.env", text.replace("\n", "\r\n"))
    staged = _cli(repo.path, ["scan", "--staged", "--format", "json"], add=True)
    repo.commit("keys")
    history = _cli(repo.path, ["scan", "--history", "--format", "json"])
    for report in (staged, history):
        by_file: dict[str, list[tuple[int, int, str, str]]] = {}
        for f in report["findings"]:
            by_file.setdefault(f["path"], []).append((f["line"], f["column"], f["redacted"], f["fingerprint"]))
        assert len(by_file["lf.env"]) == 2
        assert sorted(by_file["crlf.env"]) == sorted(by_file["lf.env"])


def _cli(cwd: Path, args: list[str], add: bool = False) -> dict:  # type: ignore[type-arg]
    if add:
        GitRepo(cwd, init=False).git("add", "-A")
    return json_report(cwd, args)


def test_a_crlf_config_loads_and_its_errors_name_the_right_line(tmp_path: Path) -> None:
    config = tmp_path / ".byok-ci.yaml"
    config.write_bytes(b"version: 1\r\nexclude:\r\n  - 'build/**'\r\n\r\nmax_file_size: 5MB\r\n")
    assert load_config(config).exclude[-1] == "build/**"
    config.write_bytes(b"version: 1\r\nexclude:\r\n  - 'build/**'\r\n\r\nmax_file_size: lots\r\n")
    with pytest.raises(ByokError, match=r"\.byok-ci\.yaml:5: field 'max_file_size'"):
        load_config(config)


def test_a_crlf_manifest_points_at_the_right_line(tmp_path: Path) -> None:
    from byok_ci.manifest.load import load_manifest

    good = "version: 1\nenvironments:\n  prod:\n    keys:\n      - name: OPENAI_API_KEY\n        provider: openai\n"
    (tmp_path / "byok.yaml").write_bytes(good.replace("\n", "\r\n").encode())
    manifest = load_manifest(tmp_path / "byok.yaml")
    assert manifest is not None
    bad = good.replace("provider: openai", "provider: [openai") + "      - name: x\n"
    messages = []
    for text in (bad, bad.replace("\n", "\r\n")):
        (tmp_path / "byok.yaml").write_bytes(text.encode())
        with pytest.raises(ByokError) as raised:
            load_manifest(tmp_path / "byok.yaml")
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "at line 6, column 19" in messages[0]


def test_a_baseline_of_the_lf_checkout_holds_for_the_crlf_one(tmp_path: Path, rng: random.Random) -> None:
    # core.autocrlf=true on Windows checks the same commit out with CRLF: nothing baselined
    # may come back (a baseline entry is the key's fingerprint, never its line or bytes).
    key = key_for(RULES, "openai.project-key", rng)
    text = f"A=1\nOPENAI_API_KEY={key}\n"
    (tmp_path / "app.env").write_text(text)
    runner = CliRunner()
    import os

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        made = runner.invoke(main, ["baseline", "create", "-o", "baseline.json", "app.env"], catch_exceptions=False)
        assert made.exit_code == 0, made.output
        (tmp_path / "app.env").write_bytes(text.replace("\n", "\r\n").encode())
        scanned = runner.invoke(main, ["scan", "--baseline", "baseline.json", "app.env"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert scanned.exit_code == 0, scanned.output


@pytest.mark.parametrize("before", ["", "x = 1\n"])
def test_a_stray_cr_in_an_lf_file_ends_no_line_in_files_or_history(tmp_path: Path, rng: random.Random, before: str) -> None:
    # git, and so history scans and GitHub's line links, count lines at LF only.
    key = key_for(RULES, "openai.project-key", rng)
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.env", f"{before}A=1\rOPENAI_API_KEY={key}\nB=2\n")
    on_disk = scan_paths([repo.path / "app.env"], rules=RULES, root=repo.path)
    repo.commit("key")
    history = _cli(repo.path, ["scan", "--history", "--format", "json"])
    line = before.count("\n") + 1
    assert [(f.line, f.column) for f in on_disk.findings] == [(line, 20)]
    assert [(f["line"], f["column"]) for f in history["findings"]] == [(line, 20)]

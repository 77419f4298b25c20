"""The one redaction step, the one terminal escape and the one workflow-command writer."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from byok_ci.keygen import fixture_key, generate_key
from byok_ci.outbound import RedactingWriter, escape_terminal, keep_identifiers, redact_text
from byok_ci.report.github import workflow_command
from byok_ci.rules import RuleSet, load_rules
from tests.conftest import key_for

PREFIXED = ["openai.project-key", "anthropic.api-key", "groq.api-key", "huggingface.user-token", "aws.access-key-id",
            "google.api-key", "xai.api-key", "deepseek.api-key", "openai.legacy-key"]


@pytest.mark.parametrize("rule_id", PREFIXED)
@pytest.mark.parametrize("around", ["{key}", "x{key}", "backup_{key}_old.env", "dir/{key}/a", "'{key}'", "{key}{key}"])
def test_a_key_with_fixed_text_is_redacted_anywhere(shipped_rules: RuleSet, rng: random.Random, rule_id: str,
                                                   around: str) -> None:
    """Glued to a word, followed by more of a file name: no boundary or context needed."""
    key = key_for(shipped_rules, rule_id, rng)
    shown = redact_text("path: " + around.format(key=key))
    assert key[-12:] not in shown and key[-16:-4] not in shown
    assert "…" in shown


def test_a_prefixless_key_needs_its_context(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "mistral.api-key", rng)
    assert redact_text(f"MISTRAL_API_KEY={key}") == "MISTRAL_API_KEY=…" + key[-4:]
    assert redact_text(f"value {key}") == f"value {key}"  # a bare 32-character string is anything


def test_byok_ci_identifiers_are_never_redacted(shipped_rules: RuleSet) -> None:
    """Commit shas (even next to a prefix-less rule's context), fingerprints, rule ids, digests."""
    sha = "3f" * 20  # a 40-hex commit sha: the shape of a Deepgram or W&B key
    keep_identifiers([sha])
    ids = [f"deepgram.api-key wandb.api-key at deepgram.env:1 commit {sha}", f"DEEPGRAM_KEY={sha}",
           "fp 0123456789abcdef rules 6cf975d2366337fc", " ".join(r.id for r in shipped_rules.rules)]
    for text in ids:
        assert redact_text(text) == text


def test_fixture_keys_are_not_keys(shipped_rules: RuleSet) -> None:
    """`byok-ci rules fixture` prints a fake key on purpose."""
    rule = shipped_rules.get("openai.project-key")
    assert rule is not None
    fake = fixture_key(rule, random.Random(2))
    assert redact_text(fake) == fake


def test_user_rules_count_too(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(
        "provider: acme\nrules:\n  - id: acme.token\n    description: Acme token\n    keywords: [acmetok_]\n"
        "    pattern: 'acmetok_[a-z0-9]{24}'\n    format: ['acmetok_', {lower_alnum: 24}]\n"
    )
    rules = load_rules(extra=[tmp_path / "acme.yaml"], disabled=["acme.token"])
    rule = next(r for r in load_rules(extra=[tmp_path / "acme.yaml"]).rules if r.id == "acme.token")
    assert rules.get("acme.token") is None  # a disabled rule finds nothing, but its keys are still redacted
    key = generate_key(rule, random.Random(5))
    assert key[8:] not in redact_text(f"no such file: {key}.env")


@pytest.mark.parametrize("char, shown", [
    ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\x00", "\\x00"), ("\x1b", "\\x1b"), ("\x7f", "\\x7f"),
    ("\x9b", "\\x9b"), ("\u202e", "\\u202e"), ("\u2066", "\\u2066"), ("\u2028", "\\u2028"), ("\u200f", "\\u200f"),
    ("\udcff", "\\xff"), ("\udc9b", "\\x9b"),
])
def test_escape_terminal_shows_control_characters(char: str, shown: str) -> None:
    assert escape_terminal(f"a{char}b") == f"a{shown}b"


@pytest.mark.parametrize("text", ["plain ascii", "naïve café.py", "日本語/ファイル.txt", "emoji 👩‍💻 zwj", "nbsp\u00a0here"])
def test_escape_terminal_leaves_printable_text_alone(text: str) -> None:
    assert escape_terminal(text) == text


def test_workflow_command_escapes_data_and_properties() -> None:
    line = workflow_command("error", "50% done\nnext", file="a,b:c\n::stop-commands::x", line=3, title="t")
    assert "\n" not in line and "\r" not in line
    assert line.startswith("::error file=a%2Cb%3Ac\\n%3A%3Astop-commands%3A%3Ax,line=3,title=t::")
    assert line.endswith("::50%25 done\\nnext")
    assert line.count("::") == 2  # the command's own two: nothing the data holds can end the properties


def test_workflow_command_without_properties() -> None:
    assert workflow_command("notice", "x") == "::notice::x"


def test_redacting_writer_redacts_a_key_split_across_writes(shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    out = io.StringIO()
    writer = RedactingWriter(out)
    for piece in ("K=", key[:10], key[10:30], key[30:], "\n"):
        writer.write(piece)
    writer.flush()
    assert out.getvalue() == f"K=gsk_…{key[-4:]}\n"
    with pytest.raises(TypeError):
        writer.write(b"")  # type: ignore[arg-type]  # click tells text streams from binary ones so


def test_byok_errors_are_redacted_when_made(shipped_rules: RuleSet, rng: random.Random, tmp_path: Path) -> None:
    """A library caller printing the exception sees no key (an unknown config field, a revision)."""
    from byok_ci.config import load_config
    from byok_ci.errors import ConfigError, GitError

    key = key_for(shipped_rules, "nvidia.api-key", rng)
    (tmp_path / "c.yaml").write_text(f"{key}: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.yaml")
    assert key[6:30] not in str(caught.value) and key[6:30] not in caught.value.reason
    assert key[6:30] not in str(GitError(f"unknown revision {key!r}"))


_PROBE = """
import sys
from byok_ci.cli import main
try:
    main(sys.argv[1:], prog_name="byok-ci")
except SystemExit:
    pass
sys.stderr.write("rules loaded: %s" % ("byok_ci.rules" in sys.modules))
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"], ["manifest", "check", "--help"]])
def test_help_and_version_do_not_load_the_rules(args: list[str]) -> None:
    """Redaction without a loaded rule set loads the shipped rules only for text that could
    hold a key (a conservative test: `scan --help` mentions base64 and 127.0.0.1 and pays)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True)
    assert done.stderr.endswith("rules loaded: False"), done.stderr


def test_a_key_in_a_usage_error_is_redacted_before_any_rule_was_loaded() -> None:
    """`--format <key>` fails in click's parser, before any command loaded rules; an AWS key
    id may hold no digit at all."""
    import subprocess
    import sys

    key = "AKIA" + "".join(random.Random(7).choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(16))
    done = subprocess.run([sys.executable, "-c", _PROBE, "scan", "--format", key], capture_output=True, text=True)
    assert "Invalid value for '--format'" in done.stderr
    assert key[4:] not in done.stderr and "rules loaded: True" in done.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252", "utf-8"])
def test_a_narrow_standard_output_gets_escapes_not_an_error(tmp_path: Path, shipped_rules: RuleSet,
                                                            rng: random.Random, encoding: str) -> None:
    """The redacted form's ellipsis (and any name outside the encoding) made a scan to an
    ASCII terminal or pipe (LANG=C, PYTHONIOENCODING=ascii) end in an internal error, exit 3,
    its findings never shown; JSON on such an output must still parse to the same report."""
    import json
    import os
    import subprocess
    import sys

    key = key_for(shipped_rules, "openai.project-key", rng)
    (tmp_path / "s\u00e9ttings \U0001f511.env").write_text(f"OPENAI_API_KEY={key}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    text = subprocess.run([sys.executable, "-m", "byok_ci", "scan", "."], cwd=tmp_path, env=env,
                          capture_output=True)
    shown = text.stdout.decode(encoding)
    assert text.returncode == 1, text.stderr
    assert "openai.project-key" in shown and key[-20:-4] not in shown
    data = subprocess.run([sys.executable, "-m", "byok_ci", "scan", ".", "--format", "json"], cwd=tmp_path, env=env,
                          capture_output=True)
    assert data.returncode == 1, data.stderr
    (finding,) = json.loads(data.stdout.decode(encoding))["findings"]
    assert finding["path"] == "s\u00e9ttings \U0001f511.env" and "\u2026" in finding["redacted"]


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_junit_on_a_narrow_standard_output_names_the_real_file(tmp_path: Path, shipped_rules: RuleSet,
                                                               rng: random.Random, encoding: str) -> None:
    """``\\uXXXX`` means nothing in XML: JUnit on an ASCII output named a file
    ``s\\u00e9ttings.env`` that does not exist. Character references keep it the same document."""
    import os
    import subprocess
    import sys
    import xml.etree.ElementTree as ET

    key = key_for(shipped_rules, "openai.project-key", rng)
    name = "s\u00e9ttings \u20ac\U0001f511.env"
    (tmp_path / name).write_text(f"OPENAI_API_KEY={key}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run([sys.executable, "-m", "byok_ci", "scan", ".", "--format", "junit"], cwd=tmp_path, env=env,
                          capture_output=True)
    assert done.returncode == 1, done.stderr
    assert key[-20:-4].encode() not in done.stdout
    (case,) = [c for c in ET.fromstring(done.stdout).iter("testcase") if c.get("file")]
    assert case.get("file") == name

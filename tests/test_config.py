from __future__ import annotations

from pathlib import Path

import pytest

from byok_ci.config import Settings, load_config, parse_size, resolve_settings
from byok_ci.errors import ConfigError


def test_found_at_git_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".byok-ci.yaml").write_text("exclude: [fixtures]\nmax_file_size: 2MB\n")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    settings, errors = resolve_settings(cwd=sub, environ={})
    assert errors == [] and settings.exclude == ("fixtures",) and settings.max_file_size == 2 * 1024**2


def test_precedence_cli_over_environment_over_file(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("exclude: [a]\nmax_file_size: 100\ndisable_rules: [google.api-key]\n")
    settings, errors = resolve_settings(
        config_file=config, cwd=tmp_path, environ={"BYOK_CI_EXCLUDE": "b,c", "BYOK_CI_MAX_FILE_SIZE": "200"}
    )
    assert errors == []
    assert settings.exclude == ("a", "b", "c") and settings.max_file_size == 200
    cli = settings.extended(exclude=("d",), max_file_size=300)
    assert cli.exclude == ("a", "b", "c", "d") and cli.max_file_size == 300 and cli.disable_rules == ("google.api-key",)


def test_rule_files_are_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("rule_files: [my-rules.yaml]\n")
    settings = load_config(tmp_path / "c.yaml")
    assert settings.rule_files == (tmp_path / "my-rules.yaml",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("exclude: [a\n", 2, "malformed YAML"),
        ("exclud: [a]\n", 1, "unknown field 'exclud'"),
        ("\n\nexclude: 3\n", 3, "field 'exclude' must be a list"),
        ("max_file_size: lots\n", 1, "field 'max_file_size'"),
        ("- a\n", 1, "must be a mapping"),
    ],
)
def test_malformed_config_is_a_located_error(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / ".byok-ci.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.path == path.as_posix() and caught.value.line == line and words in caught.value.reason
    settings, errors = resolve_settings(cwd=tmp_path, environ={})
    assert settings == Settings() and [e.path for e in errors] == [path.as_posix()]


def test_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    _, errors = resolve_settings(config_file=tmp_path / "nope.yaml", cwd=tmp_path, environ={})
    assert [e.message for e in errors] == ["config file not found"]


@pytest.mark.parametrize(("text", "size"), [("100", 100), ("2k", 2048), ("10MB", 10 * 1024**2), ("1GiB", 1024**3)])
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "ten", "-1", "0"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)

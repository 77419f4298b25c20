"""The command line contract: formats, outputs, exit codes, errors on stderr."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.conftest import key_for


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def leaky(tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> Path:
    (tmp_path / "app.py").write_text(f'KEY = "{key_for(shipped_rules, "openai.project-key", rng)}"\n')
    return tmp_path


def invoke(runner: CliRunner, args: list[str], cwd: Path, **kw):  # type: ignore[no-untyped-def]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args, catch_exceptions=False, **kw)
    finally:
        os.chdir(old)


def test_clean_tree_exits_0(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("print('hello')\n")
    result = invoke(runner, ["scan", "."], tmp_path)
    assert result.exit_code == 0 and "no leaks found" in result.output


def test_leak_exits_1(runner: CliRunner, leaky: Path) -> None:
    result = invoke(runner, ["scan"], leaky)
    assert result.exit_code == 1 and "app.py" in result.output and "openai.project-key" in result.output


def test_unreadable_input_and_nothing_found_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, ["scan", "missing.py"], tmp_path)
    assert result.exit_code == 2
    assert "byok-ci: error: missing.py: no such file or directory" in result.stderr


def test_leak_plus_error_exits_1_and_reports_both(runner: CliRunner, leaky: Path) -> None:
    result = invoke(runner, ["scan", "app.py", "missing.py", "--format", "json"], leaky)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert len(data["findings"]) == 1 and data["errors"][0]["path"] == "missing.py"


def test_usage_error_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    assert invoke(runner, ["scan", "--format", "yaml"], tmp_path).exit_code == 2
    assert invoke(runner, ["scan", "--max-file-size", "lots"], tmp_path).exit_code == 2


def test_output_and_extra_report_files(runner: CliRunner, leaky: Path) -> None:
    result = invoke(runner, ["scan", "--format", "json", "--output", "r.json", "--junit", "r.xml"], leaky)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((leaky / "r.json").read_text())["findings"][0]["rule_id"] == "openai.project-key"
    assert "<testsuites" in (leaky / "r.xml").read_text()


def test_stdin(runner: CliRunner, tmp_path: Path, shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, "groq.api-key", rng)
    result = invoke(runner, ["scan", "-", "--format", "json"], tmp_path, input=f"x\nGROQ={key}\n")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["line"]) == ("<stdin>", 2)


def test_malformed_config_is_reported_and_scan_still_runs(runner: CliRunner, leaky: Path) -> None:
    (leaky / ".byok-ci.yaml").write_text("exclude: [unclosed\n")
    result = invoke(runner, ["scan", "--format", "json"], leaky)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["findings"] and data["errors"][0]["path"].endswith(".byok-ci.yaml")
    assert ".byok-ci.yaml:2: malformed YAML" in result.stderr


def test_config_excludes_and_disables(runner: CliRunner, leaky: Path) -> None:
    (leaky / ".byok-ci.yaml").write_text("disable_rules: [openai.project-key]\n")
    assert invoke(runner, ["scan"], leaky).exit_code == 0
    (leaky / ".byok-ci.yaml").write_text("exclude: ['*.py']\n")
    assert invoke(runner, ["scan"], leaky).exit_code == 0


def test_quiet_and_verbose(runner: CliRunner, leaky: Path) -> None:
    quiet = invoke(runner, ["scan", "-q"], leaky)
    assert "finding in" not in quiet.stdout and "openai.project-key" in quiet.stdout
    verbose = invoke(runner, ["scan", "-v"], leaky)
    assert "rules; skipped" in verbose.stderr


def test_no_color_env(runner: CliRunner, leaky: Path) -> None:
    result = invoke(runner, ["scan"], leaky, env={"NO_COLOR": "1"})
    assert "\033[" not in result.output


def test_rules_list_show_and_test(runner: CliRunner, tmp_path: Path) -> None:
    listed = invoke(runner, ["rules", "list"], tmp_path)
    assert listed.exit_code == 0 and "anthropic.admin-key" in listed.stdout
    shown = invoke(runner, ["rules", "show", "openai.project-key"], tmp_path)
    assert shown.exit_code == 0 and "revoke at:" in shown.stdout and '"sk-proj-"' in shown.stdout
    assert invoke(runner, ["rules", "show", "nope.nope"], tmp_path).exit_code == 2
    tested = invoke(runner, ["rules", "test"], tmp_path)
    assert tested.exit_code == 0 and " 0 failed" in tested.stdout


def test_rules_list_groups_rules_under_their_provider(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "provider: mine\nrules:\n  - id: mine.key\n    description: my key\n    keywords: [mk_]\n"
        "    pattern: 'mk_[a-z0-9]{32}'\n    format: [mk_, {lower_alnum: 32}]\n"
    )
    listed = invoke(runner, ["rules", "list", "--rules", "mine.yaml"], tmp_path)
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    headers = [line for line in lines[:-1] if not line.startswith("  ")]
    assert headers[:2] == ["AI21 Labs [ai21]", "Anthropic [anthropic]"]
    assert headers == sorted(headers, key=lambda h: h.rsplit("[", 1)[-1]) and "mine" in headers  # by provider id
    anthropic = lines.index("Anthropic [anthropic]")
    assert [line.split()[0] for line in lines[anthropic + 1:anthropic + 4]] == [
        "anthropic.api-key", "anthropic.admin-key", "anthropic.oauth-token"]
    assert lines[lines.index("mine") + 1].split()[:2] == ["mine.key", "error"]
    rules = [line.split()[0] for line in lines if line.startswith("  ")]
    providers = len(headers)
    assert lines[-1] == f"{len(rules)} rules, {providers} providers" and providers >= 48
    # JSON stays one flat list of rules, in load order, with the provider on each.
    rows = json.loads(invoke(runner, ["rules", "list", "--rules", "mine.yaml", "--format", "json"], tmp_path).stdout)
    assert all(set(row) == {"id", "provider", "severity", "description"} for row in rows)
    assert sorted(r["id"] for r in rows) == sorted(rules) and rows[-1]["id"] == "mine.key"
    under, header = {}, ""  # the provider each rule is listed under in the text
    for line in lines[:-1]:
        if line.startswith("  "):
            under[line.split()[0]] = header
        else:
            header = line.rsplit("[", 1)[-1].rstrip("]")
    assert all(under[r["id"]] == r["provider"] for r in rows)


def test_rules_test_reports_failing_user_examples(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "provider: mine\nrules:\n  - id: mine.key\n    description: my key\n    keywords: [mk_]\n"
        "    pattern: 'mk_[a-z0-9]{32}'\n    format: [mk_, {lower_alnum: 32}]\n"
        "    examples:\n      positive: ['K={key}', 'K={short}']\n      negative: ['K={placeholder}']\n"
    )
    result = invoke(runner, ["rules", "test", "mine.yaml"], tmp_path)
    assert result.exit_code == 1
    assert "FAIL mine.key positive example 2" in result.stdout and "template: K={short}" in result.stdout
    assert "2 passed, 1 failed (1 rules)" in result.stdout


def test_internal_error_exits_3_without_traceback(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import byok_ci.scan

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("a value that must not be printed")

    monkeypatch.setattr(byok_ci.scan, "scan_paths", boom)
    result = invoke(runner, ["scan"], tmp_path)
    assert result.exit_code == 3
    assert "internal error (RuntimeError" in result.stderr and "must not be printed" not in result.stderr


def test_module_and_console_script_entry_points(tmp_path: Path) -> None:
    for cmd in ([sys.executable, "-m", "byok_ci", "--version"], [str(Path(sys.executable).parent / "byok-ci"), "--version"]):
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
        assert out.returncode == 0 and out.stdout.startswith("byok-ci, version")


def test_unwritable_report_path_is_an_error_and_stdout_still_written(runner: CliRunner, leaky: Path) -> None:
    result = invoke(runner, ["scan", "--junit", "no-such-dir/r.xml"], leaky)
    assert result.exit_code == 1 and "openai.project-key" in result.stdout
    assert "byok-ci: error: no-such-dir/r.xml: cannot write junit report" in result.stderr
    assert not list(leaky.glob("**/.byok-ci-*.partial"))


def test_interrupted_scan_leaves_no_report(leaky: Path) -> None:
    """SIGTERM mid-scan: exit 130, message on stderr, no report file at all."""
    import signal

    from tests.procs import slow_tree, wait_until_reading

    big = slow_tree(leaky)
    proc = subprocess.Popen(
        [sys.executable, "-m", "byok_ci", "scan", ".", "--jobs", "1", "--json", "r.json"],
        cwd=leaky, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "BYOK_CI_PREFILTER": "python"},
    )
    wait_until_reading(proc.pid, big)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    if proc.returncode in (0, 1):
        pytest.skip("the scan finished before the signal arrived")
    assert proc.returncode == 130 and b"interrupted" in err
    assert not (leaky / "r.json").exists() and not list(leaky.glob(".byok-ci-*"))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_for_large_scans_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from byok_ci.cli.scan import scan_files_report
    from byok_ci.config import Settings
    from byok_ci.report import progress

    for n in range(5):
        (tmp_path / f"f{n}.txt").write_text("plain text\n" * 200_000)  # 2.2 MB each
    monkeypatch.setattr(progress, "PROGRESS_MIN_BYTES", 1 << 20)
    terminal = _Terminal()
    monkeypatch.setattr(progress.sys, "stderr", terminal)
    scan_files_report((str(tmp_path),), Settings(jobs=1), show_progress=True)
    assert "byok-ci: MB" in terminal.getvalue() and "100%" in terminal.getvalue()
    for show, threshold in ((False, 1 << 20), (True, 1 << 30)):  # -q, or a small scan: no bar
        terminal = _Terminal()
        monkeypatch.setattr(progress.sys, "stderr", terminal)
        monkeypatch.setattr(progress, "PROGRESS_MIN_BYTES", threshold)
        scan_files_report((str(tmp_path),), Settings(jobs=1), show_progress=show)
        assert terminal.getvalue() == ""


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_progress_reaches_the_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    import byok_ci.scan
    from byok_ci.config import Settings

    for n in range(30):
        (tmp_path / f"f{n}.txt").write_text("plain text\n" * (1000 + n))
    monkeypatch.setattr(byok_ci.scan, "PARALLEL_MIN_BYTES", {"python": 0, "hyperscan": 0})
    monkeypatch.setattr(byok_ci.scan, "BATCH_BYTES", 50_000)
    calls: list[tuple[int, int]] = []
    byok_ci.scan.scan_paths([str(tmp_path)], settings=Settings(jobs=jobs), root=tmp_path,
                            progress=lambda done, total: calls.append((done, total)))
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert len(calls) > 1 and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_shared_options_are_declared_once() -> None:
    """--config, --quiet, --no-color, the formats and the artifact options live in
    byok_ci/cli/options.py; no command module declares them again or patches click's
    parameter lists."""
    import re

    import byok_ci.cli

    folder = Path(byok_ci.cli.__file__).parent
    shared = ("--config", "--quiet", "--no-color", "--format", "--json", "--junit", "--sarif", "--strict",
              "--proxy", "--allow-host", "--audit-log", "--no-archives", "--max-archive-depth")
    seen: dict[str, list[str]] = {}
    for module in sorted(folder.glob("*.py")):
        text = module.read_text()
        assert "__click_params__" not in text, module.name
        for option in shared:
            if re.search(rf"""["']{re.escape(option)}["']""", text):
                seen.setdefault(option, []).append(module.name)
    assert seen == {option: ["options.py"] for option in shared}
    from byok_ci.cli.scan import scan

    assert {"--config", "--json", "--no-archives"} <= {o for p in scan.params for o in p.opts}


def test_a_scan_imports_no_other_command() -> None:
    """Commands are imported when they run: a hook's `byok-ci scan` does not load drift,
    check, manifest, rules or baseline, nor the registry of rule ids."""
    code = (
        "import sys\nfrom byok_ci.cli import main\n"
        "try:\n    main(['scan', '--format', 'json', '-'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith(('byok_ci.cli.', 'byok_ci.rules.ids')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], input="nothing here\n", capture_output=True, text=True,
                         check=True).stdout.strip().splitlines()[-1]
    assert out == "byok_ci.cli.git,byok_ci.cli.options,byok_ci.cli.scan"


def test_no_inline_allow_reports_what_an_allow_marker_holds_back(runner: CliRunner, tmp_path: Path,
                                                                  shipped_rules: RuleSet) -> None:
    key = key_for(shipped_rules, "openai.project-key", random.Random(8))
    (tmp_path / "a.env").write_text(f"OPENAI_API_KEY={key}  # byok-ci: allow\n")
    (tmp_path / "b.env").write_text(f"# pragma: allowlist nextline secret\nOPENAI_API_KEY={key}\n")
    honoured = invoke(runner, ["scan", ".", "--format", "json"], cwd=tmp_path)
    assert honoured.exit_code == 0 and json.loads(honoured.stdout)["findings"] == []
    strict = invoke(runner, ["scan", ".", "--format", "json", "--no-inline-allow"], cwd=tmp_path)
    assert strict.exit_code == 1
    assert sorted(f["path"] for f in json.loads(strict.stdout)["findings"]) == ["a.env", "b.env"]
    assert key not in strict.stdout

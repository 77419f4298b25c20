from __future__ import annotations

import io

from byok_ci.model import Finding, Report, ScanError, Stats
from byok_ci.report.github import escape_data, escape_property, write, write_summary


def finding(path: str, line: int, rule: str = "groq.api-key") -> Finding:
    return Finding(rule, "groq", "error", path, line, 2, "Groq API key in plain text", "gsk_…abcd", "f" * 16)


def test_escaping() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_annotations_are_escaped_deduplicated_and_capped() -> None:
    findings = [finding("a,b:c.py", 1), finding("a,b:c.py", 1)] + [finding(f"f{n}.py", n) for n in range(1, 13)]
    out = io.StringIO()
    write(Report("scan", findings, [ScanError("bad.yaml", "malformed YAML: x", 3)], Stats()), out, limit=10)
    lines = out.getvalue().splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 10
    assert errors[0] == ("::error file=a%2Cb%3Ac.py,line=1,col=2,title=byok-ci%3A groq.api-key::"
                         "Groq API key in plain text: gsk_…abcd")
    assert any(line.startswith("::notice") and "3 more findings" in line for line in lines)
    assert lines[-1].startswith("::warning title=byok-ci could not check bad.yaml::bad.yaml:3")


def test_summary_table_and_clean_line() -> None:
    out = io.StringIO()
    write_summary(Report("scan", [finding("x|y.py", 4)], [], Stats(files=3)), out)
    assert "| x\\|y.py | 4 | groq.api-key | Groq API key in plain text | `gsk_…abcd` |  |" in out.getvalue()
    clean = io.StringIO()
    write_summary(Report("scan", [], [], Stats(files=3)), clean)
    assert "No leaks found (3 files checked)." in clean.getvalue()


def test_a_crafted_file_name_adds_no_link_image_or_column_to_the_job_summary(tmp_path, shipped_rules) -> None:  # type: ignore[no-untyped-def]
    """A pull request chooses its file names: in the job summary they are text, never a
    link, an image or a column, and the key in the file stays redacted."""
    import random
    import re

    from byok_ci.scan import scan_paths
    from tests.conftest import key_for

    key = key_for(shipped_rules, "openai.project-key", random.Random(31))
    name = "[docs](https:evil.example) <img src=x> `x|y.env"
    (tmp_path / name).write_text(f"OPENAI_API_KEY={key}\n")
    out = io.StringIO()
    write_summary(scan_paths([str(tmp_path)], rules=shipped_rules), out)
    row = next(line for line in out.getvalue().splitlines() if "docs" in line)
    assert row.startswith("| \\[docs\\](https:evil.example) \\<img src=x\\> \\`x\\|y.env | 1 | openai.project-key |")
    assert len(re.split(r"(?<!\\)\|", row)[1:-1]) == 6  # the table's six columns, none added
    assert key not in out.getvalue()

from __future__ import annotations

import io

from byok_ci.model import Finding, Report, Stats
from byok_ci.report.text import write


def rep() -> Report:
    f = Finding("groq.api-key", "groq", "error", "src/a.py", 2, 5, "Groq API key in plain text", "gsk_…abcd", "f" * 16)
    return Report("scan", [f], [], Stats(files=1, bytes=2048, seconds=0.01))


def test_grouped_by_file_and_plain_by_default() -> None:
    out = io.StringIO()
    write(rep(), out)
    text = out.getvalue()
    assert text.splitlines()[0] == "src/a.py"
    assert "2:5" in text and "groq.api-key" in text and "gsk_…abcd" in text
    assert "\033[" not in text and "1 finding in 1 file" in text


def test_colour_only_when_asked() -> None:
    out = io.StringIO()
    write(rep(), out, color=True)
    assert "\033[31m" in out.getvalue()


def test_quiet_drops_the_summary() -> None:
    out = io.StringIO()
    write(rep(), out, quiet=True)
    assert "finding in" not in out.getvalue() and "groq.api-key" in out.getvalue()


def test_a_finding_without_a_redacted_form_has_no_empty_column() -> None:
    """Manifest and drift findings about names and policy carry only a message."""
    f = Finding("manifest.owner", "openai", "warning", "byok.yaml", 7, 3, "no owner", "", "0" * 16)
    out = io.StringIO()
    write(Report("manifest check", [f]), out, quiet=True)
    line = out.getvalue().splitlines()[1]
    assert line.endswith("manifest.owner  fp 0000000000000000"), line
    assert "    " not in line.strip()


def test_a_scan_that_could_not_read_everything_never_reads_as_clean() -> None:
    """What could not be read is never "no leaks found": the summary says incomplete."""
    from byok_ci.model import ScanError

    out = io.StringIO()
    write(Report("scan", [], [ScanError("big.bin", "file too large", None)], Stats(files=3, bytes=10)), out)
    summary = out.getvalue().splitlines()[-1]
    assert summary.startswith("incomplete, not clean: no key in what could be read, but not everything was (3 files")
    assert "no leaks found" not in out.getvalue()
    assert "1 problem reported as errors" in summary
    out = io.StringIO()
    write(Report("scan", [], [], Stats(files=3, bytes=10)), out)
    assert out.getvalue().startswith("no leaks found (3 files")

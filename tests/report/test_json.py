from __future__ import annotations

import io
import json

from byok_ci._version import __version__
from byok_ci.model import CommitInfo, Finding, Report, ScanError, Stats
from byok_ci.report.json import write


def test_envelope_shape_and_sorting() -> None:
    a = Finding("groq.api-key", "groq", "error", "b.py", 2, 1, "m", "gsk_…abcd", "1" * 16)
    b = Finding("groq.api-key", "groq", "error", "a.py", 9, 4, "m", "gsk_…wxyz", "2" * 16,
                commit="c" * 40, commit_info=CommitInfo("Ann", "2026-01-01T00:00:00Z"), history_only=True)
    rep = Report("scan", [a, b], [ScanError("z", "cannot read: permission denied")], Stats(3, 10, 0.5),
                 rules_count=40, rules_digest="d" * 16)
    stream = io.StringIO()
    write(rep, stream)
    data = json.loads(stream.getvalue())
    assert data["version"] == 1
    assert data["tool"] == {"name": "byok-ci", "version": __version__, "rules": {"count": 40, "digest": "d" * 16}}
    assert [f["path"] for f in data["findings"]] == ["a.py", "b.py"]
    assert data["findings"][0]["commit_info"] == {"author": "Ann", "date": "2026-01-01T00:00:00Z"}
    assert data["findings"][0]["history_only"] is True and "history_only" not in data["findings"][1]
    assert data["findings"][1]["commit"] is None
    assert data["errors"] == [{"path": "z", "message": "cannot read: permission denied"}]
    assert data["stats"]["files"] == 3 and data["stats"]["bytes"] == 10 and data["stats"]["seconds"] == 0.5

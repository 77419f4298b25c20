"""GitLab's secret-detection report (``artifacts:reports:secret_detection``).

The format is GitLab's ``secret-detection-report-format.json`` (security-report-schemas,
version :data:`SCHEMA_VERSION`; a copy is vendored under ``tests/data/gitlab`` and every
report the tests write is validated against it). GitLab shows these findings in the merge
request widget, the pipeline's security tab and the vulnerability report.

The schema's ``raw_source_code_extract`` is "an unsanitized excerpt of the affected source
code": byok-ci puts the redacted form there and nothing else, so no key reaches GitLab's
database through this file. A finding outside git has no commit; GitLab's own analyzer
then writes the sha ``0000000``, and so does this one (the schema requires a sha).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, TextIO

from byok_ci._version import PROJECT_URL, __version__
from byok_ci.model import Finding, Report, RuleInfo
from byok_ci.outbound import defuse_json

SCHEMA_VERSION = "15.2.1"
SCHEMA_URI = ("https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
              f"v{SCHEMA_VERSION}/dist/secret-detection-report-format.json")
NO_COMMIT = "0000000"
_SEVERITY = {"error": "Critical", "warning": "Medium", "note": "Low"}
_TOOL = {"id": "byok-ci", "name": "byok-ci", "version": __version__, "vendor": {"name": "byok-ci"}}
# Ids stay the same from run to run for the same finding (GitLab compares reports).
_NAMESPACE = uuid.UUID("6f1e9a0c-6c7e-4b7a-9a55-2b1f3f0e5d21")


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _vulnerability(f: Finding, info: RuleInfo | None) -> dict[str, Any]:
    description = info.description if info else f.rule_id
    identifier: dict[str, Any] = {"type": "byok_ci_rule_id", "name": f"byok-ci {f.rule_id}", "value": f.rule_id}
    if info and info.help_uri:
        identifier["url"] = info.help_uri
    location: dict[str, Any] = {"file": f.path, "commit": {"sha": f.commit or NO_COMMIT}}
    if f.line > 0:
        location["start_line"] = f.line
        location["end_line"] = f.line
    if f.commit_info is not None:
        location["commit"].update(author=f.commit_info.author, date=f.commit_info.date)
    where = f" in commit {f.commit[:12]}" if f.commit else ""
    revoke = f" Revoke it at {info.key_management} and rotate it." if info and info.key_management else (
        " Revoke and rotate it.")
    vulnerability: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, f"{f.rule_id}\0{f.fingerprint}\0{f.path}\0{f.line}\0{f.commit or ''}")),
        "name": description[:255],
        "description": f"{f.message} ({f.redacted}){where}" if f.redacted else f"{f.message}{where}",
        "severity": _SEVERITY.get(f.severity, "Unknown"),
        "solution": ("Remove the key from the code and its history (a key once pushed is leaked)." + revoke)[:7000],
        "identifiers": [identifier],
        "location": location,
        "details": {"fingerprint": {"name": "fingerprint", "type": "text", "value": f.fingerprint}},
    }
    if f.verified is not None:
        shown = f.verified.status + (f" ({f.verified.reason})" if f.verified.reason else "")
        vulnerability["details"]["verified"] = {"name": "verified", "type": "text", "value": shown}
    if f.redacted:
        vulnerability["raw_source_code_extract"] = f.redacted
    return vulnerability


def gitlab_report(report: Report, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report as GitLab's secret-detection JSON (a dict ready for ``json.dumps``)."""
    end = now or dt.datetime.now(dt.timezone.utc)
    start = end - dt.timedelta(seconds=max(report.stats.seconds, 0.0))
    messages = [{"level": "fatal" if e.blocking else "warn", "value": e.one_line() or "error"} for e in report.errors]
    messages += [{"level": "warn", "value": w.one_line() or "warning"} for w in report.warnings]
    scan: dict[str, Any] = {
        "analyzer": {**_TOOL, "url": PROJECT_URL},
        "scanner": {**_TOOL, "url": PROJECT_URL},
        "type": "secret_detection",
        "start_time": _time(start),
        "end_time": _time(end),
        # "failure" only when the scan could not read what it had to: findings are a success.
        "status": "failure" if any(e.blocking for e in report.errors) else "success",
    }
    if messages:
        scan["messages"] = messages
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URI,
        "scan": scan,
        "vulnerabilities": [_vulnerability(f, report.rules.get(f.rule_id)) for f in report.sorted_findings()],
    }


def write(report: Report, stream: TextIO, **_options: object) -> None:
    stream.write(defuse_json(json.dumps(gitlab_report(report), indent=2, ensure_ascii=False)) + "\n")

"""Which GitHub Actions secrets each environment-bound job reads.

A workflow is parsed with the same bounded, safe loader as manifests (a pull request can
edit workflows too). Secret uses are found in the text of each job, so they carry the
exact line and column of ``secrets.NAME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from byok_ci.errors import ManifestError
from byok_ci.manifest.located import YMap, read_located

_SECRET_USE = re.compile(
    r"\$\{\{[^}]*?\b(secrets)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
_EXPRESSION = re.compile(r"\$\{\{")


@dataclass(frozen=True)
class SecretUse:
    """``secrets.NAME`` read by job ``job`` of workflow ``path``, bound to GitHub environment ``environment``.

    ``environment`` is None for a job without ``environment:``; ``dynamic`` is True when
    it is an expression (``${{ inputs.env }}``) that cannot be judged statically.
    """

    path: str
    job: str
    environment: str | None
    secret: str
    line: int
    column: int
    dynamic: bool = False


def workflow_files(root: Path) -> list[Path]:
    directory = root / ".github" / "workflows"
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def _environment_of(job: YMap) -> tuple[str | None, bool]:
    env = job.get("environment")
    if isinstance(env, YMap):
        env = env.get("name")
    if env is None:
        return None, False
    if not isinstance(env, str) or not env.strip():
        return None, False
    return env.strip(), bool(_EXPRESSION.search(env))


def secret_uses(path: Path, shown: str) -> list[SecretUse]:
    """Every secret read by a job of one workflow file. Raises ManifestError if it cannot be parsed."""
    text, data = read_located(path, shown, unique_keys=True)
    if not isinstance(data, YMap):
        raise ManifestError(shown, 1, 1, "a workflow must be a mapping")
    jobs = data.get("jobs")
    if not isinstance(jobs, YMap):
        return []
    lines = text.split("\n")
    # Each job spans from its key to the line before the next job (or the next top-level key).
    top_after = sorted(line for line, _ in (data.key_at(k) for k in data) if line > jobs.pos[0])
    end_of_jobs = (top_after[0] - 1) if top_after else len(lines)
    starts = sorted((jobs.key_at(job_id)[0], job_id) for job_id in jobs)
    uses: list[SecretUse] = []
    for i, (start, job_id) in enumerate(starts):
        job = jobs[job_id]
        if not isinstance(job, YMap):
            continue
        environment, dynamic = _environment_of(job)
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else end_of_jobs
        for number in range(start, min(end, len(lines)) + 1):
            line_text = lines[number - 1]
            if line_text.lstrip().startswith("#"):
                continue
            for match in _SECRET_USE.finditer(line_text):
                name = match.group(2) or match.group(3)
                if name.upper() == "GITHUB_TOKEN":
                    continue
                uses.append(SecretUse(shown, str(job_id), environment, name, number, match.start(1) + 1, dynamic))
    return uses

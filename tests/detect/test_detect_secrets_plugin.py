"""The real `detect-secrets scan --plugin …` finds byok-ci's AI-provider keys."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import byok_ci.detect.detect_secrets_plugin as plugin
from byok_ci.rules import RuleSet
from tests.conftest import key_for

TYPE = plugin.ByokCiAIProviderDetector.secret_type


def detect_secrets_scan(cwd: Path, *files: str) -> tuple[dict, str]:
    result = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--plugin", plugin.__file__, *files],
        cwd=cwd, capture_output=True, text=True, check=True, timeout=60,
    )
    return json.loads(result.stdout), result.stdout + result.stderr


def test_detect_secrets_reports_a_generated_key_through_the_plugin(tmp_path: Path, shipped_rules: RuleSet) -> None:
    rng = random.Random(11)
    groq = key_for(shipped_rules, "groq.api-key", rng)
    mistral = key_for(shipped_rules, "mistral.api-key", rng)  # no prefix: needs context on its line
    (tmp_path / "settings.py").write_text(f'GROQ_API_KEY = "{groq}"\nMISTRAL_API_KEY = "{mistral}"\nname = "x"\n')
    baseline, output = detect_secrets_scan(tmp_path, "settings.py")
    ours = [r for r in baseline["results"]["settings.py"] if r["type"] == TYPE]
    assert sorted((r["line_number"], r["hashed_secret"]) for r in ours) == [
        (1, hashlib.sha1(groq.encode()).hexdigest()),
        (2, hashlib.sha1(mistral.encode()).hexdigest()),
    ]
    assert groq not in output and mistral not in output
    assert any(p.get("path", "").endswith("detect_secrets_plugin.py") for p in baseline["plugins_used"])


def test_plugin_keeps_byok_cis_filters(shipped_rules: RuleSet) -> None:
    from byok_ci.keygen import fixture_key

    rule = shipped_rules.get("openai.project-key")
    assert rule is not None
    detector = plugin.ByokCiAIProviderDetector()
    assert list(detector.analyze_string('OPENAI_API_KEY = "sk-proj-..."')) == []
    assert list(detector.analyze_string(f'k = "{fixture_key(rule, random.Random(1))}"')) == []
    real = key_for(shipped_rules, "openai.project-key", random.Random(1))
    assert list(detector.analyze_string(f'k = "{real}"')) == [real]

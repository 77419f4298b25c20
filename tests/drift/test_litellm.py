"""The OpenAI and Anthropic probes against a real OpenAI-compatible gateway: LiteLLM's proxy.

Opt-in (marker ``litellm``, deselected by default): ``pip install 'litellm[proxy]'`` then
``python -m pytest -m litellm tests/drift/test_litellm.py``. The proxy runs on loopback
with a master key, no database, and a model answering with ``mock_response``, so nothing
leaves the machine. What it teaches: with no database LiteLLM answers a wrong key with
400 ``no_db_connection``, not 401, and byok-ci reports "refused, but not with an
authentication error"; this version also answers a request without a key with a 500.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from byok_ci.drift import DriftOptions, DriftTarget, run_drift
from byok_ci.drift import model as m
from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.report import junit, text
from byok_ci.report import json as json_report
from tests.drift.conftest import probes
from tests.drift.fake_provider import free_port

pytestmark = [pytest.mark.litellm, pytest.mark.slow]
LITELLM = Path(sys.executable).parent / "litellm"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    if not LITELLM.exists():
        pytest.skip("LiteLLM is not installed: pip install 'litellm[proxy]'")
    root = tmp_path_factory.mktemp("litellm")
    master = "sk-" + "".join(random.Random(11).choice("0123456789abcdef") for _ in range(32))
    (root / "config.yaml").write_text(
        "model_list:\n  - model_name: gpt-mock\n    litellm_params:\n      model: openai/gpt-mock\n"
        "      api_key: not-used\n      mock_response: hello\n"
        f"general_settings:\n  master_key: {master}\n"
    )
    port = free_port()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("DATABASE_URL", None)
    log = (root / "litellm.log").open("w")
    process = subprocess.Popen(
        [str(LITELLM), "--config", str(root / "config.yaml"), "--host", "127.0.0.1", "--port", str(port),
         "--telemetry", "False"], cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"LiteLLM exited with {process.returncode}; see {root / 'litellm.log'}")
            try:
                if httpx.get(f"{base}/health/liveliness", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("LiteLLM did not start within 90 s")
        yield base, master
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_openai_and_anthropic_probes_against_litellm(proxy: tuple[str, str]) -> None:
    base, master = proxy
    targets = [DriftTarget("dev", "acme-dev-openai", "openai", "env://MASTER"),
               DriftTarget("dev", "acme-dev-anthropic", "anthropic", "env://MASTER")]
    policy = EndpointPolicy(HostAllowlist(), True, {"acme-dev-openai": f"{base}/v1", "acme-dev-anthropic": base})
    report = run_drift(targets, DriftOptions(policy=policy, environ={"MASTER": master}))
    checks = {(c.provider, c.probe): c for c in probes(report)}
    for provider in ("openai", "anthropic"):
        assert checks[provider, "real"].outcome == "passed", checks[provider, "real"].reason
        invalid = checks[provider, "invalid"]
        # The gateway refuses the wrong key, but with 400 no_db_connection instead of 401.
        assert (invalid.outcome, invalid.rule_id, invalid.status) == ("failed", m.REFUSED_WITHOUT_AUTH_ERROR, 400)
        assert "no_db_connection" in invalid.reason
        assert checks[provider, "no-auth"].outcome in ("passed", "inconclusive")
    for module in (text, junit, json_report):
        import io

        stream = io.StringIO()
        module.write(report, stream)
        assert master[3:15] not in stream.getvalue()

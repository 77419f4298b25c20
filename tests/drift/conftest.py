from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from byok_ci.drift import DriftOptions, DriftTarget
from byok_ci.drift.endpoints import EndpointPolicy, HostAllowlist
from byok_ci.drift.http import Limits
from byok_ci.model import Report
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.drift.fake_provider import FakeProviders, serve

KEY_RULES = {
    "openai": "openai.project-key",
    "anthropic": "anthropic.api-key",
    "google": "google.api-key",
    "deepseek": "deepseek.api-key",
    "elevenlabs": "elevenlabs.api-key",
    "xai": "xai.api-key",
    "pinecone": "pinecone.api-key",
    "cohere": "cohere.api-key",
    "openrouter": "openrouter.api-key",
    "huggingface": "huggingface.user-token",
    "aws": "aws.access-key-id",
    "azure": "azure.openai-key",
    "jina": "jina.api-key",
}
# Generous timeouts: the machine is shared, and a loaded loopback server can take a while.
# Timeout tests set their own, short read timeout.
FAST = Limits(connect_timeout=3.0, read_timeout=3.0, max_retries=2, max_retry_after=2.0, backoff=0.01)
SHORT_READ = Limits(connect_timeout=3.0, read_timeout=0.3, max_retries=2, max_retry_after=2.0, backoff=0.01)


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with serve() as server:
        yield server


def variable(provider: str) -> str:
    return f"KEY_{provider.upper()}"


def name(provider: str, env: str = "prod") -> str:
    return f"acme-{env}-{provider}"


@dataclass
class Keys:
    """Keys generated for this test, and the environment that holds them."""

    by_provider: dict[str, str] = field(default_factory=dict)

    @property
    def environ(self) -> dict[str, str]:
        return {variable(p): k for p, k in self.by_provider.items()}


def make_keys(ruleset: RuleSet, rng: random.Random, providers: list[str]) -> Keys:
    return Keys({p: key_for(ruleset, KEY_RULES[p], rng) for p in providers})


def targets(providers: list[str], **extra: object) -> list[DriftTarget]:
    return [DriftTarget("prod", name(p), p, f"env://{variable(p)}", **extra) for p in providers]  # type: ignore[arg-type]


def options(fake: FakeProviders, keys: Keys, providers: list[str], **extra: object) -> DriftOptions:
    policy = EndpointPolicy(HostAllowlist(), True, {name(p): fake.base(p) for p in providers})
    settings: dict[str, object] = {"policy": policy, "limits": FAST, "environ": keys.environ, "deadline": 20.0,
                                   "rng": random.Random(7)}
    settings.update(extra)
    return DriftOptions(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def loopback_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1; ``SSL_CERT_FILE=<certificate>`` makes byok-ci trust it."""
    from tests.drift.loopback_servers import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_fake(loopback_tls: tuple[Path, Path]) -> Iterator[FakeProviders]:
    """The fake providers over HTTPS."""
    from tests.drift.loopback_servers import server_context

    with serve(tls=server_context(*loopback_tls)) as server:
        yield server


@dataclass(frozen=True)
class Probed:
    """A drift check of a report as these tests read it: what it probed and what came of it
    (the outcome in byok-ci's one vocabulary: passed, failed, inconclusive, skipped, error)."""

    env: str
    key: str
    provider: str
    probe: str
    outcome: str
    status: int | None
    reason: str
    rule_id: str | None
    error: object


def probes(report: Report) -> list[Probed]:
    return [Probed(c.drift.env, c.drift.key, c.drift.provider, c.drift.probe, c.outcome, c.drift.status,
                   c.drift.reason, c.drift.rule_id, c.error)
            for c in report.checks if c.drift is not None]

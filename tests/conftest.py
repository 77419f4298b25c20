from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest

from byok_ci.keygen import generate_key
from byok_ci.rules import RuleSet, load_rules

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach beyond 127.0.0.1 / ::1 (provider APIs are never called from tests)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
            if not (host.startswith("127.") or host in ("::1", "localhost")):
                raise RuntimeError(f"test tried to reach {host}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def shipped_rules() -> RuleSet:
    return load_rules()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


def key_for(ruleset: RuleSet, rule_id: str, rng: random.Random) -> str:
    rule = ruleset.get(rule_id)
    assert rule is not None, rule_id
    return generate_key(rule, rng)

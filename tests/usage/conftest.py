"""A scenario on the admin API emulator: an organisation with a prod and a staging project
(OpenAI) and a prod workspace (Anthropic), keys generated at test time.

As of TODAY (2026-11-20), the last complete day is 2026-11-19:
- acme-prod-openai (key_ProdOpenAI): 1,000 tokens a day, then 12,000 on the 19th (a spike),
  $10 a day (forecast $300 against a $200 budget: overrun), and gpt-4o on one day although
  its models are gpt-4o-mini;
- acme-staging-openai (key_StagingInProd): declared for staging, but lives in the prod project;
- key_Rogue: a live key in the prod project no manifest entry declares (unmanaged);
- acme-prod-anthropic (apikey_ProdAnthropic): a quiet month, the only key of its workspace,
  within its budget.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from byok_ci.cli import main
from byok_ci.rules import RuleSet
from tests.conftest import key_for
from tests.usage.emulator import AdminEmulator, AnthropicKey, OpenAIKey, serve

TODAY = dt.date(2026, 11, 20)
DAY = 86400

MANIFEST = """\
version: 1
project: acme
keys:
  - name: acme-openai-admin
    scope: organization
    admin: true
    allow_admin: true
    provider: openai
    secret: env://OPENAI_ADMIN_KEY
    owner: platform
    scopes: [api.usage.read]
    rotated: 2026-11-01
  - name: acme-anthropic-admin
    scope: organization
    admin: true
    allow_admin: true
    provider: anthropic
    secret: env://ANTHROPIC_ADMIN_KEY
    owner: platform
    scopes: [usage.read]
    rotated: 2026-11-01
  - name: acme-prod-openai
    env: prod
    provider: openai
    secret: env://OPENAI_API_KEY
    owner: ml-platform
    models: [gpt-4o-mini]
    rotated: 2026-11-01
    provider_key_id: key_ProdOpenAI
    budget: {monthly_usd: 200}
  - name: acme-prod-anthropic
    env: prod
    provider: anthropic
    secret: env://ANTHROPIC_API_KEY
    owner: ml-platform
    models: [claude-sonnet-4-5]
    rotated: 2026-11-01
    provider_key_id: apikey_ProdAnthropic
    budget: {monthly_usd: 500, daily_tokens: 100000}
  - name: acme-staging-openai
    env: staging
    provider: openai
    secret: env://OPENAI_STAGING_KEY
    owner: ml-platform
    models: [gpt-4o-mini]
    rotated: 2026-11-01
    provider_key_id: key_StagingInProd
"""


def unix(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


@dataclass
class Scenario:
    emulator: AdminEmulator
    root: Path
    openai_admin: str
    anthropic_admin: str
    openai_plain: str  # an ordinary project key: recognised, not admin
    base_url_args: list[str] | None = None  # instead of pointing both admin keys at the emulator

    @property
    def environ(self) -> dict[str, str]:
        return {"OPENAI_ADMIN_KEY": self.openai_admin, "ANTHROPIC_ADMIN_KEY": self.anthropic_admin}

    @property
    def base_urls(self) -> list[str]:
        if self.base_url_args is not None:
            return self.base_url_args
        return ["--base-url", f"acme-openai-admin={self.emulator.base('openai')}",
                "--base-url", f"acme-anthropic-admin={self.emulator.base('anthropic')}",
                "--allow-insecure-loopback"]

    def run(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        old = os.getcwd()
        os.chdir(self.root)
        try:
            return CliRunner().invoke(main, ["usage", "--today", TODAY.isoformat(), *self.base_urls, *args],
                                      catch_exceptions=False,
                                      env={"NO_COLOR": "1", "BYOK_CI_CONFIG": None, **self.environ, **(env or {})})
        finally:
            os.chdir(old)

    @property
    def secrets(self) -> list[str]:
        return [self.openai_admin, self.anthropic_admin, self.openai_plain]


def populate(em: AdminEmulator) -> None:
    oa, an = em.openai, em.anthropic
    oa.projects = {"proj_Prod": ("acme-prod", "active"), "proj_Staging": ("acme-staging", "active"),
                   "proj_Old": ("acme-prod-old", "archived")}
    yesterday = unix(TODAY - dt.timedelta(days=1))
    oa.openai_keys = [
        OpenAIKey("key_ProdOpenAI", "acme-prod-openai", "proj_Prod", "sk-proj-abc...wxyz", unix(dt.date(2026, 6, 1)),
                  yesterday),
        OpenAIKey("key_StagingInProd", "acme-staging-openai", "proj_Prod", "sk-proj-def...stuv",
                  unix(dt.date(2026, 6, 1)), yesterday),
        OpenAIKey("key_Rogue", "temp-debugging", "proj_Prod", "sk-proj-ghi...rstu", unix(dt.date(2026, 9, 1)),
                  yesterday),
        OpenAIKey("key_StagingOwn", "acme-staging-other", "proj_Staging", "sk-proj-jkl...mnop",
                  unix(dt.date(2026, 6, 1)), yesterday, owner_project_access="inactive"),
    ]
    first = dt.date(2026, 9, 1)
    day = first
    while day < TODAY:
        spike = day == TODAY - dt.timedelta(days=1)
        oa.usage[(day, "key_ProdOpenAI", "proj_Prod", "gpt-4o-mini-2024-07-18")] = (
            (10_000, 2_000, 40) if spike else (800, 200, 4))
        oa.usage[(day, "key_StagingInProd", "proj_Prod", "gpt-4o-mini-2024-07-18")] = (300, 100, 2)
        oa.usage[(day, None, "proj_Prod", "gpt-4o-mini-2024-07-18")] = (999, 1, 1)  # Console, no key
        oa.costs[(day, "proj_Prod", "key_ProdOpenAI")] = 10.0
        oa.costs[(day, "proj_Prod", "key_StagingInProd")] = 0.5
        an.usage[(day, "apikey_ProdAnthropic", "wrkspc_Prod", "claude-sonnet-4-5-20250929")] = (3_000, 1_000, 0)
        an.costs[(day, "wrkspc_Prod", None)] = 2.0
        day += dt.timedelta(days=1)
    oa.usage[(dt.date(2026, 11, 10), "key_ProdOpenAI", "proj_Prod", "gpt-4o-2024-08-06")] = (50, 50, 1)
    an.workspaces = {"wrkspc_Prod": ("Production", {"env": "prod"}), "wrkspc_Lab": ("lab", {})}
    an.anthropic_keys = [
        AnthropicKey("apikey_ProdAnthropic", "acme-prod-anthropic", "wrkspc_Prod", "sk-ant-api03-R2D...igAA",
                     "2026-06-01T10:00:00Z"),
        AnthropicKey("apikey_LabOld", "lab-experiment", "wrkspc_Lab", "sk-ant-api03-XyZ...abAA",
                     "2026-03-01T10:00:00Z", status="archived"),
    ]


@pytest.fixture
def scenario(tmp_path: Path, shipped_rules: RuleSet) -> Iterator[Scenario]:
    rng = random.Random(17)
    with serve() as em:
        populate(em)
        openai_admin = key_for(shipped_rules, "openai.admin-key", rng)
        anthropic_admin = key_for(shipped_rules, "anthropic.admin-key", rng)
        plain = key_for(shipped_rules, "openai.project-key", rng)
        em.openai.admin_key, em.anthropic.admin_key = openai_admin, anthropic_admin
        em.openai.other_keys = {plain}
        (tmp_path / "byok.yaml").write_text(MANIFEST, encoding="utf-8")
        yield Scenario(em, tmp_path, openai_admin, anthropic_admin, plain)

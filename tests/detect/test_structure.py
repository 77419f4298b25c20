"""Structural context (issue 14 §1): every context class, positive and negative.

Each case is a template with ``{key}`` (a key of the rule, generated here) and, for traps,
``{hex40}`` / ``{hex64}`` / ``{md5}`` / ``{uuid}`` (random values of those shapes). Filler
between the structure and the key makes sure the context is not inside the plain window.
"""

from __future__ import annotations

import random

import pytest

from byok_ci.detect.engine import Detector
from byok_ci.detect.structure import Structure, words
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet
from tests.conftest import key_for

# 12 settings lines (~330 characters): puts the structural context beyond the 200-character
# window that provider context used to need.
FILLER_YAML = "".join(f"    setting_{n}: value number {n} of the block\n" for n in range(12))
FILLER_INI = "".join(f"setting_{n} = value number {n} of the block\n" for n in range(12))
FILLER_JSON = "".join(f'      "setting_{n}": "value number {n} of the block",\n' for n in range(12))
FILLER_HCL = "".join(f'  setting_{n} = "value number {n} of the block"\n' for n in range(12))

POSITIVE = {
    "yaml-nested": ("together.legacy-key", f"providers:\n  together:\n{FILLER_YAML}    api_key: {{key}}\n"),
    "yaml-list-name": ("azure.openai-key", "integrations:\n  - name: azure\n    enabled: true\n    api_token: \"{key}\"\n"),
    "json-nested": ("deepgram.api-key", f'{{\n  "Deepgram": {{\n{FILLER_JSON}      "ApiKey": "{{key}}"\n  }}\n}}\n'),
    "toml-section": ("pinecone.legacy-key", f'[server]\nport = 1\n\n[pinecone]\n{FILLER_INI}key = "{{key}}"\n\n[logging]\n'),
    "ini-section": ("azure.openai-key", f"[azure]\n{FILLER_INI}api_token = {{key}}\n"),
    "properties": ("together.legacy-key", "server.port=8080\ntogether.api.key={key}\n"),
    "terraform-variable": (
        "deepgram.api-key",
        'variable "deepgram_api_key" {\n  type = string\n  sensitive = true\n'
        '  validation {\n    condition = length(var.x) > 0\n  }\n  default = "{key}"\n}\n',
    ),
    "terraform-module": ("together.legacy-key", f'module "together_agent" {{\n{FILLER_HCL}  api_key = "{{key}}"\n}}\n'),
    "tfvars-map": ("deepgram.api-key", 'deepgram = {\n  token = "{key}"\n  tier = "free"\n}\n'),
    "helm-values": ("aws.secret-access-key", f"aws:\n  enabled: true\n{FILLER_YAML}  auth:\n    token: \"{{key}}\"\n"),
    "k8s-pod-env": (
        "together.legacy-key",
        "env:\n  - name: LOG_LEVEL\n    value: info\n  - name: TOGETHER_API_KEY\n    value: \"{key}\"\n",
    ),
    "k8s-stringdata-block": (
        "deepgram.api-key",
        "kind: Secret\nstringData:\n  config.yaml: |\n    deepgram:\n      retries: 3\n      token: \"{key}\"\n",
    ),
    "dockerfile-env-space": ("deepgram.api-key", "FROM python:3.12\nENV DEEPGRAM_API_KEY {key}\n"),
    "fish-set": ("together.legacy-key", "set -x TOGETHER_API_KEY {key}\n"),
    "postman-key-value": (
        "together.legacy-key",
        '{\n  "values": [\n    {\n      "key": "TOGETHER_API_KEY",\n      "value": "{key}",\n      "enabled": true\n    }\n  ]\n}\n',
    ),
    "postman-value-first": (
        "together.legacy-key",
        '{\n  "values": [\n    {\n      "value": "{key}",\n      "key": "TOGETHER_API_KEY",\n      "enabled": true\n    }\n  ]\n}\n',
    ),
    "insomnia-env": (
        "pinecone.legacy-key",
        f'{{\n  "resources": [\n    {{\n      "name": "Pinecone (staging)",\n      "data": {{\n{FILLER_JSON}'
        '        "api_token": "{key}"\n      }\n    }\n  ]\n}\n',
    ),
    "mcp-config": (
        "together.legacy-key",
        '{\n  "mcpServers": {\n    "together": {\n      "command": "npx",\n      "args": ["-y", "@acme/mcp"],\n'
        '      "env": {\n        "API_KEY": "{key}"\n      }\n    }\n  }\n}\n',
    ),
    "typed-const-rust": ("deepgram.api-key", 'const DEEPGRAM_API_KEY: &str = "{key}";\n'),
    "typed-const-ts": ("together.legacy-key", 'export const TOGETHER_API_KEY: string = "{key}";\n'),
    "typed-const-go": ("together.legacy-key", 'const TogetherAPIKey string = "{key}"\n'),
    "typed-const-java": ("together.legacy-key", 'private static final String TOGETHER_API_KEY = "{key}";\n'),
    "sdk-settings-alias": (
        "assemblyai.api-key",
        "import assemblyai as aai\n\n" + "x = 1\n" * 60 + 'aai.settings.api_key = "{key}"\n',
    ),
    "sdk-settings-subscript": ("aws.secret-access-key", 'config["aws"]["token"] = "{key}"\n'),
    "sdk-settings-attribute": ("deepgram.api-key", 'settings.deepgram.key = "{key}"\n'),
    "ctor-comment-python": ("deepgram.api-key", 'client = Client("{key}")  # Deepgram\n'),
    "ctor-comment-go": ("together.legacy-key", 'func c() *Client {\n\treturn NewClient("{key}") // together\n}\n'),
    "sdk-plain-import": (
        "pinecone.legacy-key",
        'import pinecone\n\npinecone.init(api_key="{key}", environment="us-west1-gcp")\n',
    ),
    "ctor-module-import": (
        "deepgram.api-key",
        'import { createClient } from "@deepgram/sdk";\n' + "// filler line\n" * 30 + 'const dg = createClient("{key}");\n',
    ),
    "notebook-escaped": ("together.legacy-key", '  "source": [\n    "TOGETHER_API_KEY = \\"{key}\\"\\n",\n  ]\n'),
    "http-har": (
        "deepgram.api-key",
        '{\n  "request": {\n    "url": "https://api.deepgram.com/v1/listen",\n    "headers": [\n'
        '      {\n        "name": "content-type",\n        "value": "application/json"\n      },\n'
        '      {\n        "name": "Authorization",\n        "value": "Token {key}"\n      }\n    ]\n  }\n}\n',
    ),
    "http-dump-far-host": (
        "together.legacy-key",
        "POST https://api.together.xyz/v1/chat/completions HTTP/1.1\n"
        + "".join(f"X-Setting-{n}: value number {n} of the request\n" for n in range(12))
        + "Authorization: Bearer {key}\n",
    ),
    "log-logger-name": (
        "pinecone.legacy-key",
        "2026-01-01T00:00:00Z DEBUG pinecone._base_client: Request options: {'headers': {'Api-Key': '{key}'}}\n",
    ),
    "context-after-far": (
        "together.legacy-key",
        f"llm:\n  api_key: \"{{key}}\"\n{FILLER_YAML.replace('    ', '  ')}  base_url: https://api.together.xyz/v1\n",
    ),
    "context-after-azure-endpoint": (
        "azure.openai-key",
        "api_key = \"{key}\"\napi_version = \"2024-10-21\"\nendpoint = \"https://contoso.openai.azure.com/\"\n",
    ),
    "k8s-secret-data-base64": ("deepgram.api-key", "kind: Secret\ndata:\n  DEEPGRAM_API_KEY: {b64key}\n"),
}

NEGATIVE = {
    # Digests, ids and versions named as such, next to the provider's structure.
    "yaml-commit-sha": ("deepgram.api-key", "deepgram:\n  commit: {hex40}\n  api_key: ${DEEPGRAM_API_KEY}\n"),
    "yaml-checksum": ("together.legacy-key", "together:\n  sha256: {hex64}\n"),
    "env-model-md5": ("assemblyai.api-key", 'ASSEMBLYAI_MODEL_MD5="{md5}"\n'),
    "ini-request-id": ("pinecone.legacy-key", "[pinecone]\nrequest_id = {uuid}\n"),
    "http-request-id": (
        "pinecone.legacy-key",
        "POST https://api.pinecone.io/query HTTP/1.1\nx-request-id: {uuid}\n",
    ),
    "postman-sibling-names-a-digest": (
        "together.legacy-key",
        '{\n  "values": [\n    {\n      "key": "TOGETHER_MODEL_SHA",\n      "value": "{hex64}"\n    }\n  ]\n}\n',
    ),
    "terraform-variable-names-a-digest": (
        "deepgram.api-key",
        'variable "deepgram_sdk_commit" {\n  type = string\n  default = "{hex40}"\n}\n',
    ),
    "unnamed-hash-in-provider-block": ("together.legacy-key", "together:\n  - {hex64}\n"),
    "git-sha-above-credential-line": ("deepgram.api-key", "commit {hex40}\nDEEPGRAM_API_KEY=${DEEPGRAM_API_KEY}\n"),
    "env-reference": ("together.legacy-key", "together:\n  api_key: ${TOGETHER_API_KEY}\n"),
    "placeholder": ("deepgram.api-key", "deepgram:\n  api_key: your-deepgram-api-key-here-0000000000\n"),
    "provider-word-in-another-section": (
        "together.legacy-key",
        "together:\n  enabled: true\nbuild:\n  checksum: {hex64}\n",
    ),
    "jwt-test-token": ("upstage.legacy-key", 'client = OpenAI(\n    api_key="{jwt}",\n    base_url="https://api.upstage.ai/v1",\n)\n'),
    "comment-not-on-a-call": ("together.legacy-key", "{hex64}  # merged the two branches together\n"),
    "provider-word-inside-another-word": ("azure.openai-key", "[azurelike]\napi_token = {md5}\n"),
}


def _fill(template: str, ruleset: RuleSet, rule_id: str, rng: random.Random) -> str:
    import base64

    def hexes(n: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(n))

    key = key_for(ruleset, rule_id, rng) if ruleset.get(rule_id) else ""
    segment = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(43))
    values = {
        "key": key,
        "b64key": base64.b64encode(key.encode()).decode(),
        "hex40": hexes(40),
        "hex64": hexes(64),
        "md5": hexes(32),
        "uuid": f"{hexes(8)}-{hexes(4)}-4{hexes(3)}-a{hexes(3)}-{hexes(12)}",
        # A JWT test token: header and payload of the jwt.io sample shape, random signature.
        "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + segment,
    }
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _rule_ids(ruleset: RuleSet, text: str) -> list[str]:
    return [f.rule_id for f in Detector(ruleset).detect(Chunk(text=text, path="f"))]


@pytest.mark.parametrize("case", sorted(POSITIVE))
def test_structural_context_reports_the_key(case: str, shipped_rules: RuleSet, rng: random.Random) -> None:
    rule_id, template = POSITIVE[case]
    text = _fill(template, shipped_rules, rule_id, rng)
    assert rule_id in _rule_ids(shipped_rules, text), case


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_structure_does_not_make_a_trap_a_key(case: str, shipped_rules: RuleSet, rng: random.Random) -> None:
    rule_id, template = NEGATIVE[case]
    text = _fill(template, shipped_rules, rule_id, rng)
    assert _rule_ids(shipped_rules, text) == [], case


def test_context_after_the_line_belongs_to_the_next_named_value(shipped_rules: RuleSet, rng: random.Random) -> None:
    """A neutral value is not claimed by the provider of the next line's own credential."""
    sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    key = key_for(shipped_rules, "deepgram.api-key", rng)
    text = f"token = {sha}\nDEEPGRAM_API_KEY={key}\n"
    found = Detector(shipped_rules).detect(Chunk(text=text, path="f"))
    assert [(f.rule_id, f.line) for f in found] == [("deepgram.api-key", 2)]


def test_labels_are_read_within_the_budget_only(shipped_rules: RuleSet, rng: random.Random) -> None:
    """An enclosing key further away than the walk's budget gives no context (and the
    prefilter, whose reach is that budget, never needs to look further)."""
    key = key_for(shipped_rules, "together.legacy-key", rng)
    filler = "".join(f"  setting_{n}: value number {n} of a very long block of settings\n" for n in range(100))
    text = f"together:\n{filler}  api_key: {key}\n"
    assert _rule_ids(shipped_rules, text) == []


def test_words_split_labels_as_a_reader_does() -> None:
    assert {"deepgram", "client"} <= words("DeepgramClient")
    assert "retellai" in words("https://api.retellai.com/v1")
    assert "zai" in words("Z.ai")
    assert "assemblyai" in words("AssemblyAI")
    assert "ai21" in words("ai21_api_key")
    assert "fal" not in words("false")


def test_structure_reads_names_and_labels() -> None:
    text = 'variable "deepgram_api_key" {\n  type = string\n  default = "VALUE"\n}\n'
    at = text.index("VALUE")
    around = Structure(text).around(at, at + 5)
    assert around.name == "deepgram_api_key"
    text = "providers:\n  together:\n    model: x\n    api_key: VALUE\nother:\n  base_url: https://example.com\n"
    at = text.index("VALUE")
    around = Structure(text).around(at, at + 5)
    assert around.name == "api_key"
    assert around.labels == ("together", "providers")


# -- closing issue 14: the file's path, XML elements, settings named after the provider -----

UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _found_in(ruleset: RuleSet, text: str, path: str) -> list[str]:
    return [f.rule_id for f in Detector(ruleset).detect(Chunk(text=text, path=path))]


@pytest.mark.parametrize("path", [".ngc/config", "home/dev/.ngc/config", "backup.tar!root/.ngc/config"])
def test_the_files_path_is_context(path: str, shipped_rules: RuleSet, rng: random.Random) -> None:
    """NGC's CLI writes its key to ~/.ngc/config: the path is all that names NVIDIA there,
    and the text holds no prefilter keyword."""
    key = key_for(shipped_rules, "nvidia.ngc-key", rng)
    text = f"[CURRENT]\napikey = {key}\nformat_type = ascii\norg = acme\n"
    assert _found_in(shipped_rules, text, path) == ["nvidia.ngc-key"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("[CURRENT]\napikey = {key}\n", "config/app.ini"),  # no provider in the path
        ("[CURRENT]\napikey = {key}\n", "ngc/checkouts/work/repo/app.ini"),  # only far directories name it
        ("[CURRENT]\ncommit = {key}\n", ".ngc/config"),  # named as something else than a key
    ],
)
def test_a_path_names_the_provider_only_near_the_file(text: str, path: str, shipped_rules: RuleSet,
                                                      rng: random.Random) -> None:
    key = key_for(shipped_rules, "nvidia.ngc-key", rng)
    assert _found_in(shipped_rules, text.replace("{key}", key), path) == []


def test_a_hex_value_in_a_file_named_after_the_provider_still_needs_a_credential_name(
    shipped_rules: RuleSet, rng: random.Random
) -> None:
    sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    assert _found_in(shipped_rules, f"revision = {sha}\nref: {sha}\n", "deepgram/pins.txt") == []


@pytest.mark.parametrize(
    ("rule_id", "template"),
    [
        ("wandb.api-key", "<wandbToken>\n  {key}\n</wandbToken>\n"),  # gitleaks' XML sample shape
        ("wandb.api-key", "<config><wandbApiKey>{key}</wandbApiKey></config>\n"),
        ("deepgram.api-key", '<entry key="x">\n<deepgramToken>\n{key}\n</deepgramToken>\n</entry>\n'),
    ],
)
def test_an_xml_element_names_its_text(rule_id: str, template: str, shipped_rules: RuleSet,
                                       rng: random.Random) -> None:
    key = key_for(shipped_rules, rule_id, rng)
    assert _found_in(shipped_rules, template.replace("{key}", key), "config.xml") == [rule_id]


def test_an_xml_element_named_as_a_digest_is_no_key(shipped_rules: RuleSet, rng: random.Random) -> None:
    sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    text = f"<wandb>\n  <commit>\n    {sha}\n  </commit>\n  <checksum>{sha}</checksum>\n</wandb>\n"
    assert _found_in(shipped_rules, text, "pom.xml") == []


@pytest.mark.parametrize(
    ("rule_id", "template"),
    [("greptile.api-key", "greptile = {key}\n"), ("zai.api-key", "glm = {key}\n"), ("zai.api-key", 'Z.ai: "{key}"\n')],
)
def test_a_setting_named_only_after_the_provider_holds_its_key(rule_id: str, template: str,
                                                               shipped_rules: RuleSet, rng: random.Random) -> None:
    key = key_for(shipped_rules, rule_id, rng)
    assert _found_in(shipped_rules, template.replace("{key}", key), "config.ini") == [rule_id]


def test_a_hex_value_named_only_after_the_provider_is_a_digest(shipped_rules: RuleSet, rng: random.Random) -> None:
    """{"together": "<sha256>"} maps a package to its digest as often as to a key."""
    digest = "".join(rng.choice("0123456789abcdef") for _ in range(64))
    sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    text = f'{{"together": "{digest}", "wandb": "{sha}", "deepgram": "{sha}"}}\n'
    assert _found_in(shipped_rules, text, "hashes.json") == []


@pytest.mark.parametrize("template", ['String mistralToken = "{key}";', 'mistral_token = "{key}"'])
def test_mistral_keys_of_upper_case_and_digits(template: str, shipped_rules: RuleSet, rng: random.Random) -> None:
    """betterleaks' generated true positives: upper case and digits only."""
    key = "".join(rng.choice(UPPER_DIGITS) for _ in range(32))
    assert _found_in(shipped_rules, template.replace("{key}", key), "Main.java") == ["mistral.api-key"]


def test_mistral_lower_case_hex_is_a_digest(shipped_rules: RuleSet, rng: random.Random) -> None:
    md5 = "".join(rng.choice("0123456789abcdef") for _ in range(32))
    assert _found_in(shipped_rules, f'mistral_token = "{md5}"\n', "app.py") == []

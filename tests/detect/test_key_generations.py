"""Key generations and providers of issue 14 (sections 2 and 3) that rule examples cannot
express: exact lengths of older generations, shapes built by encoding, and near misses the
peers list as false positives. Every key is built here at run time."""

from __future__ import annotations

import base64
import random
import string

import pytest

from byok_ci.detect import Detector
from byok_ci.model import Chunk
from byok_ci.rules import RuleSet

ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "_-"
HEX = "0123456789abcdef"
MARKER = "T3BlbkFJ"  # base64 of "OpenAI", in every modern OpenAI key


def draw(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def uuid_text(rng: random.Random, alphabet: str = HEX) -> str:
    return "-".join(draw(rng, alphabet, n) for n in (8, 4, 4, 4, 12))


def found(rules: RuleSet, text: str) -> list[str]:
    return [f.rule_id for f in Detector(rules).detect(Chunk(text, "config.env"))]


@pytest.mark.parametrize(
    ("prefix", "alphabet", "half", "rule_id"),
    [
        ("sk-proj-", ALNUM, 20, "openai.project-key"),  # early 2024, 56 characters (trufflehog)
        ("sk-proj-", B64URL, 58, "openai.project-key"),
        ("sk-svcacct-", B64URL, 46, "openai.service-account-key"),  # trufflehog's 111-character form
        ("sk-svcacct-", ALNUM, 20, "openai.service-account-key"),  # betterleaks' 20/20 branch
        ("sk-admin-", ALNUM, 20, "openai.admin-key"),
        ("sk-None-", B64URL, 74, "openai.none-key"),  # kingfisher's 164-character form
        ("sk-service-account-name-", ALNUM, 20, "openai.named-service-key"),  # trufflehog's old format
    ],
    ids=lambda v: v if isinstance(v, (str, int)) and v not in (ALNUM, B64URL) else "",
)
def test_every_openai_generation(shipped_rules: RuleSet, rng: random.Random, prefix: str, alphabet: str,
                                 half: int, rule_id: str) -> None:
    key = prefix + draw(rng, alphabet, half) + MARKER + draw(rng, alphabet, half)
    assert found(shipped_rules, f'OPENAI_API_KEY = "{key}"\n') == [rule_id]


def test_named_openai_keys_need_the_marker_and_a_mangled_marker_is_no_key(shipped_rules: RuleSet,
                                                                            rng: random.Random) -> None:
    bare = "sk-ci-runner-" + draw(rng, ALNUM, 48)
    mangled = "sk-" + draw(rng, ALNUM, 20) + "T4BlbkFJ" + draw(rng, ALNUM, 20)  # kingfisher's sample shape
    assert found(shipped_rules, f"OPENAI_API_KEY={bare}\nOPENAI_KEY_2={mangled}\n") == []


def test_short_sk_none_form(shipped_rules: RuleSet, rng: random.Random) -> None:
    assert found(shipped_rules, f"OPENAI_API_KEY=sk-None-{draw(rng, ALNUM, 48)}\n") == ["openai.none-key"]


def test_other_anthropic_generation_numbers(shipped_rules: RuleSet, rng: random.Random) -> None:
    api = "sk-ant-api668-" + draw(rng, B64URL, 93) + "AA"  # kingfisher's example shape
    admin = "sk-ant-admin03-" + draw(rng, B64URL, 93) + "AA"
    assert found(shipped_rules, f"A={api}\nB={admin}\n") == ["anthropic.api-key", "anthropic.admin-key"]


def test_hugging_face_tokens_with_digits(shipped_rules: RuleSet, rng: random.Random) -> None:
    body = draw(rng, string.ascii_letters, 25) + "123456789"
    body = "".join(rng.sample(body, len(body)))
    assert found(shipped_rules, f"HF_TOKEN=hf_{body}\n") == ["huggingface.user-token"]


def test_xai_keys_as_betterleaks_generates_them(shipped_rules: RuleSet, rng: random.Random) -> None:
    assert found(shipped_rules, f"XAI_API_KEY=xai-{draw(rng, B64URL, 84)}\n") == ["xai.api-key"]
    assert found(shipped_rules, f"XAI_API_KEY=xai-{draw(rng, ALNUM, 43)}\n") == []


def test_gemini_auth_key_sub_prefix(shipped_rules: RuleSet, rng: random.Random) -> None:
    body = draw(rng, B64URL, 44)
    assert found(shipped_rules, f"GEMINI_API_KEY=AQ.Ab8RN6{body}\n") == ["google.gemini-auth-key"]
    assert found(shipped_rules, f"GEMINI_API_KEY=AQ.Ab8RN5{body}\n") == []  # betterleaks' false positive


def azure_key(rng: random.Random, provider_signature: str) -> str:
    """The 84-character layout of Microsoft's common annotated security keys."""
    return (draw(rng, ALNUM, 52) + "JQQJ99" + "B" + rng.choice("ABCDEFGHIJKL") + draw(rng, ALNUM, 16)
            + provider_signature + draw(rng, ALNUM, 4))


def test_azure_84_character_keys_of_ai_services_only(shipped_rules: RuleSet, rng: random.Random) -> None:
    assert found(shipped_rules, f"AZURE_OPENAI_API_KEY={azure_key(rng, 'ACOG')}\n") == ["azure.ai-services-key"]
    long_form = azure_key(rng, "ACOG") + draw(rng, ALNUM, 2) + "=="
    assert found(shipped_rules, f'speech_key = "{long_form}"\n') == ["azure.ai-services-key"]
    # The same layout for an Azure DevOps PAT or Web PubSub key is not an AI key.
    assert found(shipped_rules, f"AZDO_PAT={azure_key(rng, 'AZDO')}\nPUBSUB={azure_key(rng, 'AWPS')}\n") == []


def test_ngc_legacy_key_is_the_base64_of_its_text_and_is_reported_once(shipped_rules: RuleSet,
                                                                        rng: random.Random) -> None:
    for alphabet in (HEX, ALNUM):  # the UUID part: hex in practice, any alphanumerics in trufflehog
        text = draw(rng, ALNUM, 26) + ":" + uuid_text(rng, alphabet)
        key = base64.b64encode(text.encode()).decode()
        assert len(key) == 84
        assert found(shipped_rules, f"NGC_API_KEY={key}\n") == ["nvidia.ngc-key"]


def test_together_and_pinecone_legacy_keys(shipped_rules: RuleSet, rng: random.Random) -> None:
    assert found(shipped_rules, f"TOGETHER_API_KEY={draw(rng, HEX, 64)}\n") == ["together.legacy-key"]
    assert found(shipped_rules, f"PINECONE_API_KEY={uuid_text(rng, HEX.upper())}\n") == ["pinecone.legacy-key"]


def test_hex_digests_and_ids_next_to_a_provider_word_are_not_keys(shipped_rules: RuleSet, rng: random.Random) -> None:
    text = (
        "# together, deepgram, pinecone, ai21 and wandb settings\n"
        f"commit {draw(rng, HEX, 40)}\n"
        f"sha256: {draw(rng, HEX, 64)}\n"
        f"checksum = \"{draw(rng, HEX, 32)}\"\n"
        f"request_id={uuid_text(rng)}\n"
        f"TOGETHER_MODEL_SHA={draw(rng, HEX, 64)}\n"
        f"PINECONE_INDEX_ID={uuid_text(rng)}\n"
        f"AI21_REQUEST_ID={uuid_text(rng)}\n"
    )
    assert found(shipped_rules, text) == []


def test_langfuse_public_key_is_never_a_finding(shipped_rules: RuleSet, rng: random.Random) -> None:
    text = f"LANGFUSE_PUBLIC_KEY=pk-lf-{uuid_text(rng)}\nLANGFUSE_SECRET_KEY=sk-lf-{uuid_text(rng)}\n"
    assert found(shipped_rules, text) == ["langfuse.secret-key"]


def test_retell_and_cursor_share_key_underscore_but_not_length(shipped_rules: RuleSet, rng: random.Random) -> None:
    text = f"RETELL_API_KEY=key_{draw(rng, HEX, 28)}\nCURSOR_API_KEY=key_{draw(rng, HEX, 64)}\n"
    assert found(shipped_rules, text) == ["retell.api-key", "cursor.api-key"]


def test_google_adc_file_reports_the_refresh_token_only(shipped_rules: RuleSet, rng: random.Random) -> None:
    text = (
        "{\n"
        '  "account": "",\n'
        '  "client_id": "123456789012-abc.apps.googleusercontent.com",\n'
        f'  "client_secret": "{draw(rng, B64URL, 24)}",\n'
        f'  "refresh_token": "1//{draw(rng, B64URL, 100)}",\n'
        '  "type": "authorized_user"\n'
        "}\n"
    )
    findings = Detector(shipped_rules).detect(Chunk(text, "application_default_credentials.json"))
    assert [(f.rule_id, f.line, f.redacted[:4]) for f in findings] == [("google.adc-refresh-token", 5, "1//…")]

"""Key formats for the detection benchmark, written from the providers' documented shapes.

Independent of byok-ci's rules on purpose: a corpus generated from the rules' own formats
or examples could only confirm the rules. Every format below is written from
/work/notes/detection-research.md (cited as R §n) and /work/shared/providers.md (P1 §1),
which cite the provider documentation and the peers' rule files; none is read from
``rules/*.yaml`` or ``byok_ci.keygen``.

A spec is text with ``{charset:n}`` / ``{charset:lo-hi}`` fields and literals between
them, or the name of a builder function for keys with inner structure (Azure's annotated
keys, NGC's base64 of ``id:uuid``, Devin's base64 of ``org-…:…``). Fixed markers are
computed (``base64("OpenAI")``), so this file holds no key-shaped literal.

Keys are generated at run time from a seeded generator; the corpus that holds them lives in
bench/out/ (git-ignored).
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass

CHARSETS = {
    "alnum": string.ascii_letters + string.digits,
    "b64url": string.ascii_letters + string.digits + "_-",
    "b64": string.ascii_letters + string.digits + "+/",
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "lower_alnum": string.ascii_lowercase + string.digits,
    "upper_alnum": string.ascii_uppercase + string.digits,
    "upper_b32": string.ascii_uppercase + "234567",
    "lower_b32": string.ascii_lowercase + "234567",
    "letters": string.ascii_letters,
    "word": string.ascii_letters + string.digits + "_",
    # Bitcoin's Base58: R §0 observes no 0, O, I or l in Fireworks keys.
    "base58": "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
}
# Markers the providers put in their keys: base64 of a word (P1 §1).
MARKERS = {
    "openai": base64.b64encode(b"OpenAI").decode(),  # "T3Blbk" + "FJ"
    "groq": base64.b64encode(b"XgroqX").decode(),
}
FIELD = re.compile(r"\{(\w+)(?::(\d+)(?:-(\d+))?)?\}")


def fingerprint(key: str) -> str:
    """As byok-ci computes it (byok_ci.model.fingerprint): sha256 of the key, first 16 hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def random_text(charset: str, n: int, rng: random.Random) -> str:
    alphabet = CHARSETS[charset]
    return "".join(rng.choice(alphabet) for _ in range(n))


def expand(spec: str, rng: random.Random) -> str:
    """Fill a spec's ``{charset:n}``, ``{charset:lo-hi}``, ``{uuid}`` and ``{marker_name}`` fields."""

    def field(m: re.Match[str]) -> str:
        name, low, high = m.group(1), m.group(2), m.group(3)
        if name == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if name.startswith("marker_"):
            return MARKERS[name.removeprefix("marker_")]
        n = int(low) if high is None else rng.randint(int(low), int(high))
        return random_text(name, n, rng)

    return FIELD.sub(field, spec)


# --------------------------------------------------------------------------- structured keys


def azure_annotated(rng: random.Random) -> str:
    """Azure's 84-character "common annotated security key" (R §1.4, MSU CommonAnnotatedKey.cs).

    52 random base62, "JQQJ99" (the standard signature), 2 date letters (year-2024, month),
    12 platform-reserved ("AC" + 5 + "XJ3w3" as on the public ACOG keys), 4 provider-reserved
    ("AAA" + letter), "ACOG" (Cognitive Services, Azure OpenAI among them), 4 checksum.
    The checksum here is random: no tool checks it offline today.
    """
    year = rng.choice("AB")
    month = rng.choice("ABCDEFGHIJKL")
    platform = "AC" + random_text("alnum", 5, rng) + "XJ3w3"
    reserved = "AAA" + rng.choice("ABFLY")
    return (random_text("alnum", 52, rng) + "JQQJ99" + year + month + platform + reserved + "ACOG"
            + random_text("alnum", 4, rng))


def ngc_legacy(rng: random.Random) -> str:
    """NGC legacy key: base64 (no padding) of ``<26 alnum>:<8-4-4-4-12 alnum>``, 84 alnum (R §0)."""
    while True:
        text = random_text("alnum", 26, rng) + ":" + "-".join(random_text("alnum", n, rng) for n in (8, 4, 4, 4, 12))
        encoded = base64.b64encode(text.encode()).decode()
        if encoded.isalnum():  # the documented form is 84 alnum; redraw the rare + or /
            return encoded


def devin_service(rng: random.Random) -> str:
    """Devin legacy service key ``apk_`` + base64 of ``org-<32 hex>:<32 hex>`` (R §0)."""
    text = f"org-{random_text('hex', 32, rng)}:{random_text('hex', 32, rng)}"
    return "apk_" + base64.b64encode(text.encode()).decode()


def devin_user(rng: random.Random) -> str:
    """Devin legacy personal key ``apk_user_`` + base64 of ``user-<32>_org-<32>:<32>`` (R §0)."""
    text = f"user-{random_text('hex', 32, rng)}_org-{random_text('hex', 32, rng)}:{random_text('hex', 32, rng)}"
    return "apk_user_" + base64.b64encode(text.encode()).decode()


def bedrock_long_term(rng: random.Random) -> str:
    """``ABSK`` + base64 of text starting ``BedrockAPIKey-`` (P1 §1); the inner layout is assumed."""
    account = "".join(rng.choice(string.digits) for _ in range(12))
    text = f"BedrockAPIKey-{random_text('lower_alnum', 4, rng)}-at-{account}:{random_text('b64', 60, rng)}"
    return "ABSK" + base64.b64encode(text.encode()).decode()


def bedrock_short_term(rng: random.Random) -> str:
    """``bedrock-api-key-`` + base64 of a presigned SigV4 URL on bedrock.amazonaws.com (P1 §1)."""
    credential = "ASIA" + random_text("upper_b32", 16, rng)
    url = ("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"
           f"&X-Amz-Credential={credential}%2F20260101%2Fus-east-1%2Fbedrock%2Faws4_request"
           f"&X-Amz-Date=20260101T000000Z&X-Amz-Expires=43200&X-Amz-Security-Token={random_text('b64', 120, rng)}"
           f"&X-Amz-Signature={random_text('hex', 64, rng)}&Version=1")
    return "bedrock-api-key-" + base64.b64encode(url.encode()).decode()


def gcp_private_key(rng: random.Random) -> str:
    """The ``private_key`` of a service-account JSON, JSON-escaped as in the file: a PEM shape
    around random base64 (not a real RSA key)."""
    lines = [random_text("b64", 64, rng) for _ in range(25)] + [random_text("b64", 20, rng) + "=="]
    return "-----BEGIN PRIVATE KEY-----\\n" + "\\n".join(lines) + "\\n-----END PRIVATE KEY-----\\n"


def gcp_refresh_token(rng: random.Random) -> str:
    """The ``refresh_token`` of an ADC ``authorized_user`` file: ``1//`` + base64url (R §2.1, §3.2).

    The length is not documented; 103 characters is what public ADC files show."""
    return "1//0" + random_text("b64url", 99, rng)


BUILDERS: dict[str, Callable[[random.Random], str]] = {
    "gcp_service_account": gcp_private_key, "gcp_adc": gcp_refresh_token,
    "azure_annotated": azure_annotated, "ngc_legacy": ngc_legacy, "devin_service": devin_service,
    "devin_user": devin_user, "bedrock_long_term": bedrock_long_term, "bedrock_short_term": bedrock_short_term,
}


@dataclass(frozen=True)
class KeyFormat:
    """One key generation of one provider."""

    provider: str
    generation: str
    spec: str  # a spec, or "=builder" for BUILDERS[builder]
    source: str
    prefixed: bool = True  # carries a prefix or marker a reader recognises without context
    shape: str = "documented"  # "documented", "observed" (public code only) or "assumed" (body unknown)
    env: str = ""  # env-var name when the provider's default does not fit this generation

    def make(self, rng: random.Random) -> str:
        if self.spec.startswith("="):
            return BUILDERS[self.spec[1:]](rng)
        return expand(self.spec, rng)

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.generation}"


def K(provider: str, generation: str, spec: str, source: str, **kw: object) -> KeyFormat:  # noqa: N802
    return KeyFormat(provider, generation, spec, source, **kw)  # type: ignore[arg-type]


OPENAI = "{marker_openai}"
# fmt: off
FORMATS: tuple[KeyFormat, ...] = (
    # OpenAI, every generation (R §1.1 table; P1 §1).
    K("openai", "legacy-user", "sk-{alnum:20}" + OPENAI + "{alnum:20}", "R §1.1 legacy user; P1 §1"),
    K("openai", "project-20", "sk-proj-{alnum:20}" + OPENAI + "{alnum:20}", "R §1.1 project early 2024 (TH test, BL TP)"),
    K("openai", "project-58", "sk-proj-{b64url:58}" + OPENAI + "{b64url:58}", "R §1.1 project mid 2024 (TH test)"),
    K("openai", "project-74", "sk-proj-{b64url:74}" + OPENAI + "{b64url:74}", "R §1.1 project current; P1 §1"),
    K("openai", "svcacct-74", "sk-svcacct-{b64url:74}" + OPENAI + "{b64url:74}", "R §1.1 service account"),
    K("openai", "svcacct-46", "sk-svcacct-{b64url:46}" + OPENAI + "{b64url:46}", "R §1.1 service account short (TH test only)", shape="observed"),
    K("openai", "named-svcacct", "sk-{word_name}-{alnum:20}" + OPENAI + "{alnum:20}", "R §1.1 named service account (TH test)"),
    K("openai", "admin-58", "sk-admin-{b64url:58}" + OPENAI + "{b64url:58}", "R §1.1 admin; P1 §1", env="OPENAI_ADMIN_KEY"),
    K("openai", "none-74", "sk-None-{b64url:74}" + OPENAI + "{b64url:74}", "R §1.1 sk-None- long (KF example)"),
    K("openai", "none-48", "sk-None-{alnum:48}", "R §1.1 sk-None- short (KF openai.3)", shape="observed"),
    # Anthropic (R §1.2; P1 §1). OAuth bodies: 95 observed (gitleaks#2104).
    K("anthropic", "api03", "sk-ant-api03-{b64url:93}AA", "P1 §1; R §1.2"),
    K("anthropic", "admin01", "sk-ant-admin01-{b64url:93}AA", "P1 §1; R §1.2", env="ANTHROPIC_ADMIN_KEY"),
    K("anthropic", "oauth-access", "sk-ant-oat01-{b64url:95}", "R §0, §1.2 (gitleaks#2104/#2105)", env="CLAUDE_CODE_OAUTH_TOKEN"),
    K("anthropic", "oauth-refresh", "sk-ant-ort01-{b64url:95}", "R §0, §1.2 (gitleaks#2178)", env="CLAUDE_CODE_OAUTH_REFRESH_TOKEN"),
    # Google (R §1.3; P1 §1).
    K("google", "api-key", "AIzaSy{b64url:33}", "P1 §1 (AIza + 35, in practice AIzaSy); R §1.3", env="GEMINI_API_KEY"),
    K("google", "gemini-auth-key", "AQ.Ab8RN6{b64url:44}", "P1 §1; R §1.3 (BL AQ.Ab8RN6 + 44)", env="GEMINI_API_KEY"),
    K("google", "service-account-json", "=gcp_service_account", "P1 §1 GCP service-account JSON"),
    K("google", "adc-authorized-user", "=gcp_adc", "R §2.1 Google ADC (google-auth _cloud_sdk.py)"),
    # Azure OpenAI (R §1.4).
    K("azure", "hex32", "{hex:32}", "P1 §1 Azure OpenAI legacy", prefixed=False),
    K("azure", "annotated-84", "=azure_annotated", "R §1.4 (MSU CommonAnnotatedKey.cs)"),
    # AWS (P1 §1).
    K("aws", "access-key-id", "AKIA{upper_b32:16}", "P1 §1 AWS access key ID", env="AWS_ACCESS_KEY_ID"),
    K("aws", "secret-access-key", "{b64:40}", "P1 §1 AWS secret key", prefixed=False, env="AWS_SECRET_ACCESS_KEY"),
    K("aws", "bedrock-long-term", "=bedrock_long_term", "P1 §1 Bedrock API key, long-term", env="AWS_BEARER_TOKEN_BEDROCK"),
    K("aws", "bedrock-short-term", "=bedrock_short_term", "P1 §1 Bedrock API key, short-term", env="AWS_BEARER_TOKEN_BEDROCK"),
    # Providers byok-ci covers today (P1 §1; R §1.5, §1.6).
    K("huggingface", "user-letters", "hf_{letters:34}", "P1 §1; R §1.5 (GL/BL letters only)"),
    K("huggingface", "user-digits", "hf_{alnum:34}", "R §0, §1.5 (TH test key has digits)", shape="observed"),
    K("huggingface", "org-legacy", "api_org_{letters:34}", "P1 §1; R §1.5"),
    K("cohere", "api-key", "{alnum:40}", "P1 §1", prefixed=False),
    K("mistral", "api-key", "{alnum:32}", "P1 §1", prefixed=False),
    K("groq", "api-key", "gsk_{alnum:20}{marker_groq}{alnum:24}", "P1 §1; R §1.6 (WGdyb3FY at offset 24 in all samples)"),
    K("together", "tgp-v1", "tgp_v1_{b64url:43}", "P1 §1; R §1.6"),
    K("together", "legacy-hex64", "{hex:64}", "P1 §1 older keys (UNCERTAIN); R §1.6, §5.8", prefixed=False, shape="observed"),
    K("fireworks", "base58-24", "fw_3Z{base58:22}", "R §0 (18 public keys: fw_ + 24, starting 3Z)", shape="observed"),
    K("fireworks", "alnum-33", "fw_{alnum:33}", "R §0 (one public key)", shape="observed"),
    K("perplexity", "api-key", "pplx-{alnum:48}", "P1 §1"),
    K("xai", "api-key", "xai-{alnum:80}", "P1 §1; R §1.6"),
    K("xai", "management-key", "xai-token-{alnum:80}", "P1 §1 (VE)", env="XAI_MANAGEMENT_KEY"),
    K("deepseek", "api-key", "sk-{hex:32}", "P1 §1; R §1.6", prefixed=False),
    K("openrouter", "api-key", "sk-or-v1-{hex:64}", "P1 §1"),
    K("replicate", "api-token", "r8_{alnum:37}", "P1 §1"),
    K("voyage", "pa", "pa-{b64url:43}", "P1 §1; R §0 (KF voyageai)", prefixed=False),
    K("voyage", "al", "al-{b64url:43}", "R §0 (KF voyageai.api_key.2)", prefixed=False),
    K("jina", "api-key", "jina_{alnum:60}", "P1 §1"),
    K("elevenlabs", "sk", "sk_{hex:48}", "P1 §1", prefixed=False),
    K("elevenlabs", "legacy-hex32", "{hex:32}", "P1 §1 (legacy, no prefix)", prefixed=False),
    K("assemblyai", "api-key", "{lower_alnum:32}", "P1 §1", prefixed=False),
    K("deepgram", "api-key", "{hex:40}", "P1 §1", prefixed=False),
    K("stability", "api-key", "sk-{alnum:48}", "P1 §1", prefixed=False),
    K("pinecone", "pcsk", "pcsk_{alnum:5-6}_{alnum:63}", "P1 §1; R §1.6"),
    K("pinecone", "legacy-uuid", "{uuid}", "P1 §1; R §1.6 (BL/KF pinecone.1)", prefixed=False),
    K("langsmith", "personal", "lsv2_pt_{hex:32}_{hex:10}", "P1 §1"),
    K("langsmith", "service", "lsv2_sk_{hex:32}_{hex:10}", "P1 §1"),
    K("wandb", "hex40", "{hex:40}", "P1 §1", prefixed=False),
    K("wandb", "v1", "wandb_v1_{word:77}", "P1 §1"),
    K("cerebras", "api-key", "csk-{lower_alnum:48}", "P1 §1"),
    K("nvidia", "nvapi", "nvapi-{b64url:64}", "P1 §1"),
    # Providers byok-ci lacks today (R §2.1; P1 §1 "further"): their misses are the point.
    K("nvidia", "ngc-legacy", "=ngc_legacy", "R §0, §2.1 (TH ngc)", prefixed=False, env="NGC_API_KEY"),
    K("cartesia", "api-key", "sk_car_{word:20}", "R §2.1 (KF cartesia)"),
    K("cursor", "api-key", "key_{hex:64}", "R §2.1 (BL/KF cursor)"),
    K("devin", "cog", "cog_{lower_b32:52}", "R §0, §2.1 (docs v3; BL)"),
    K("devin", "apk-service", "=devin_service", "R §0 (BL devin apk_)"),
    K("devin", "apk-user", "=devin_user", "R §0 (BL devin apk_user_)"),
    K("fal", "api-key", "{uuid}:{hex:32}", "R §2.1 (KF falai)", prefixed=False),
    K("greptile", "api-key", "{b64:48}", "R §2.1 (BL/KF greptile)", prefixed=False),
    K("kimi", "api-key", "sk-{b64url:48}", "R §2.1 (BL kimi)", prefixed=False),
    K("llamacloud", "api-key", "llx-{alnum:48}", "R §0, §2.1 (length proposed, TH#4702)", shape="observed"),
    K("mem0", "api-key", "m0-{alnum:24-44}", "R §2.1 (KF mem0)"),
    K("minimax", "api-key", "sk-api-{b64url:119}", "R §2.1 (BL minimax)"),
    K("ollama", "api-key", "{hex:32}.{b64url:24}", "R §2.1 (BL ollama)", prefixed=False),
    K("runpod", "api-key", "rpa_{upper_alnum:40}{alnum:6}", "R §2.1 (BL runpod)"),
    K("retell", "api-key", "key_{hex:28}", "R §0 (key_ prefix; body length unknown: 28 hex assumed)", shape="assumed"),
    K("upstage", "api-key", "{alnum:40-50}", "R §2.1 (BL upstage)", prefixed=False),
    K("zai", "api-key", "{hex:32}.{alnum:16}", "R §2.1 (BL zai)", prefixed=False),
    K("langfuse", "secret-key", "sk-lf-{uuid}", "R §2.1 (TH langfuse)"),
    K("tavily", "api-key", "tvly-{alnum:32}", "R §2.1 (KF tavily)"),
    K("ai21", "api-key", "{uuid}", "R §2.1 (KF ai21)", prefixed=False),
    K("clarifai", "pat", "{hex:32}", "R §2.1 (KF clarifai)", prefixed=False),
    K("privateai", "api-key", "{lower_alnum:32}", "R §2.1 (GL/BL privateai)", prefixed=False),
    K("braintrust", "api-key", "sk-{alnum:48}", "R §0 (TH braintrust)", prefixed=False),
    K("vercel", "ai-gateway", "vck_{b64url:56}", "P1 §1 further providers; R §3.2 (BL)"),
)
# fmt: on

# Names for OpenAI's named service-account keys (R §1.1: lowercase with inner '-').
SERVICE_ACCOUNT_NAMES = ("service-account-name", "ci-bot", "rag-indexer", "support-agent", "eval-runner")


def make_key(fmt: KeyFormat, rng: random.Random) -> str:
    if "{word_name}" in fmt.spec:
        return expand(fmt.spec.replace("{word_name}", rng.choice(SERVICE_ACCOUNT_NAMES)), rng)
    return fmt.make(rng)


def by_id() -> dict[str, KeyFormat]:
    return {f.id: f for f in FORMATS}

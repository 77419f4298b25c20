"""Generate the detection corpus: planted keys in every structural context, and traps.

Every key generation of ``detection_keys.FORMATS`` (providers byok-ci covers and providers
it lacks) is planted in every *context class* a reader takes provider context from: the
enclosing keys of YAML/JSON/TOML/INI documents, Terraform blocks, Helm values, Kubernetes
Secrets (base64 ``data:``) and ConfigMaps, Dockerfiles and compose files, Postman and
Insomnia environments, typed constants, SDK settings objects, constructor calls named by a
module or a trailing comment, notebooks, logs and HTTP dumps, and context that comes after
the key. Beside them sit traps a reader knows are not keys: placeholders, environment
references, commit shas and checksums next to a provider's name, UUID request ids, JWT test
tokens, a right prefix with a fake body, Firebase's public sample key, Langfuse's public
``pk-lf-`` key.

The templates are written here from the file shapes of detection-research.md §4, not from
byok-ci's rule examples. Each file holds one planted item (a key or a trap) among filler,
in a directory whose name says nothing of the provider, so that a finding can only come
from the file's content. The ground-truth manifest (beside the corpus, outside the scanned
tree) lists each item's path, line, provider, key generation, context class, expected
verdict and the key's fingerprint, never the key.

A second section, ``peer-examples/``, re-creates the true- and false-positive *forms* the
peers document for AI providers (research §3) with generated keys (detection_peers.py).

Usage: python bench/detection_corpus.py [--seed 1] [--size 800] [--out bench/out/detection/corpus-seed1]
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import string
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from detection_keys import FORMATS, KeyFormat, fingerprint, make_key, random_text  # noqa: E402

BENCH = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH / "out" / "detection"
MARK = "@@V@@"  # where the planted value goes; exactly one per item
SPAN_START, SPAN_END = "@@S@@", "@@E@@"  # optional: lines of a multi-line item

# --------------------------------------------------------------------------- providers


@dataclass(frozen=True)
class Provider:
    id: str
    name: str  # as people write it in prose and comments
    env: str  # the SDK's environment variable
    host: str  # "{res}" is a resource name (Azure)
    header: str  # how its HTTP API takes the key (see HEADERS)
    py: str = ""  # constructor, "{v}" the literal; "import" line before "|"
    js: str = ""
    settings: str = ""  # SDK settings object / module attribute, "{v}" the literal
    alt_env: tuple[str, ...] = ()
    word: str = ""  # how config files name it (defaults to the id)

    def __post_init__(self) -> None:
        if not self.word:
            object.__setattr__(self, "word", self.id)


OPENAI_COMPAT_PY = "from openai import OpenAI|OpenAI(api_key={v}, base_url=\"https://{host}/v1\")"
OPENAI_COMPAT_JS = "import OpenAI from \"openai\";|new OpenAI({{ apiKey: {v}, baseURL: \"https://{host}/v1\" }})"
# fmt: off
PROVIDERS = {p.id: p for p in (
    Provider("openai", "OpenAI", "OPENAI_API_KEY", "api.openai.com", "bearer",
             "from openai import OpenAI|OpenAI(api_key={v})", "import OpenAI from \"openai\";|new OpenAI({{ apiKey: {v} }})",
             "openai.api_key = {v}"),
    Provider("anthropic", "Anthropic", "ANTHROPIC_API_KEY", "api.anthropic.com", "x-api-key",
             "import anthropic|anthropic.Anthropic(api_key={v})",
             "import Anthropic from \"@anthropic-ai/sdk\";|new Anthropic({{ apiKey: {v} }})"),
    Provider("google", "Gemini", "GEMINI_API_KEY", "generativelanguage.googleapis.com", "x-goog-api-key",
             "from google import genai|genai.Client(api_key={v})",
             "import {{ GoogleGenAI }} from \"@google/genai\";|new GoogleGenAI({{ apiKey: {v} }})",
             "genai.configure(api_key={v})", ("GOOGLE_API_KEY",)),
    Provider("azure", "Azure OpenAI", "AZURE_OPENAI_API_KEY", "{res}.openai.azure.com", "api-key",
             "from openai import AzureOpenAI|AzureOpenAI(api_key={v}, api_version=\"2024-10-21\", azure_endpoint=\"https://{host}/\")",
             "import {{ AzureOpenAI }} from \"openai\";|new AzureOpenAI({{ apiKey: {v}, endpoint: \"https://{host}/\", apiVersion: \"2024-10-21\" }})",
             "", ("AZURE_OPENAI_KEY",)),
    Provider("aws", "AWS", "AWS_SECRET_ACCESS_KEY", "bedrock-runtime.us-east-1.amazonaws.com", "bearer",
             "import boto3|boto3.client(\"bedrock-runtime\", region_name=\"us-east-1\", {envlower}={v})"),
    Provider("huggingface", "Hugging Face", "HF_TOKEN", "huggingface.co", "bearer",
             "from huggingface_hub import InferenceClient|InferenceClient(token={v})",
             "import {{ InferenceClient }} from \"@huggingface/inference\";|new InferenceClient({v})",
             "huggingface_hub.login(token={v})", ("HUGGING_FACE_HUB_TOKEN",)),
    Provider("cohere", "Cohere", "CO_API_KEY", "api.cohere.com", "bearer",
             "import cohere|cohere.ClientV2(api_key={v})", "import {{ CohereClientV2 }} from \"cohere-ai\";|new CohereClientV2({{ token: {v} }})",
             "", ("COHERE_API_KEY",)),
    Provider("mistral", "Mistral", "MISTRAL_API_KEY", "api.mistral.ai", "bearer",
             "from mistralai import Mistral|Mistral(api_key={v})", "import {{ Mistral }} from \"@mistralai/mistralai\";|new Mistral({{ apiKey: {v} }})"),
    Provider("groq", "Groq", "GROQ_API_KEY", "api.groq.com", "bearer",
             "from groq import Groq|Groq(api_key={v})", "import Groq from \"groq-sdk\";|new Groq({{ apiKey: {v} }})"),
    Provider("together", "Together AI", "TOGETHER_API_KEY", "api.together.xyz", "bearer",
             "from together import Together|Together(api_key={v})", "import Together from \"together-ai\";|new Together({{ apiKey: {v} }})",
             "together.api_key = {v}"),
    Provider("fireworks", "Fireworks AI", "FIREWORKS_API_KEY", "api.fireworks.ai", "bearer",
             "from fireworks.client import Fireworks|Fireworks(api_key={v})", OPENAI_COMPAT_JS, "fireworks.client.api_key = {v}"),
    Provider("perplexity", "Perplexity", "PERPLEXITY_API_KEY", "api.perplexity.ai", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
    Provider("xai", "xAI", "XAI_API_KEY", "api.x.ai", "bearer", "from xai_sdk import Client|Client(api_key={v})", OPENAI_COMPAT_JS),
    Provider("deepseek", "DeepSeek", "DEEPSEEK_API_KEY", "api.deepseek.com", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
    Provider("openrouter", "OpenRouter", "OPENROUTER_API_KEY", "openrouter.ai/api", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
    Provider("replicate", "Replicate", "REPLICATE_API_TOKEN", "api.replicate.com", "token",
             "import replicate|replicate.Client(api_token={v})", "import Replicate from \"replicate\";|new Replicate({{ auth: {v} }})"),
    Provider("voyage", "Voyage AI", "VOYAGE_API_KEY", "api.voyageai.com", "bearer",
             "import voyageai|voyageai.Client(api_key={v})", "", "voyageai.api_key = {v}"),
    Provider("jina", "Jina AI", "JINA_API_KEY", "api.jina.ai", "bearer", OPENAI_COMPAT_PY, ""),
    Provider("elevenlabs", "ElevenLabs", "ELEVENLABS_API_KEY", "api.elevenlabs.io", "xi-api-key",
             "from elevenlabs.client import ElevenLabs|ElevenLabs(api_key={v})",
             "import {{ ElevenLabsClient }} from \"@elevenlabs/elevenlabs-js\";|new ElevenLabsClient({{ apiKey: {v} }})",
             "", ("ELEVEN_API_KEY", "XI_API_KEY")),
    Provider("assemblyai", "AssemblyAI", "ASSEMBLYAI_API_KEY", "api.assemblyai.com", "bare",
             "import assemblyai as aai|aai.Transcriber(config=aai.TranscriptionConfig(), api_key={v})",
             "import {{ AssemblyAI }} from \"assemblyai\";|new AssemblyAI({{ apiKey: {v} }})", "aai.settings.api_key = {v}"),
    Provider("deepgram", "Deepgram", "DEEPGRAM_API_KEY", "api.deepgram.com", "token",
             "from deepgram import DeepgramClient|DeepgramClient({v})", "import {{ createClient }} from \"@deepgram/sdk\";|createClient({v})"),
    Provider("stability", "Stability AI", "STABILITY_API_KEY", "api.stability.ai", "bearer",
             "from stability_sdk import client|client.StabilityInference(key={v})", ""),
    Provider("pinecone", "Pinecone", "PINECONE_API_KEY", "api.pinecone.io", "api-key-pinecone",
             "from pinecone import Pinecone|Pinecone(api_key={v})", "import {{ Pinecone }} from \"@pinecone-database/pinecone\";|new Pinecone({{ apiKey: {v} }})",
             "pinecone.init(api_key={v}, environment=\"us-west1-gcp\")"),
    Provider("langsmith", "LangSmith", "LANGSMITH_API_KEY", "api.smith.langchain.com", "x-api-key",
             "from langsmith import Client|Client(api_key={v})", "import {{ Client }} from \"langsmith\";|new Client({{ apiKey: {v} }})",
             "", ("LANGCHAIN_API_KEY",)),
    Provider("wandb", "Weights & Biases", "WANDB_API_KEY", "api.wandb.ai", "basic-api",
             "import wandb|wandb.Api(api_key={v})", "", "wandb.login(key={v})"),
    Provider("cerebras", "Cerebras", "CEREBRAS_API_KEY", "api.cerebras.ai", "bearer",
             "from cerebras.cloud.sdk import Cerebras|Cerebras(api_key={v})", OPENAI_COMPAT_JS),
    Provider("nvidia", "NVIDIA", "NVIDIA_API_KEY", "integrate.api.nvidia.com", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS,
             "", ("NGC_API_KEY",)),
    Provider("cartesia", "Cartesia", "CARTESIA_API_KEY", "api.cartesia.ai", "bearer",
             "from cartesia import Cartesia|Cartesia(api_key={v})", "import {{ CartesiaClient }} from \"@cartesia/cartesia-js\";|new CartesiaClient({{ apiKey: {v} }})"),
    Provider("cursor", "Cursor", "CURSOR_API_KEY", "api.cursor.com", "basic-user"),
    Provider("devin", "Devin", "DEVIN_API_KEY", "api.devin.ai", "bearer"),
    Provider("fal", "fal.ai", "FAL_KEY", "queue.fal.run", "key",
             "import fal_client|fal_client.SyncClient(key={v})", "import {{ fal }} from \"@fal-ai/client\";|fal.config({{ credentials: {v} }})"),
    Provider("greptile", "Greptile", "GREPTILE_API_KEY", "api.greptile.com", "bearer"),
    Provider("kimi", "Moonshot", "MOONSHOT_API_KEY", "api.moonshot.ai", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
    Provider("llamacloud", "LlamaCloud", "LLAMA_CLOUD_API_KEY", "api.cloud.llamaindex.ai", "bearer",
             "from llama_parse import LlamaParse|LlamaParse(api_key={v})", ""),
    Provider("mem0", "Mem0", "MEM0_API_KEY", "api.mem0.ai", "token", "from mem0 import MemoryClient|MemoryClient(api_key={v})",
             "import MemoryClient from \"mem0ai\";|new MemoryClient({{ apiKey: {v} }})"),
    Provider("minimax", "MiniMax", "MINIMAX_API_KEY", "api.minimax.io", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
    Provider("ollama", "Ollama", "OLLAMA_API_KEY", "ollama.com", "bearer",
             "from ollama import Client|Client(host=\"https://ollama.com\", headers={{\"Authorization\": \"Bearer \" + {v}}})", ""),
    Provider("runpod", "RunPod", "RUNPOD_API_KEY", "rest.runpod.io", "bearer", "", "", "runpod.api_key = {v}"),
    Provider("retell", "Retell", "RETELL_API_KEY", "api.retellai.com", "bearer",
             "from retell import Retell|Retell(api_key={v})", "import Retell from \"retell-sdk\";|new Retell({{ apiKey: {v} }})"),
    Provider("upstage", "Upstage", "UPSTAGE_API_KEY", "api.upstage.ai", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
    Provider("zai", "Z.ai", "ZAI_API_KEY", "api.z.ai/api/paas", "bearer",
             "from zai import ZaiClient|ZaiClient(api_key={v})", OPENAI_COMPAT_JS, "", ("ZHIPUAI_API_KEY",)),
    Provider("langfuse", "Langfuse", "LANGFUSE_SECRET_KEY", "cloud.langfuse.com", "basic-langfuse",
             "from langfuse import Langfuse|Langfuse(public_key=\"{pk}\", secret_key={v})",
             "import {{ Langfuse }} from \"langfuse\";|new Langfuse({{ publicKey: \"{pk}\", secretKey: {v} }})"),
    Provider("tavily", "Tavily", "TAVILY_API_KEY", "api.tavily.com", "bearer",
             "from tavily import TavilyClient|TavilyClient(api_key={v})", "import {{ tavily }} from \"@tavily/core\";|tavily({{ apiKey: {v} }})"),
    Provider("ai21", "AI21", "AI21_API_KEY", "api.ai21.com", "bearer", "from ai21 import AI21Client|AI21Client(api_key={v})", ""),
    Provider("clarifai", "Clarifai", "CLARIFAI_PAT", "api.clarifai.com", "key", "from clarifai.client.user import User|User(user_id=\"me\", pat={v})", ""),
    Provider("privateai", "Private AI", "PRIVATEAI_API_KEY", "api.private-ai.com", "x-api-key",
             "from privateai_client import PAIClient|PAIClient(url=\"https://{host}/community\", api_key={v})", ""),
    Provider("braintrust", "Braintrust", "BRAINTRUST_API_KEY", "api.braintrust.dev", "bearer",
             "import braintrust|braintrust.login(api_key={v})", ""),
    Provider("vercel", "Vercel AI Gateway", "AI_GATEWAY_API_KEY", "ai-gateway.vercel.sh", "bearer", OPENAI_COMPAT_PY, OPENAI_COMPAT_JS),
)}
# fmt: on
AZURE_RESOURCES = ("contoso-ai", "acme-prod", "rg-chat-eus2", "northwind-oai", "fabrikam-east")
AZURE_HOSTS = ("{res}.openai.azure.com", "{res}.cognitiveservices.azure.com")

# --------------------------------------------------------------------------- a planted item


@dataclass
class Slot:
    """What a template plants: the value, the names around it, and how to write it."""

    provider: Provider
    value: str  # the key, or a trap's value
    env: str  # the environment-variable name for it
    field: str  # its name under the provider's own section (api_key, token, ...)
    fmt: KeyFormat | None
    rng: random.Random
    trap: str = ""  # trap kind, "" for a key
    expr: Callable[[str], str | None] | None = None  # env-reference traps: family -> raw expression
    header_override: tuple[str, str] | None = None
    host: str = ""
    pk: str = ""  # Langfuse public key beside a secret key (context only)
    far: bool = False  # put 250-700 characters of sibling settings between the context and the value
    padded: bool = False  # the template did (not every variant of a class can)

    def q(self, family: str, quote: str = '"') -> str:
        """The marker as this syntax writes the value: quoted, or a raw expression."""
        if self.expr is not None:
            raw = self.expr(family)
            if raw is not None:
                return MARK
        return f"{quote}{MARK}{quote}"

    def text_for(self, family: str) -> str:
        if self.expr is not None:
            raw = self.expr(family)
            return raw if raw is not None else env_reference_text(self.env, family)
        return self.value

    def header(self) -> tuple[str, str]:
        """(header name, header value) with the marker where the key goes."""
        if self.header_override:
            return self.header_override
        style = self.provider.header
        if self.fmt is not None and self.fmt.provider == "anthropic" and "oauth" in self.fmt.generation:
            style = "bearer"
        if self.fmt is not None and self.fmt.id == "nvidia/ngc-legacy":
            style = "basic-ngc"
        return {
            "bearer": ("Authorization", f"Bearer {MARK}"), "x-api-key": ("x-api-key", MARK),
            "xi-api-key": ("xi-api-key", MARK), "api-key": ("api-key", MARK),
            "x-goog-api-key": ("x-goog-api-key", MARK), "token": ("Authorization", f"Token {MARK}"),
            "key": ("Authorization", f"Key {MARK}"), "bare": ("Authorization", MARK),
            "api-key-pinecone": ("Api-Key", MARK),
        }.get(style, ("Authorization", f"Basic {MARK}"))

    def basic_user(self) -> str | None:
        """For Basic-auth providers, the user:password text the key sits in."""
        style = self.provider.header
        if self.fmt is not None and self.fmt.id == "nvidia/ngc-legacy":
            return "$oauthtoken:{}"
        return {"basic-api": "api:{}", "basic-user": "{}:", "basic-langfuse": self.pk + ":{}"}.get(style)


@dataclass
class Rendered:
    path: str
    text: str  # holds MARK once (and SPAN markers for multi-line items)
    value: str  # what replaces MARK


@dataclass
class Item:
    """One planted item, as the manifest records it (never the key itself)."""

    id: str
    section: str  # "structural" or "peer-examples"
    path: str
    line: int  # where the value is
    first_line: int  # the item's lines (a credential file's JSON object); any finding in them counts
    end_line: int
    provider: str
    generation: str
    context_class: str
    expected: str  # "secret" or "trap"
    fingerprint: str
    shape: str = ""
    source: str = ""
    trap_kind: str = ""
    variant: str = ""
    distance: str = "near"  # "far": the structural context is 250-700 characters from the value
    prefixed: bool = True  # the key carries a prefix or marker a reader knows without context
    covered_by_byok_ci: bool | None = None


# --------------------------------------------------------------------------- filler

WORDS = ("service", "worker", "pipeline", "router", "cache", "index", "search", "billing", "ingest", "report",
         "gateway", "scheduler", "embeddings", "chat", "speech", "vision", "eval", "agent", "retrieval", "batch")


def w(rng: random.Random) -> str:
    return rng.choice(WORDS)


def env_filler(rng: random.Random, n: int) -> list[str]:
    pool = [f"LOG_LEVEL={rng.choice(('info', 'debug', 'warning'))}", f"PORT={rng.randint(3000, 9000)}",
            f"APP_ENV={rng.choice(('production', 'staging', 'dev'))}", f"REDIS_URL=redis://cache:6379/{rng.randint(0, 9)}",
            f"{w(rng).upper()}_TIMEOUT_SECONDS={rng.randint(5, 120)}", f"MAX_WORKERS={rng.randint(1, 16)}",
            f"FEATURE_{w(rng).upper()}=true", "TZ=UTC", f"DATABASE_HOST=db-{rng.randint(1, 4)}.internal",
            f"S3_BUCKET={w(rng)}-artifacts", f"SENTRY_ENVIRONMENT={rng.choice(('prod', 'stage'))}"]
    return rng.sample(pool, k=min(n, len(pool)))


def yaml_filler(rng: random.Random, indent: str = "") -> list[str]:
    return [f"{indent}{w(rng)}:", f"{indent}  enabled: {rng.choice(('true', 'false'))}",
            f"{indent}  replicas: {rng.randint(1, 6)}", f"{indent}  timeout: {rng.randint(5, 90)}s"]


def code_filler(rng: random.Random, comment: str) -> list[str]:
    return [f"{comment} {w(rng)} settings, see docs/{w(rng)}.md", "", f"{comment} TODO: move to the {w(rng)} module"]


SETTINGS = (("model", lambda r: f"{w(r)}-large-{r.randint(1, 9)}"), ("max_tokens", lambda r: r.randint(256, 8192)),
            ("temperature", lambda r: round(r.random(), 2)), ("top_p", lambda r: 0.9), ("timeout_seconds", lambda r: r.randint(10, 120)),
            ("max_retries", lambda r: r.randint(1, 5)), ("stream", lambda r: "true"), ("region", lambda r: r.choice(("us-east-1", "eu-west-1"))),
            ("organization", lambda r: f"{w(r)}-team"), ("cache_ttl", lambda r: f"{r.randint(1, 48)}h"),
            ("rate_limit_rpm", lambda r: r.randint(60, 6000)), ("fallback_model", lambda r: f"{w(r)}-small"),
            ("log_requests", lambda r: "false"), ("embedding_dimensions", lambda r: r.choice((256, 768, 1536))),
            ("batch_size", lambda r: r.randint(8, 256)), ("user_agent", lambda r: f"acme-{w(r)}/2.{r.randint(0, 9)}"),
            ("max_concurrency", lambda r: r.randint(2, 64)), ("retry_backoff_ms", lambda r: r.randint(100, 5000)),
            ("system_prompt_file", lambda r: f"prompts/{w(r)}.txt"), ("output_format", lambda r: r.choice(("json", "text"))),
            ("context_window", lambda r: r.choice((8192, 32768, 128000))), ("seed", lambda r: r.randint(1, 9999)),
            ("proxy_url", lambda r: f"http://proxy.internal:{r.randint(3000, 9000)}"), ("trace_sample_rate", lambda r: 0.1),
            ("budget_usd_month", lambda r: r.randint(50, 5000)), ("safety_level", lambda r: r.choice(("strict", "default"))),
            ("connect_timeout_ms", lambda r: r.randint(500, 5000)), ("default_language", lambda r: r.choice(("en", "de", "fr"))))


def padding(s: Slot) -> list[tuple[str, Any]]:
    """Sibling settings that put 250-700 characters between a structural context and the
    value when the slot is "far" (a real provider section rarely starts with its key)."""
    if not s.far:
        return []
    s.padded = True
    r = s.rng
    target, out, size = r.randint(250, 700), [], 0
    comments = ("see the runbook before changing these", "values tuned for the nightly batch", "keep in sync with the staging stack")
    for name, make in r.sample(SETTINGS, k=len(SETTINGS)):
        if size >= target:
            break
        value = make(r) if r.random() > 0.15 else f"# {r.choice(comments)}"
        out.append((name, value))
        size += len(name) + len(str(value)) + 8
    return out


def pad_lines(s: Slot, indent: str, sep: str = ": ", comment: str = "#", quote: str = "") -> list[str]:
    lines = []
    for name, value in padding(s):
        text = str(value)
        if text.startswith("# "):
            lines.append(f"{indent}{comment} {text[2:]}")
        else:
            lines.append(f"{indent}{name}{sep}{quote}{value}{quote}" if isinstance(value, str) else f"{indent}{name}{sep}{value}")
    return lines


def res_host(provider: Provider, rng: random.Random) -> str:
    if provider.id == "azure":
        return rng.choice(AZURE_HOSTS).format(res=rng.choice(AZURE_RESOURCES))
    return provider.host


def snake(name: str) -> str:
    return name.lower()


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_"))


def camel(env: str) -> str:
    head, *rest = env.lower().split("_")
    return head + "".join(p.capitalize() for p in rest)


# --------------------------------------------------------------------------- context classes
# Each template returns a Rendered file; "S" is the slot. Paths are neutral: no provider
# word in a directory or file name.


def c_env(s: Slot) -> Rendered:
    r = s.rng
    quote = r.choice(("", '"'))
    lines = env_filler(r, r.randint(2, 5))
    at = r.randint(0, len(lines))
    lines.insert(at, f"{s.env}={quote}{MARK}{quote}" if s.q("env") != MARK else f"{s.env}={MARK}")
    return Rendered(r.choice((".env", ".env.production", "config/app.env", ".env.local")), "\n".join(lines) + "\n", s.text_for("env"))


def c_shell(s: Slot) -> Rendered:
    r = s.rng
    variant = r.choice(("export", "export-bare", "fish", "setx"))
    if variant == "fish":
        line, path = f"set -x {s.env} {MARK}", "conf.d/env.fish"
    elif variant == "setx":
        line, path = f"setx {s.env} \"{MARK}\"", "scripts\\setup-env.cmd".replace("\\", "/")
    else:
        quoted = '"' if variant == "export" else ""
        line, path = f"export {s.env}={quoted}{MARK}{quoted}", r.choice(("scripts/env.sh", "deploy/setup.sh", ".envrc"))
    head = ["#!/usr/bin/env bash", "set -euo pipefail", ""] if path.endswith(".sh") else []
    body = [f"export {x}" for x in env_filler(r, 3)] if not path.endswith((".fish", ".cmd")) else []
    return Rendered(path, "\n".join(head + body[:2] + [line] + body[2:]) + "\n", s.text_for("shell"))


def c_yaml_nested(s: Slot) -> Rendered:
    r = s.rng
    p = s.provider
    quote = r.choice(("", '"', "'"))
    field_line = f"{s.field}: {s.q('yaml', quote)}"
    variant = r.choice(("top", "providers", "llm"))
    if variant == "top":
        block = [f"{p.word}:", *pad_lines(s, "  "), f"  {field_line}", f"  timeout: {r.randint(10, 60)}"]
    elif variant == "providers":
        block = ["providers:", f"  {p.word}:", *pad_lines(s, "    "), f"    {field_line}", f"    max_retries: {r.randint(1, 5)}"]
    else:
        block = ["llm:", f"  provider: {p.word}", *pad_lines(s, "  "), f"  {field_line}", "  temperature: 0.2"]
    lines = yaml_filler(r) + block + yaml_filler(r)
    return Rendered(r.choice(("config.yaml", "settings.yml", "config/app.yaml")), "\n".join(lines) + "\n", s.text_for("yaml"))


def c_json_nested(s: Slot) -> Rendered:
    r = s.rng
    p = s.provider
    variant = r.choice(("appsettings", "providers", "secrets-manager"))
    pad = {name: value for name, value in padding(s) if not str(value).startswith("# ")}
    if variant == "appsettings":  # .NET appsettings.json: "Deepgram": {"ApiKey": ...}
        section = {pascal(k): v for k, v in pad.items()} | {"ApiKey" if s.field in ("api_key", "apiKey") else pascal(s.field): MARK,
                                                            "TimeoutSeconds": r.randint(10, 60)}
        doc: dict[str, Any] = {"Logging": {"LogLevel": {"Default": "Information"}},
                               p.name.replace(" ", "").replace(".", ""): section, "AllowedHosts": "*"}
        path = "appsettings.json"
    elif variant == "providers":
        doc = {"version": 2, "providers": {p.word: pad | {s.field: MARK, "model": f"{w(r)}-v{r.randint(1, 4)}"}}, "retries": 3}
        path = r.choice(("config.json", "settings/providers.json"))
    else:
        doc = {"service": w(r), "credentials": {p.word: pad | {s.field: MARK}}}
        path = "secrets/app.json"
    return Rendered(path, json.dumps(doc, indent=2) + "\n", s.text_for("json"))


def c_toml(s: Slot) -> Rendered:
    r = s.rng
    header = r.choice((f"[{s.provider.word}]", f"[providers.{s.provider.word}]", f"[tool.{s.provider.word}]"))
    pad = [f"{n} = \"{v}\"" if isinstance(v, str) and not v.startswith("# ") else (v if isinstance(v, str) else f"{n} = {v}")
           for n, v in padding(s)]
    lines = ["[server]", f"port = {r.randint(3000, 9000)}", "", header, f"model = \"{w(r)}-base\"", *pad,
             f"{s.field} = {s.q('toml')}", "", "[logging]", "level = \"info\""]
    return Rendered(r.choice(("config.toml", "settings.toml", ".app/config.toml")), "\n".join(lines) + "\n", s.text_for("toml"))


def c_ini(s: Slot) -> Rendered:
    r = s.rng
    section = r.choice((s.provider.word, s.provider.name.replace(" ", ""), f"{s.provider.word}:default"))
    name = s.field if r.random() < 0.5 else s.field.replace("_", "")
    lines = ["[DEFAULT]", f"region = {r.choice(('us-east-1', 'eu-west-1'))}", "", f"[{section}]",
             *pad_lines(s, "", " = ", ";"), f"{name} = {MARK}", f"timeout = {r.randint(10, 60)}"]
    return Rendered(r.choice(("settings.ini", "setup.cfg", "app.conf")), "\n".join(lines) + "\n", s.text_for("ini"))


def c_properties(s: Slot) -> Rendered:
    r = s.rng
    word = s.provider.word
    name = r.choice((f"{word}.api.key", f"{word}.apiKey", f"spring.ai.{word}.api-key", f"app.{word}.token"))
    if s.trap in ("commit-sha", "checksum", "uuid-request-id"):
        name = f"{word}.{s.field.replace('_', '-')}"
    lines = [f"server.port={r.randint(8000, 9000)}", f"spring.application.name={w(r)}", f"{name}={MARK}",
             f"logging.level.root={r.choice(('INFO', 'WARN'))}"]
    return Rendered(r.choice(("src/main/resources/application.properties", "gradle.properties")), "\n".join(lines) + "\n",
                    s.text_for("properties"))


def c_dockerfile(s: Slot) -> Rendered:
    r = s.rng
    form = r.choice(("ENV {n}={v}", "ENV {n} {v}", "ARG {n}={v}", 'ENV {n}="{v}"'))
    lines = ["FROM python:3.12-slim", "WORKDIR /app", "COPY requirements.txt .",
             "RUN pip install --no-cache-dir -r requirements.txt", form.format(n=s.env, v=MARK),
             "COPY . .", f"CMD [\"python\", \"-m\", \"{w(r)}\"]"]
    return Rendered(r.choice(("Dockerfile", "docker/Dockerfile", "Dockerfile.prod")), "\n".join(lines) + "\n", s.text_for("docker"))


def c_compose(s: Slot) -> Rendered:
    r = s.rng
    item = f"      - {s.env}={MARK}" if r.random() < 0.5 else f"      {s.env}: {s.q('yaml')}"
    other = "      - LOG_LEVEL=info" if item.startswith("      -") else "      LOG_LEVEL: info"
    lines = ["services:", "  app:", "    build: .", "    ports:", "      - \"8080:8080\"", "    environment:", other,
             item, "  cache:", "    image: redis:7"]
    return Rendered(r.choice(("docker-compose.yml", "compose.yaml")), "\n".join(lines) + "\n", s.text_for("yaml"))


def c_terraform(s: Slot) -> Rendered:
    r = s.rng
    word = s.provider.word
    variant = r.choice(("variable", "module", "locals"))
    if variant == "variable":
        name = f"{word}_{s.field}" if s.trap in ("commit-sha", "checksum", "uuid-request-id") else f"{word}_api_key"
        validation = ["  validation {", "    condition     = length(var.api_key_override) == 0 || can(regex(\"^[A-Za-z0-9_.:-]+$\", var.api_key_override))",
                      "    error_message = \"The credential may only hold letters, digits and the characters _ . : -; rotate it in the vault first.\"",
                      "  }"] if s.far else []
        lines = [f"variable \"{name}\" {{", "  type        = string",
                 f"  description = \"Credential for the {w(r)} service\"", "  sensitive   = true", *validation,
                 f"  default     = {s.q('hcl')}", "}"]
    elif variant == "module":
        lines = [f"module \"{word}_{w(r)}\" {{", f"  source  = \"./modules/{w(r)}\"", "  region  = var.region",
                 *pad_lines(s, "  ", " = ", quote='"'), f"  {s.field} = {s.q('hcl')}", "}"]
    else:
        lines = ["locals {", f"  {word} = {{", f"    endpoint = \"https://{res_host(s.provider, r)}\"",
                 f"    {s.field} = {s.q('hcl')}", "  }", "}"]
    head = ["terraform {", "  required_version = \">= 1.5\"", "}", ""]
    return Rendered(r.choice(("main.tf", "variables.tf", "infra/ai.tf")), "\n".join(head + lines) + "\n", s.text_for("hcl"))


def c_tfvars(s: Slot) -> Rendered:
    r = s.rng
    word = s.provider.word
    if r.random() < 0.5:
        lines = [f"region = \"{r.choice(('us-east-1', 'westeurope'))}\"", f"{word}_{s.field} = {s.q('hcl')}",
                 f"replicas = {r.randint(1, 5)}"]
    else:
        lines = [f"environment = \"{r.choice(('prod', 'staging'))}\"", f"{word} = {{", f"  {s.field} = {s.q('hcl')}",
                 f"  tier = \"{r.choice(('free', 'pro'))}\"", "}"]
    return Rendered(r.choice(("terraform.tfvars", "prod.auto.tfvars", "env/prod.tfvars")), "\n".join(lines) + "\n",
                    s.text_for("hcl"))


def c_helm(s: Slot) -> Rendered:
    r = s.rng
    word = s.provider.word
    variant = r.choice(("auth", "secrets", "integrations"))
    if variant == "auth":
        block = [f"{word}:", "  enabled: true", f"  model: {w(r)}-2", *pad_lines(s, "  "), "  auth:",
                 f"    {camel(s.field.upper())}: {s.q('yaml')}"]
    elif variant == "secrets":
        block = ["secrets:", "  create: true", f"  {word}:", *pad_lines(s, "    "), f"    {s.field}: {s.q('yaml')}"]
    else:
        block = ["integrations:", f"  - name: {word}", f"    {s.field}: {s.q('yaml')}", "    enabled: true"]
    lines = ["replicaCount: 2", "image:", f"  repository: ghcr.io/acme/{w(r)}", "  tag: \"1.4.2\"", ""] + block + [
        "", "resources:", "  limits:", "    memory: 512Mi"]
    return Rendered(r.choice(("values.yaml", "charts/app/values.yaml", "values-prod.yaml")), "\n".join(lines) + "\n",
                    s.text_for("yaml"))


def c_k8s_secret_data(s: Slot) -> Rendered:
    """A Secret's base64 ``data:``: only the entry name says the provider."""
    r = s.rng
    name = r.choice((s.env, f"{s.provider.word}-api-key", f"{s.provider.word}_token"))
    value = base64.b64encode(s.text_for("yaml").encode()).decode()
    lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {w(r)}-credentials", "  namespace: default",
             "type: Opaque", "data:", f"  {name}: {MARK}", f"  LOG_LEVEL: {base64.b64encode(b'info').decode()}"]
    return Rendered(r.choice(("k8s/secret.yaml", "manifests/secrets.yaml")), "\n".join(lines) + "\n", value)


def c_k8s_config(s: Slot) -> Rendered:
    """ConfigMap ``data:``, Secret ``stringData:``, or a block scalar holding a config file."""
    r = s.rng
    word = s.provider.word
    variant = r.choice(("configmap", "stringdata", "block"))
    if variant == "configmap":
        lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {w(r)}-config", "data:",
                 "  LOG_LEVEL: info", f"  {s.env}: {s.q('yaml')}"]
    elif variant == "stringdata":
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {w(r)}-keys", "type: Opaque", "stringData:",
                 f"  {word}.{camel(s.field.upper())}: {s.q('yaml')}"]
    else:
        lines = ["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {w(r)}-config", "type: Opaque", "stringData:",
                 "  config.yaml: |", f"    {word}:", *pad_lines(s, "      "), f"      {s.field}: {s.q('yaml')}", "      retries: 3"]
    return Rendered(r.choice(("k8s/configmap.yaml", "deploy/config.yaml")), "\n".join(lines) + "\n", s.text_for("yaml"))


def c_k8s_pod_env(s: Slot) -> Rendered:
    """A Deployment's ``env:`` list: the name sits on the line before the value."""
    r = s.rng
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {w(r)}", "spec:", "  template:", "    spec:",
             "      containers:", f"        - name: {w(r)}", f"          image: ghcr.io/acme/{w(r)}:1.2.0", "          env:",
             "            - name: LOG_LEVEL", "              value: info", f"            - name: {s.env}",
             f"              value: {s.q('yaml')}"]
    return Rendered(r.choice(("k8s/deployment.yaml", "manifests/app.yaml")), "\n".join(lines) + "\n", s.text_for("yaml"))


def c_postman_env(s: Slot) -> Rendered:
    r = s.rng
    entry = {"key": s.env, "value": MARK, "type": "secret", "enabled": True}
    if r.random() < 0.4:  # the value may come before the key (research §4 row 5)
        entry = {"value": MARK, "key": s.env, "enabled": True}
    doc = {"id": str(uuid.UUID(int=r.getrandbits(128), version=4)), "name": f"{w(r)} prod",
           "values": [{"key": "base_url", "value": f"https://{res_host(s.provider, r)}", "type": "default", "enabled": True},
                      entry],
           "_postman_variable_scope": "environment", "_postman_exported_using": "Postman/11.2.0"}
    return Rendered(f"postman/{w(r)}.postman_environment.json", json.dumps(doc, indent=2) + "\n", s.text_for("json"))


def c_insomnia_env(s: Slot) -> Rendered:
    """Insomnia export: the environment's name and base_url say the provider, the key is ``token``."""
    r = s.rng
    env_doc = {"_id": f"env_{random_text('hex', 32, r)}", "_type": "environment", "parentId": f"wrk_{random_text('hex', 32, r)}",
               "name": f"{s.provider.name} ({r.choice(('prod', 'staging'))})",
               "data": {"base_url": f"https://{res_host(s.provider, r)}"}
               | {n: v for n, v in padding(s) if not str(v).startswith("# ")} | {s.field: MARK}}
    doc = {"_type": "export", "__export_format": 4, "__export_source": "insomnia.desktop.app:v2023.5.8",
           "resources": [env_doc]}
    return Rendered("insomnia/workspace.json", json.dumps(doc, indent=2) + "\n", s.text_for("json"))


def c_typed_const(s: Slot) -> Rendered:
    r = s.rng
    lang = r.choice(("rust", "java", "kotlin", "go", "ts", "csharp"))
    name = s.env
    if lang == "rust":
        text = f"use std::time::Duration;\n\npub const TIMEOUT: Duration = Duration::from_secs(30);\nconst {name}: &str = {s.q('rust')};\n"
        path, fam = "src/config.rs", "rust"
    elif lang == "java":
        text = (f"package com.acme.{w(r)};\n\npublic final class Config {{\n    private static final int TIMEOUT = 30;\n"
                f"    private static final String {name} = {s.q('java')};\n}}\n")
        path, fam = "src/main/java/com/acme/Config.java", "java"
    elif lang == "kotlin":
        text = f"package com.acme\n\nobject Config {{\n    const val TIMEOUT = 30\n    const val {name} = {s.q('java')}\n}}\n"
        path, fam = "app/src/main/kotlin/Config.kt", "java"
    elif lang == "go":
        text = f"package config\n\nconst (\n\tTimeout = 30\n\t{camel(name)} = {s.q('go')}\n)\n"
        path, fam = "internal/config/config.go", "go"
    elif lang == "ts":
        text = f"export const TIMEOUT_MS: number = 30_000;\nexport const {name}: string = {s.q('js')};\n"
        path, fam = "src/config.ts", "js"
    else:
        pascal = "".join(p.capitalize() for p in name.lower().split("_"))
        text = f"namespace Acme;\n\npublic static class Config\n{{\n    public const int Timeout = 30;\n    private const string {pascal} = {s.q('java')};\n}}\n"
        path, fam = "src/Config.cs", "java"
    return Rendered(path, text, s.text_for(fam))


def c_sdk_settings(s: Slot) -> Rendered:
    """An SDK's settings object or module attribute (``aai.settings.api_key = ...``)."""
    r = s.rng
    p = s.provider
    if p.settings:
        module = {"openai": "openai", "google": "google.generativeai as genai", "together": "together",
                  "fireworks": "fireworks.client", "voyage": "voyageai", "assemblyai": "assemblyai as aai",
                  "pinecone": "pinecone", "wandb": "wandb", "huggingface": "huggingface_hub", "runpod": "runpod"}[p.id]
        line = p.settings.format(v=s.q("python"))
        lines = [f"import {module}", "", line]
    else:  # an app's settings object, named by the provider
        line = r.choice((f"settings.{p.word}.{s.field} = {s.q('python')}", f"config[\"{p.word}\"][\"{s.field}\"] = {s.q('python')}"))
        lines = ["from app.config import settings, config", "", line]
    lines += ["", "", f"def {w(r)}_client():", f"    return {w(r)}"]
    return Rendered(r.choice(("app/setup.py", "src/bootstrap.py", "scripts/init_sdk.py")), "\n".join(lines) + "\n",
                    s.text_for("python"))


def _ctor(template: str, s: Slot, family: str, host: str) -> tuple[str, str]:
    imp, call = template.split("|")
    env_lower = s.env.lower()
    return imp.format(), call.format(v=s.q(family), host=host, envlower=env_lower, pk=s.pk)


def c_ctor_module(s: Slot) -> Rendered:
    """A constructor whose class or module names the provider."""
    r = s.rng
    p = s.provider
    host = res_host(p, r)
    use_js = bool(p.js) and (not p.py or r.random() < 0.4)
    if use_js:
        imp, call = _ctor(p.js, s, "js", host)
        text = f"{imp}\n\nexport const client = {call};\n"
        return Rendered(r.choice(("src/client.ts", "lib/ai.js", "src/llm.ts")), text, s.text_for("js"))
    template = p.py or OPENAI_COMPAT_PY
    imp, call = _ctor(template, s, "python", host)
    text = f"{imp}\n\n\nclient = {call}\n\n\ndef ask(prompt: str) -> str:\n    return client.{w(r)}(prompt)\n"
    return Rendered(r.choice(("app/client.py", "src/llm.py", "services/ai.py")), text, s.text_for("python"))


def c_ctor_comment(s: Slot) -> Rendered:
    """A generic constructor; only a trailing comment names the provider."""
    r = s.rng
    word = r.choice((s.provider.word, s.provider.name))
    lang = r.choice(("py", "js", "go"))
    if lang == "py":
        text = f"from app.http import Client\n\nclient = Client({s.q('python')})  # {word}\n"
        return Rendered("app/clients.py", text, s.text_for("python"))
    if lang == "js":
        text = f"import {{ createClient }} from \"./http\";\n\nconst api = createClient({s.q('js')}); // {word}\nexport default api;\n"
        return Rendered("src/clients.js", text, s.text_for("js"))
    text = f"package main\n\nfunc newClient() *Client {{\n\treturn NewClient({s.q('go')}) // {word}\n}}\n"
    return Rendered("cmd/app/clients.go", text, s.text_for("go"))


def c_notebook(s: Slot) -> Rendered:
    """A Jupyter notebook: the code is JSON-escaped inside ``"source"`` strings."""
    r = s.rng
    p = s.provider
    value_py = s.q("notebook", "\"")
    if s.trap in ("commit-sha", "checksum", "uuid-request-id"):
        code = ["import os\n", f"{p.word}_{s.field} = {value_py}\n"]
    else:
        variant = r.choice(("environ", "ctor", "assign"))
        if variant == "environ":
            code = ["import os\n", f"os.environ[\"{s.env}\"] = {value_py}\n"]
        elif variant == "ctor" and (p.py or p.id in ("kimi", "deepseek")):
            imp, call = _ctor(p.py or OPENAI_COMPAT_PY, s, "notebook", res_host(p, r))
            code = [imp + "\n", "\n", f"client = {call}\n"]
        else:
            code = [f"{s.env} = {value_py}\n", "print('ready')\n"]
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"# {w(r).capitalize()} demo\n", "Run the cells in order."]},
                    {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": code},
                    {"cell_type": "code", "execution_count": 2, "metadata": {}, "outputs": [], "source": ["result = run()\n", "result"]}],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return Rendered(r.choice(("notebooks/demo.ipynb", "examples/quickstart.ipynb")), json.dumps(nb, indent=1) + "\n",
                    s.text_for("notebook"))


def c_log(s: Slot) -> Rendered:
    """Application logs: request headers near the provider's host or SDK logger."""
    r = s.rng
    host = res_host(s.provider, r)
    name, value = s.header()
    ts = f"2026-0{r.randint(1, 9)}-1{r.randint(0, 9)}T1{r.randint(0, 9)}:2{r.randint(0, 9)}:0{r.randint(0, 9)}"
    variant = r.choice(("python-dict", "sdk-debug", "json-log"))
    before = [f"{ts}.101Z INFO  {w(r)}: starting worker {r.randint(1, 8)}", f"{ts}.230Z INFO  {w(r)}: queue depth {r.randint(0, 99)}"]
    if variant == "python-dict":
        options = "".join(f"'{n}': {v!r}, " for n, v in padding(s) if not str(v).startswith("# "))
        lines = before + [f"{ts}.412Z DEBUG httpx: HTTP Request: POST https://{host}/v1/{w(r)} \"HTTP/1.1 401 Unauthorized\"",
                          f"{ts}.413Z DEBUG {w(r)}.client: request: {{{options}'headers': {{'{name.lower()}': '{value}', 'content-type': 'application/json'}}}}"]
    elif variant == "sdk-debug":
        lines = before + [f"{ts}.412Z DEBUG {s.provider.word}._base_client: Request options: {{'method': 'post', 'url': '/v1/{w(r)}', "
                          f"'headers': {{'{name}': '{value}'}}}}"]
    else:
        lines = before + [json.dumps({"ts": ts, "level": "debug", "msg": "outgoing request", "url": f"https://{host}/v1/{w(r)}",
                                      "headers": {name: value}})]
    lines.append(f"{ts}.900Z WARN  {w(r)}: retrying in {r.randint(1, 9)}s")
    return Rendered(r.choice(("logs/app.log", "var/log/worker.log", "debug.log")), "\n".join(lines) + "\n",
                    _header_value(s))


def _header_value(s: Slot) -> str:
    """What the marker stands for in a header: the key, or base64 user:key for Basic auth."""
    text = s.text_for("http")
    user = s.basic_user() if s.header_override is None and not s.trap else None
    if s.header()[1].startswith("Basic ") and user is not None:
        return base64.b64encode(user.format(text).encode()).decode()
    return text


def c_http_dump(s: Slot) -> Rendered:
    """A raw HTTP request (.http), a curl command, or HAR headers."""
    r = s.rng
    host = res_host(s.provider, r)
    name, value = s.header()
    variant = r.choice(("http", "curl", "har"))
    if variant == "http":
        extra = [f"X-{n.replace('_', '-').title()}: {v}" for n, v in padding(s) if not str(v).startswith("# ")]
        lines = [f"### {w(r)} request", f"POST https://{host}/v1/{w(r)} HTTP/1.1", f"Host: {host.split('/')[0]}",
                 "Content-Type: application/json", *extra, f"{name}: {value}", "", "{\"input\": \"hello\"}"]
        return Rendered(r.choice(("requests.http", "api/test.http")), "\n".join(lines) + "\n", _header_value(s))
    if variant == "curl":
        lines = ["#!/bin/sh", f"curl -sS https://{host}/v1/{w(r)} \\", f"  -H \"{name}: {value}\" \\",
                 "  -H \"Content-Type: application/json\" \\", "  -d '{\"input\": \"hello\"}'"]
        return Rendered(r.choice(("scripts/try.sh", "curl-example.sh")), "\n".join(lines) + "\n", _header_value(s))
    har = {"log": {"version": "1.2", "entries": [{"request": {"method": "POST", "url": f"https://{host}/v1/{w(r)}",
                                                              "headers": [{"name": "content-type", "value": "application/json"},
                                                                          {"name": name, "value": value}]}}]}}
    return Rendered("captures/session.har", json.dumps(har, indent=2) + "\n", _header_value(s))


def c_context_after(s: Slot) -> Rendered:
    """A neutral name; the provider's endpoint comes on the following lines."""
    r = s.rng
    host = res_host(s.provider, r)
    variant = r.choice(("python", "yaml", "ctor"))
    if variant == "python":
        pad = [f"{n} = {v!r}" if not str(v).startswith("# ") else str(v) for n, v in padding(s)]
        lines = ["# client settings", f"api_key = {s.q('python')}", "api_version = \"2024-10-21\"", *pad, f"endpoint = \"https://{host}/\""]
        return Rendered("app/settings.py", "\n".join(lines) + "\n", s.text_for("python"))
    if variant == "yaml":
        lines = ["llm:", f"  key: {s.q('yaml')}", "  deployment: chat", *pad_lines(s, "  "), f"  endpoint: https://{host}/"]
        return Rendered("config/llm.yaml", "\n".join(lines) + "\n", s.text_for("yaml"))
    pad = [f"    {n}={v!r}," for n, v in padding(s) if not str(v).startswith("# ")]
    lines = ["from openai import OpenAI", "", "client = OpenAI(", f"    api_key={s.q('python')},", *pad, f"    base_url=\"https://{host}/v1\",", ")"]
    return Rendered("app/llm_client.py", "\n".join(lines) + "\n", s.text_for("python"))


def c_mcp_config(s: Slot) -> Rendered:
    """An MCP client config: the server is named after the provider, its env holds the key."""
    r = s.rng
    env_name = s.env if r.random() < 0.5 else "API_KEY"
    doc = {"mcpServers": {s.provider.word: {"command": "npx", "args": ["-y", f"@acme/{s.provider.word}-mcp"],
                                            "env": {env_name: MARK}}}}
    return Rendered(r.choice((".mcp.json", "claude_desktop_config.json", ".cursor/mcp.json")), json.dumps(doc, indent=2) + "\n",
                    s.text_for("json"))


def c_credential_file(s: Slot) -> Rendered:
    """Credential files written by SDKs and CLIs."""
    r = s.rng
    fid = s.fmt.id if s.fmt else ""
    if fid == "google/adc-authorized-user":
        doc = {"account": "", "client_id": f"{r.randint(10**11, 10**12 - 1)}-{random_text('lower_alnum', 32, r)}.apps.googleusercontent.com",
               "client_secret": "GOCSPX-" + random_text("b64url", 28, r), "quota_project_id": f"{w(r)}-prod",
               "refresh_token": MARK, "type": "authorized_user", "universe_domain": "googleapis.com"}
        text = json.dumps(doc, indent=2) + "\n"
        return Rendered(".config/gcloud/application_default_credentials.json", SPAN_START + text.rstrip("\n") + SPAN_END + "\n", s.value)
    if fid == "google/service-account-json":
        project = f"{w(r)}-{r.randint(100000, 999999)}"
        email = f"{w(r)}-sa@{project}.iam.gserviceaccount.com"
        doc = {"type": "service_account", "project_id": project, "private_key_id": random_text("hex", 40, r), "private_key": MARK,
               "client_email": email, "client_id": str(r.randint(10**20, 10**21 - 1)),
               "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
               "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
               "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email.replace('@', '%40')}"}
        text = json.dumps(doc, indent=2)
        return Rendered(f"keys/{project}.json", SPAN_START + text + SPAN_END + "\n", s.value)
    if fid == "wandb/hex40":
        text = f"machine api.wandb.ai\n  login user\n  password {MARK}\n"
        return Rendered(".netrc", text, s.value)
    if fid.startswith("anthropic/oauth"):
        which = "accessToken" if "access" in fid else "refreshToken"
        oauth: dict[str, Any] = {"claudeAiOauth": {which: MARK, "expiresAt": 1790000000000, "scopes": ["user:inference"],
                                                   "subscriptionType": "pro"}}
        return Rendered(".claude/.credentials.json", json.dumps(oauth, indent=2) + "\n", s.value)
    if fid.startswith("huggingface/"):
        return Rendered(r.choice((".cache/huggingface/token", ".huggingface/token")), f"{MARK}\n", s.value)
    if fid == "nvidia/ngc-legacy":
        if r.random() < 0.5:
            text = f"[CURRENT]\napikey = {MARK}\nformat_type = ascii\norg = {random_text('lower_alnum', 12, r)}\n"
            return Rendered(".ngc/config", text, s.value)
        text = f"#!/bin/sh\necho \"{MARK}\" | docker login nvcr.io --username '$oauthtoken' --password-stdin\n"
        return Rendered("scripts/registry-login.sh", text, s.value)
    raise ValueError(f"no credential file for {fid}")


CLASSES: dict[str, Callable[[Slot], Rendered]] = {
    "env-file": c_env, "shell-export": c_shell, "yaml-nested": c_yaml_nested, "json-nested": c_json_nested,
    "toml-section": c_toml, "ini-section": c_ini, "properties": c_properties, "dockerfile": c_dockerfile,
    "compose": c_compose, "terraform": c_terraform, "tfvars": c_tfvars, "helm-values": c_helm,
    "k8s-secret-data-b64": c_k8s_secret_data, "k8s-configmap-stringdata": c_k8s_config, "k8s-pod-env": c_k8s_pod_env,
    "postman-env": c_postman_env, "insomnia-env": c_insomnia_env, "typed-const": c_typed_const,
    "sdk-settings": c_sdk_settings, "ctor-module": c_ctor_module, "ctor-comment": c_ctor_comment,
    "notebook": c_notebook, "log-headers": c_log, "http-dump": c_http_dump, "context-after": c_context_after,
    "mcp-config": c_mcp_config, "credential-file": c_credential_file,
}
CREDENTIAL_FILE_KEYS = {"google/adc-authorized-user", "google/service-account-json", "wandb/hex40", "anthropic/oauth-access",
                        "anthropic/oauth-refresh", "huggingface/user-letters", "huggingface/user-digits", "nvidia/ngc-legacy"}
FIELDS = ("api_key", "apiKey", "key", "token", "api_token", "secret")
# Classes whose templates can put the context farther than a character window from the value.
FAR_CLASSES = {"yaml-nested", "json-nested", "toml-section", "ini-section", "terraform", "helm-values", "insomnia-env",
               "k8s-configmap-stringdata", "log-headers", "http-dump", "context-after"}


def compatible(cls: str, fmt: KeyFormat) -> bool:
    if cls == "credential-file":
        return fmt.id in CREDENTIAL_FILE_KEYS
    if fmt.id in ("google/adc-authorized-user", "google/service-account-json"):
        return False
    if fmt.provider == "aws" and cls in ("log-headers", "http-dump") and "bedrock" not in fmt.generation:
        return False  # SigV4 signs requests; the secret is never in a header
    if fmt.provider == "aws" and cls == "ctor-module" and "bedrock" in fmt.generation:
        return False
    return True


# --------------------------------------------------------------------------- traps
# A trap is something a reader sees is not a key, planted in the same shapes as the keys.

TRAP_KINDS = ("placeholder", "env-reference", "fake-body", "jwt-test-token", "commit-sha", "checksum",
              "uuid-request-id", "firebase-sample", "langfuse-public-key")
HASHLIKE = ("commit-sha", "checksum", "uuid-request-id")
NOT_FOR_HASHLIKE = {"sdk-settings", "ctor-module", "ctor-comment", "credential-file", "k8s-secret-data-b64", "mcp-config",
                    "context-after"}
TRAP_CLASSES = {
    "firebase-sample": ("env-file", "json-nested", "typed-const", "yaml-nested"),
    "langfuse-public-key": ("env-file", "yaml-nested", "json-nested", "k8s-configmap-stringdata", "typed-const", "dockerfile", "shell-export"),
}


def trap_classes(kind: str) -> list[str]:
    if kind in TRAP_CLASSES:
        return list(TRAP_CLASSES[kind])
    excluded = {"credential-file"} | (NOT_FOR_HASHLIKE if kind in HASHLIKE else set())
    if kind == "env-reference":
        excluded |= {"k8s-secret-data-b64", "http-dump", "log-headers"}
    return [c for c in CLASSES if c not in excluded]


def env_reference(env: str, word: str) -> Callable[[str], str | None]:
    """An environment reference as each syntax writes it; None = write it as a quoted string."""
    raw = {"python": f"os.environ[\"{env}\"]", "notebook": f"os.environ[\\\"{env}\\\"]", "js": f"process.env.{env}",
           "go": f"os.Getenv(\"{env}\")", "rust": f"env!(\"{env}\")", "java": f"System.getenv(\"{env}\")",
           "hcl": f"var.{word}_api_key"}
    return lambda family: raw.get(family)


def env_reference_text(env: str, family: str) -> str:
    return {"json": "{{" + env + "}}", "env": "${" + env + "}", "docker": "${" + env + "}", "properties": "${" + env + "}",
            "ini": "%(" + env.lower() + ")s"}.get(family, "${" + env + "}")


def fake_body(fmt: KeyFormat, rng: random.Random, key: str) -> str:
    """The provider's real prefix with a body no key has: a run, a sequence, or too short."""
    prefix = fmt.spec.split("{", 1)[0]
    body_len = max(len(key) - len(prefix), 8)
    how = rng.choice(("x-run", "sequence", "short", "example"))
    if how == "x-run":
        return prefix + rng.choice("xX*0") * body_len
    if how == "sequence":
        seq = (string.ascii_lowercase + string.digits) * 6
        return prefix + seq[:body_len]
    if how == "example" and fmt.provider == "aws":
        return key[:-7] + "EXAMPLE"
    return prefix + random_text("alnum", rng.randint(4, 10), rng)  # right prefix, far too short


def jwt_test_token(rng: random.Random) -> str:
    def enc(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

    payload = {"sub": rng.choice(("1234567890", "test-user", "user_123")), "name": rng.choice(("John Doe", "Test User")),
               "iat": 1516239022, "aud": "test"}
    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(payload)}.{random_text('b64url', 43, rng)}"


PLACEHOLDERS = ("your-{word}-api-key", "<YOUR_{ENV}>", "REPLACE_ME", "changeme", "{prefix}...", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "<insert {name} key here>", "TODO", "{prefix}YOUR_KEY_HERE")


def firebase_sample() -> str:
    """The one Firebase SDK sample key whose shape the research notes describe in full (R §1.7):
    ``AIzaSy`` + the lower-case alphabet + digits, 39 characters."""
    return ("AIzaSy" + string.ascii_lowercase + "1234567")[:39]


# --------------------------------------------------------------------------- building


@dataclass
class Plan:
    """What goes where; made deterministically from the seed."""

    seed: int
    size: int
    trap_ratio: float
    items: list[Item] = field(default_factory=list)


def field_name(rng: random.Random) -> str:
    return rng.choice(FIELDS)


def key_slot(fmt: KeyFormat, rng: random.Random) -> Slot:
    p = PROVIDERS[fmt.provider]
    key = make_key(fmt, rng)
    env = fmt.env or (rng.choice((p.env,) + p.alt_env) if p.alt_env else p.env)
    s = Slot(p, key, env, field_name(rng), fmt, rng)
    if p.id == "langfuse":
        s.pk = "pk-lf-" + str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return s


def trap_slot(kind: str, provider: Provider, rng: random.Random) -> tuple[Slot, str]:
    """A trap's slot and a label for its variant."""
    env, fld = provider.env, field_name(rng)
    fmts = [f for f in FORMATS if f.provider == provider.id]
    if kind == "placeholder":
        template = rng.choice(PLACEHOLDERS)
        prefixed = [f for f in fmts if f.prefixed and not f.spec.startswith("=")]
        prefix = prefixed[0].spec.split("{", 1)[0] if prefixed else ""
        if not prefix and "{prefix}" in template:
            template = "your-{word}-api-key"
        value = template.format(word=provider.word, ENV=env, name=provider.name, prefix=prefix)
        return Slot(provider, value, env, fld, None, rng, kind), template
    if kind == "env-reference":
        s = Slot(provider, "", env, fld, None, rng, kind, expr=env_reference(env, provider.word))
        s.value = "${" + env + "}"
        return s, "env-reference"
    if kind == "fake-body":
        fmt = rng.choice([f for f in fmts if f.prefixed and not f.spec.startswith("=")])
        value = fake_body(fmt, rng, make_key(fmt, rng))
        return Slot(provider, value, fmt.env or env, fld, None, rng, kind), fmt.generation
    if kind == "jwt-test-token":
        return Slot(provider, jwt_test_token(rng), env, fld, None, rng, kind,
                    header_override=("Authorization", f"Bearer {MARK}")), "jwt"
    word = provider.word.upper()
    if kind == "commit-sha":
        fld = rng.choice(("commit", "git_sha", "revision", "sdk_commit"))
        return Slot(provider, random_text("hex", 40, rng), f"{word}_{fld.upper()}", fld, None, rng, kind,
                    header_override=("X-Build-Sha", MARK)), "sha1-40"
    if kind == "checksum":
        n, algo = rng.choice(((64, "sha256"), (32, "md5"), (40, "sha1")))
        fld = rng.choice((f"{algo}", "checksum", f"model_{algo}", "digest"))
        return Slot(provider, random_text("hex", n, rng), f"{word}_{fld.upper()}", fld, None, rng, kind,
                    header_override=("ETag", f"\"{MARK}\"")), f"{algo}-{n}"
    if kind == "uuid-request-id":
        fld = rng.choice(("request_id", "trace_id", "session_id", "run_id"))
        return Slot(provider, str(uuid.UUID(int=rng.getrandbits(128), version=4)), f"{word}_{fld.upper()}", fld, None, rng,
                    kind, header_override=("X-Request-Id", MARK)), "uuid4"
    if kind == "firebase-sample":
        firebase = replace(provider, name="Firebase", word="firebase", host="firebase.googleapis.com")
        return Slot(firebase, firebase_sample(), "FIREBASE_API_KEY", "apiKey", None, rng, kind), "alphabet-sample"
    if kind == "langfuse-public-key":
        value = "pk-lf-" + str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return Slot(provider, value, "LANGFUSE_PUBLIC_KEY", "public_key", None, rng, kind), "pk-lf"
    raise ValueError(kind)


def plan_structural(seed: int, size: int, trap_ratio: float) -> list[tuple[str, Slot, str]]:
    """(class, slot, variant) for every structural item: keys balanced over generations and
    classes, then traps cycling over kinds, classes and providers."""
    rng = random.Random(seed)
    classes = list(CLASSES)
    used: Counter[str] = Counter()
    out: list[tuple[str, Slot, str]] = []
    for i in range(size):
        cls = classes[i % len(classes)]
        choices = [f for f in FORMATS if compatible(cls, f)]
        low = min(used[f.id] for f in choices)
        fmt = rng.choice([f for f in choices if used[f.id] == low])
        used[fmt.id] += 1
        slot = key_slot(fmt, rng)
        slot.far = cls in FAR_CLASSES and rng.random() < 0.5
        out.append((cls, slot, ""))
    n_traps = round(size * trap_ratio)
    providers = sorted(PROVIDERS)
    kind_classes = {kind: rng.sample(trap_classes(kind), k=len(trap_classes(kind))) for kind in TRAP_KINDS}
    for i in range(n_traps):
        kind = TRAP_KINDS[i % len(TRAP_KINDS)]
        cls_choices = kind_classes[kind]
        cls = cls_choices[(i // len(TRAP_KINDS)) % len(cls_choices)]
        if kind == "firebase-sample":
            prov = PROVIDERS["google"]
        elif kind == "langfuse-public-key":
            prov = PROVIDERS["langfuse"]
        elif kind == "fake-body":
            prov = PROVIDERS[rng.choice(sorted({f.provider for f in FORMATS if f.prefixed and not f.spec.startswith("=")}))]
        else:
            prov = PROVIDERS[providers[(i * 7) % len(providers)]]
        slot, variant = trap_slot(kind, prov, rng)
        slot.far = cls in FAR_CLASSES and rng.random() < 0.5
        if kind == "env-reference":
            slot.value = env_reference_text(slot.env, "env")
        out.append((cls, slot, variant))
    return out


def place(rendered: Rendered, root: Path, rel_dir: str, unique: bool = True) -> tuple[str, int, int, int]:
    """Write a rendered file; return its corpus path, the value's line, and the item's first and
    last lines (the same line unless the template marked a multi-line span)."""
    text = rendered.text
    if text.count(MARK) != 1:
        raise AssertionError(f"{rendered.path}: {text.count(MARK)} value markers")
    if SPAN_START in text:
        start = text[: text.index(SPAN_START)].count("\n") + 1
        end = text[: text.index(SPAN_END)].count("\n") + 1
        text = text.replace(SPAN_START, "").replace(SPAN_END, "")
    line = text[: text.index(MARK)].count("\n") + 1
    if SPAN_START not in rendered.text:
        start = end = line
    value = rendered.value
    text = text.replace(MARK, value)
    if unique and text.count(value) != 1:
        raise AssertionError(f"{rendered.path}: the value appears {text.count(value)} times")
    rel = f"{rel_dir}/{rendered.path}"
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return rel, line, min(start, line), max(end, line)


def covered_providers() -> set[str]:
    """Providers byok-ci has a rule for at this checkout (for the tables; not used to plant)."""
    try:
        from byok_ci.rules import load_rules
    except ImportError:
        return set()
    return {r.provider for r in load_rules().rules}


def build(out: Path, seed: int, size: int, trap_ratio: float, with_peers: bool = True) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    covered = covered_providers()
    items: list[Item] = []
    for n, (cls, slot, variant) in enumerate(plan_structural(seed, size, trap_ratio)):
        rendered = CLASSES[cls](slot)
        is_trap = bool(slot.trap)
        rel, line, first, end = place(rendered, out, f"structural/{cls}/{n:05d}", unique=not is_trap)
        fmt = slot.fmt
        items.append(Item(
            id=f"s{n:05d}", section="structural", path=rel, line=line, first_line=first, end_line=end,
            provider=slot.provider.id,
            generation=fmt.generation if fmt else f"trap:{slot.trap}", context_class=cls,
            expected="trap" if is_trap else "secret", fingerprint=fingerprint(slot.value) if not is_trap else fingerprint(rendered.value),
            shape=fmt.shape if fmt else "", source=fmt.source if fmt else "", trap_kind=slot.trap, variant=variant,
            distance="far" if slot.padded else "near", prefixed=bool(fmt and fmt.prefixed),
            covered_by_byok_ci=(slot.provider.id in covered) if covered else None))
    if with_peers:
        from detection_peers import build_peer_examples

        items += build_peer_examples(out, seed, covered)
    manifest = {
        "version": 1, "seed": seed, "size": size, "trap_ratio": trap_ratio, "corpus": str(out),
        "files": sum(1 for p in out.rglob("*") if p.is_file()),
        "bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
        "composition": composition(items), "items": [asdict(i) for i in items],
    }
    manifest_path = out.parent / f"{out.name}.manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def composition(items: list[Item]) -> dict[str, Any]:
    def count(section: str, key: str, expected: str) -> dict[str, int]:
        return dict(sorted(Counter(getattr(i, key) for i in items if i.section == section and i.expected == expected).items()))

    return {section: {"secrets": sum(1 for i in items if i.section == section and i.expected == "secret"),
                      "traps": sum(1 for i in items if i.section == section and i.expected == "trap"),
                      "secrets_by_class": count(section, "context_class", "secret"),
                      "traps_by_class": count(section, "context_class", "trap"),
                      "secrets_by_provider": count(section, "provider", "secret"),
                      "traps_by_kind": count(section, "trap_kind", "trap")}
            for section in ("structural", "peer-examples")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", type=int, default=810, help="keys planted in the structural section (default 810)")
    parser.add_argument("--trap-ratio", type=float, default=0.4, help="traps per planted key (default 0.4)")
    parser.add_argument("--out", type=Path, help="corpus directory (default bench/out/detection/corpus-seedN)")
    parser.add_argument("--no-peer-examples", action="store_true")
    args = parser.parse_args(argv)
    out = args.out or DEFAULT_OUT / f"corpus-seed{args.seed}"
    manifest = build(out, args.seed, args.size, args.trap_ratio, with_peers=not args.no_peer_examples)
    print(out.parent / f"{out.name}.manifest.json")
    comp = manifest["composition"]
    print(f"{manifest['files']} files, {manifest['bytes'] / 1e6:.1f} MB; structural: {comp['structural']['secrets']} keys, "
          f"{comp['structural']['traps']} traps; peer-examples: {comp['peer-examples']['secrets']} true-positive forms, "
          f"{comp['peer-examples']['traps']} false-positive forms", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The peers' documented true- and false-positive forms for AI providers, with generated keys.

Each row re-creates the *form* of an example that gitleaks (GL), betterleaks (BL),
kingfisher (KF) or TruffleHog (TH) documents in its rule or test files, as summarised in
detection-research.md §3 (which replaces their random bodies by ``<N charset>``). The
bodies here are generated (detection_keys specs); no example key is copied. ``@@V@@`` marks
the value; ``{pk}`` is a Langfuse public key (context only).

Rows marked "fp" are the forms a peer documents as false positives: planted as traps.
Forms left out: the peers' literal alphabet-run samples (GL's canonical Anthropic fake),
KF's mangled ``T4BlbkFJ`` sample, regex branches with no documented example (BL's 20/20
``svcacct``/``admin``), and TH's two-keys-on-one-line inputs (a line match could not tell
the two apart).
"""

from __future__ import annotations

import json
import random
import re
import string
import uuid
from pathlib import Path

from detection_corpus import MARK, SPAN_END, SPAN_START, Item, Rendered, place
from detection_keys import CHARSETS, expand, fingerprint

V = MARK
CONTEXT_FIELD = re.compile(r"\{(?:" + "|".join(CHARSETS) + r"):\d+\}")
OPENAI = "{marker_openai}"
# GL's GenerateSampleSecrets file shapes (research §3): "{i}" is the rule's identifier.
GL_SHAPES = (
    ("ini", "app.ini", '{i}Token="' + V + '"'),
    ("json", "config.json", '{{"{i}_token": "' + V + '"}}'),
    ("json-escaped", "config.json", '{{"config.ini": "{I}_TOKEN=' + V + '\\nBACKUP_ENABLED=true"}}'),
    ("xml", "config.xml", "<{i}Token>\n  " + V + "\n</{i}Token>"),
    ("yaml", "config.yaml", "{i}_token: '" + V + "'"),
    ("go", "main.go", '{i}Token := "' + V + '"'),
    ("java", "Main.java", 'String {i}Token = "' + V + '";'),
    ("php", "index.php", '${i}Token .= "' + V + '";'),
    ("python", "app.py", '{i}_token = "' + V + '"'),
    ("setproperty", "Main.java", 'System.setProperty("{I}_TOKEN", "' + V + '")'),
    ("logstash", "pipeline.conf", '"{i}Token" => "' + V + '"'),
    ("makefile", "Makefile", "{I}_TOKEN ?= " + V),
)
# (provider, GL/BL rule identifier, spec) whose TPs the peers generate "in all sample shapes".
GL_SHAPED = (
    ("openai", "openai", "sk-{alnum:20}" + OPENAI + "{alnum:20}", "GL/BL openai-api-key"),
    ("perplexity", "perplexity", "pplx-{alnum:48}", "GL/BL perplexity-api-key"),
    ("google", "gcp", "AIzaSy{b64url:33}", "GL/BL gcp-api-key"),
    ("google", "gemini", "AQ.Ab8RN6{b64url:44}", "BL gcp-gemini-api"),
    ("groq", "groq", "gsk_{upper_alnum:52}", "BL groq-api-key (upper+digits)"),
    ("xai", "xai", "xai-{b64url:84}", "BL xai-api-key (84, with -)"),
    ("mistral", "mistral", "{upper_alnum:32}", "BL mistral-api-key (upper+digits)"),
    ("cohere", "cohere", "{alnum:40}", "GL/BL cohere-api-token"),
    ("deepseek", "deepseek", "sk-{hex:32}", "BL deepseek-api-key"),
    ("together", "togetherai", "tgp_v1_{b64url:43}", "BL togetherai-api-key"),
    ("replicate", "replicate", "r8_{alnum:37}", "BL replicate-api-token"),
    ("openrouter", "openrouter", "sk-or-v1-{hex:64}", "BL openrouter-api-key"),
    ("nvidia", "nvidia", "nvapi-{upper_alnum:64}", "BL nvidia-api-key"),
    ("cerebras", "cerebras", "csk-{lower_alnum:48}", "BL cerebras-api-key"),
    ("assemblyai", "assemblyai", "{lower_alnum:32}", "BL assemblyai-api-key"),
    ("deepgram", "deepgram", "{hex:40}", "BL deepgram-api-key"),
    ("stability", "stability", "sk-{alnum:48}", "BL stability-ai-api-key"),
    ("wandb", "wandb", "{hex:40}", "BL weights-and-biases-api-key"),
    ("minimax", "minimax", "sk-api-{b64url:119}", "BL minimax-api-key"),
    ("vercel", "vercel", "vck_{b64url:56}", "BL vercel-ai-gateway-key"),
    ("zai", "zai", "{hex:32}.{alnum:16}", "BL zai-api-key"),
    ("privateai", "privateai", "{lower_alnum:32}", "GL/BL privateai-api-token"),
)
HOST_500_BEFORE = ("2026-05-02 10:14:07,123 DEBUG openai._base_client: Request options: {'method': 'post', "
                   "'url': 'https://contoso-ai.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21', "
                   "'files': None, 'json_data': {'messages': [{'role': 'system', 'content': 'You are a helpful assistant that "
                   "answers questions about the quarterly report, the inventory and the shipping schedule.'}, {'role': 'user', "
                   "'content': 'Summarise the open items for the warehouse team and list the three largest orders.'}], "
                   "'model': 'gpt-4o', 'temperature': 0.2, 'max_tokens': 800, 'stream': False}, 'timeout': 60.0, "
                   "'max_retries': 2, 'headers': {'content-type': 'application/json', 'api-key': '" + V + "'}}")
JENKINS = ("<com.cloudbees.plugins.credentials.impl.StringCredentialsImpl>\n  <scope>GLOBAL</scope>\n  <id>{ID}</id>\n"
           "  <description>build credential</description>\n  <secret>{AQAAABAAA " + V + "}</secret>\n"
           "</com.cloudbees.plugins.credentials.impl.StringCredentialsImpl>")



def adc(secret: str, indent: int | None) -> str:
    """An ADC ``authorized_user`` JSON around the marker. The field names are joined at run
    time so this file does not itself look like an ADC file to the peers' rules."""
    fields = {"client_id": "{digits12}-{lower32}.apps.googleusercontent.com", "client" + "_secret": secret,
              "refresh" + "_token": V, "type": "authorized_user"}
    return json.dumps(fields, indent=indent, separators=None if indent else (",", ":"))


ADC_TEMPLATES = {"{ADC_ONE_LINE}": adc("GOCSPX-{b64url:28}", None), "{ADC_MULTI_LINE}": adc("{alnum:24}", 2)}
# (provider, source, expected, file name, template, spec)
# fmt: off
FORMS: tuple[tuple[str, str, str, str, str, str], ...] = (
    # OpenAI (research §1.1, §3.1-3.4)
    ("openai", "TH openai: yaml legacy", "tp", "application.yml", "openai.api-key: " + V, "sk-{alnum:20}" + OPENAI + "{alnum:20}"),
    ("openai", "TH openai: project 20/20", "tp", "app.py", 'OPENAI_API_KEY = "' + V + '"', "sk-proj-{alnum:20}" + OPENAI + "{alnum:20}"),
    ("openai", "TH openai: named service account", "tp", "app.py", 'OPENAI_API_KEY = "' + V + '"', "sk-service-account-name-{alnum:20}" + OPENAI + "{alnum:20}"),
    ("openai", "TH openai: stray quote, project 58/58", "tp", "settings.py", '"OPENAI_API_KEY = "' + V + '"', "sk-proj-{b64url:58}" + OPENAI + "{b64url:58}"),
    ("openai", "TH openai: service account 46/46", "tp", "notes.txt", V, "sk-svcacct-{b64url:46}" + OPENAI + "{b64url:46}"),
    ("openai", "BL openai: notebook, project 20/20", "tp", "demo.ipynb",
     '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": [\n    "from openai import OpenAI\\n",\n    "client = OpenAI(api_key=\\"' + V + '\\")\\n",\n    "client.models.list()"\n   ]\n  }\n ],\n "nbformat": 4\n}',
     "sk-proj-{alnum:20}" + OPENAI + "{alnum:20}"),
    ("openai", "GL/BL openai: project 74/74", "tp", "secrets.txt", V, "sk-proj-{b64url:73}A" + OPENAI + "{b64url:73}A"),
    ("openai", "GL/BL openai: svcacct 74/74", "tp", "secrets.txt", V, "sk-svcacct-{b64url:73}A" + OPENAI + "{b64url:73}A"),
    ("openai", "GL/BL openai: admin 58/58", "tp", "secrets.txt", V, "sk-admin-{b64url:57}A" + OPENAI + "{b64url:57}A"),
    ("openai", "KF openai.2: sk-None- 74/74", "tp", "keys.txt", V, "sk-None-{b64url:74}" + OPENAI + "{b64url:74}"),
    ("openai", "KF openai.3: sk-None- 48", "tp", "keys.txt", V, "sk-None-{alnum:48}"),
    ("openai", "TH openaiadmin: debug log", "tp", "app.log", "[DEBUG] Admin Key=" + V, "sk-admin-{b64url:58}" + OPENAI + "{b64url:58}"),
    ("openai", "TH openaiadmin: export", "tp", "env.sh", 'export OPENAI_ADMIN_KEY="' + V + '"', "sk-admin-{b64url:58}" + OPENAI + "{b64url:58}"),
    ("openai", "TH openaiadmin: json", "tp", "config.json", '{\n  "openai_admin_api_key": "' + V + '"\n}', "sk-admin-{b64url:58}" + OPENAI + "{b64url:58}"),
    ("openai", "TH openaiadmin: missing marker", "fp", "config.txt", "admin_key=" + V, "sk-admin-{b64url:58}{b64url:58}"),
    # Anthropic (research §1.2, §3.1, §3.3, §3.4)
    ("anthropic", "GL/BL anthropic-api-key", "tp", "config.py", 'anthropic_api_token = "' + V + '"', "sk-ant-api03-{b64url:93}AA"),
    ("anthropic", "GL/BL anthropic-admin-api-key", "tp", "config.py", 'anthropic_admin_token = "' + V + '"', "sk-ant-admin01-{b64url:93}AA"),
    ("anthropic", "TH anthropic: system log, API key", "tp", "system.log",
     "System Log - 2026-03-01\nService: billing-worker\nAPI Key: " + V + "\nStatus: active", "sk-ant-api03-{b64url:93}AA"),
    ("anthropic", "TH anthropic: system log, admin key", "tp", "system.log",
     "System Log - 2026-03-01\nService: org-admin\nAdmin Key: " + V + "\nStatus: active", "sk-ant-admin01-{b64url:93}AA"),
    ("anthropic", "TH anthropic: Jenkins credentials XML", "tp", "credentials.xml", JENKINS.replace("{ID}", "{anthropic}"), "sk-ant-api03-{b64url:93}AA"),
    ("anthropic", "KF anthropic.1: other generation number", "tp", "keys.txt", V, "sk-ant-api668-{b64url:93}AA"),
    ("anthropic", "KF anthropic.2: admin03, no AA", "tp", "keys.txt", V, "sk-ant-admin03-{b64url:101}"),
    ("anthropic", "KF anthropic.3: OAuth access", "tp", ".env", 'CLAUDE_CODE_OAUTH_TOKEN="' + V + '"', "sk-ant-oat01-{b64url:45}"),
    ("anthropic", "KF anthropic.4: OAuth refresh", "tp", "config.js", 'refreshToken="' + V + '"', "sk-ant-ort01-{b64url:61}"),
    ("anthropic", "GL anthropic: too short", "fp", "config.py", 'anthropic_api_token = "' + V + '"', "sk-ant-api03-{b64url:59}AA"),
    ("anthropic", "GL anthropic: wrong suffix BB", "fp", "config.py", 'anthropic_api_token = "' + V + '"', "sk-ant-api03-{b64url:93}BB"),
    # Hugging Face (research §1.5, §3.1, §3.4)
    ("huggingface", "TH huggingface: JSON detector config, digits", "tp", "detectors.json",
     '{\n  "test_secrets": {\n    "huggingface_secret": "' + V + '"\n  }\n}', "hf_{alnum:12}7{alnum:8}42{alnum:10}9"),
    ("huggingface", "GL hf: cli login", "tp", "README.md", "huggingface-cli login --token " + V, "hf_{letters:34}"),
    ("huggingface", "GL hf: curl bearer", "tp", "try.sh", 'curl https://huggingface.co/api/whoami-v2 -H "Authorization: Bearer ' + V + '"', "hf_{letters:34}"),
    ("huggingface", "GL hf: env before command", "tp", "Makefile", "test:\n\tDEV=1 HF_TOKEN=" + V + " poetry run pytest", "hf_{letters:34}"),
    ("huggingface", "GL hf: use_auth_token", "tp", "train.py", "model = AutoModel.from_pretrained('org/model', use_auth_token='" + V + "')", "hf_{letters:34}"),
    ("huggingface", "GL hf: CI_HUB_USER_TOKEN", "tp", "testing_utils.py", 'CI_HUB_USER_TOKEN = "' + V + '"', "hf_{letters:34}"),
    ("huggingface", "GL hf: argparse default", "tp", "cli.py", "parser.add_argument(\"--hf_token\", type=str, default='" + V + "', help=\"token\")", "hf_{letters:34}"),
    ("huggingface", "KF huggingface.1", "tp", "config.yaml", 'HF_TOKEN:"' + V + '"', "hf_{letters:34}"),
    ("huggingface", "GL hf org: environ", "tp", "app.py", "os.environ['HUGGINGFACEHUB_API_TOKEN'] = '" + V + "'", "api_org_{letters:34}"),
    ("huggingface", "GL hf org: backticks", "tp", "README.md", "Use `" + V + "` for the org.", "api_org_{letters:34}"),
    ("huggingface", "GL hf: Obj-C selector", "fp", "Bridge.m", "- (id)" + V + ";", "hf_requiredCharacteristicTypesForDisplay"),
    ("huggingface", "GL hf: CSS/adblock rule", "fp", "filters.txt", "##.r" + V, "hf_SponsoredProductsCarouselWidgetContainer"),
    ("huggingface", "GL hf: Wireshark field", "fp", "packet-lte.c", "{ &" + V + ", { \"Serving cell\", \"lte.cell\", FT_UINT8 } },", "hf_servingcell_measurement_results"),
    ("huggingface", "GL hf: x placeholder", "fp", "README.md", 'HF_TOKEN="' + V + '"', "hf_" + "x" * 34),
    ("huggingface", "GL hf: 40 x", "fp", "README.md", "token: " + V, "hf_" + "x" * 40),
    ("huggingface", "GL hf org: Java constant", "fp", "Codes.java", "public static final int " + V + " = 409;", "API_ORG_EXISTS_ALREADY_IN_THE_DIRECTORY"),
    # Groq, xAI, Mistral, DeepSeek, Together, Replicate, OpenRouter, NVIDIA, Cerebras (research §3.2-3.4)
    ("groq", "TH groq", "tp", "app.py", "groq_token = '" + V + "'", "gsk_{alnum:20}{marker_groq}{alnum:24}"),
    ("groq", "BL groq: too short", "fp", "app.py", "groq_token = '" + V + "'", "gsk_{alnum:24}"),
    ("xai", "TH xai", "tp", "app.py", "xai_token = '" + V + "'", "xai-{alnum:80}"),
    ("xai", "TH xai: grok", "tp", "app.py", "grok_token1 = '" + V + "'", "xai-{alnum:80}"),
    ("xai", "BL xai: 43-char body", "fp", "app.py", "xai_token = '" + V + "'", "xai-{alnum:43}"),
    ("xai", "BL xai: xbi- prefix", "fp", "app.py", "xai_token = '" + V + "'", "xbi-{alnum:80}"),
    ("mistral", "KF mistral.1: token", "tp", "config.py", "mistral_token = " + V, "{alnum:32}"),
    ("mistral", "KF mistral.1: secret", "tp", "config.yaml", "mistral secret: " + V, "{alnum:32}"),
    ("mistral", "BL mistral: 28 chars", "fp", "config.py", "mistral_token = " + V, "{alnum:28}"),
    ("mistral", "BL mistral: 32 x A", "fp", "config.py", "mistral_token = " + V, "A" * 32),
    ("deepseek", "TH deepseek: non-hex body", "tp", "config.ini", "deepseek.Apikey = " + V, "sk-{lower_alnum:32}"),
    ("deepseek", "KF deepseek.1: bare", "tp", "keys.txt", V, "sk-{hex:32}"),
    ("deepseek", "BL deepseek: 22 hex", "fp", "config.py", "deepseek_key = " + V, "sk-{hex:22}"),
    ("deepseek", "TH deepseek: 14 chars", "fp", "config.ini", "deepseek.key = " + V, "sk-{lower_alnum:14}"),
    ("deepseek", "BL deepseek: zeros", "fp", "config.py", "deepseek_key = " + V, "sk-" + "0" * 32),
    ("together", "BL together: 32-char body", "fp", "config.py", "together_key = " + V, "tgp_v1_{b64url:32}"),
    ("together", "BL together: tgp_v2_", "fp", "config.py", "together_key = " + V, "tgp_v2_{b64url:43}"),
    ("replicate", "TH replicate", "tp", "app.py", "replicate token = '" + V + "'", "r8_{alnum:37}"),
    ("replicate", "BL replicate: 27-char body", "fp", "app.py", "replicate_token = '" + V + "'", "r8_{alnum:27}"),
    ("replicate", "BL replicate: r9_", "fp", "app.py", "replicate_token = '" + V + "'", "r9_{alnum:37}"),
    ("replicate", "TH replicate: ? inside", "fp", "app.py", "replicate_token = '" + V + "'", "r8_{alnum:18}?{alnum:18}"),
    ("openrouter", "TH openrouter", "tp", "app.py", 'OPENROUTER_API_KEY = "' + V + '"', "sk-or-v1-{hex:64}"),
    ("openrouter", "KF openrouter.1: bearer", "tp", "try.sh", 'curl -H "Authorization: Bearer ' + V + '" https://openrouter.ai/api/v1/key', "sk-or-v1-{hex:64}"),
    ("openrouter", "TH openrouter: 29 hex in a log", "fp", "app.log", "[WARN] rejected key " + V, "sk-or-v1-{hex:29}"),
    ("openrouter", "BL openrouter: sk-v1-", "fp", "app.py", "openrouter_key = '" + V + "'", "sk-v1-{hex:64}"),
    ("nvidia", "TH nvapi", "tp", "app.py", "nvapi_token = '" + V + "'", "nvapi-{b64url:64}"),
    ("nvidia", "BL nvidia: 32-char body", "fp", "app.py", "nvidia_key = '" + V + "'", "nvapi-{b64url:32}"),
    ("nvidia", "BL nvidia: nvkey-", "fp", "app.py", "nvidia_key = '" + V + "'", "nvkey-{b64url:64}"),
    ("cerebras", "BL cerebras: 21-char body", "fp", "app.py", "cerebras_key = '" + V + "'", "csk-{lower_alnum:21}"),
    ("cerebras", "BL cerebras: bsk-", "fp", "app.py", "cerebras_key = '" + V + "'", "bsk-{lower_alnum:48}"),
    # ElevenLabs, AssemblyAI, Deepgram, Stability, W&B, Pinecone, LangSmith
    ("elevenlabs", "TH elevenlabs v1", "tp", "app.py", "XI_API_KEY = '" + V + "'", "{hex:32}"),
    ("elevenlabs", "TH elevenlabs v2", "tp", "app.py", "XI_API_KEY = '" + V + "'", "sk_{hex:48}"),
    ("elevenlabs", "BL elevenlabs", "tp", "config.ini", "elevenlabs_api_token = " + V, "sk_{hex:48}"),
    ("elevenlabs", "KF elevenlabs.1: bare", "tp", "keys.txt", V, "sk_{hex:48}"),
    ("elevenlabs", "BL elevenlabs: 32 hex", "fp", "config.ini", "elevenlabs_api_token = " + V, "sk_{hex:32}"),
    ("elevenlabs", "BL elevenlabs: ak_", "fp", "config.ini", "elevenlabs_api_token = " + V, "ak_{hex:48}"),
    ("assemblyai", "TH assemblyai: debug log", "tp", "app.log", "[DEBUG] Using assemblyai Key=" + V, "{lower_alnum:32}"),
    ("assemblyai", "TH assemblyai: Jenkins XML", "tp", "credentials.xml", JENKINS.replace("{ID}", "{assemblyai}"), "{lower_alnum:32}"),
    ("assemblyai", "KF assemblyai.1", "tp", "config.ini", "assemblyai = " + V, "{hex:32}"),
    ("assemblyai", "KF assemblyai.1: token", "tp", "config.ini", "assemblyai_token = " + V, "{hex:32}"),
    ("assemblyai", "BL assemblyai: 24 chars", "fp", "config.ini", "assemblyai_key = " + V, "{lower_alnum:24}"),
    ("assemblyai", "BL assemblyai: 32 x a", "fp", "config.ini", "assemblyai_key = " + V, "a" * 32),
    ("assemblyai", "TH assemblyai: upper case", "fp", "config.ini", "assemblyai_key = " + V, "{lower_alnum:15}Q{lower_alnum:16}"),
    ("deepgram", "TH deepgram: yaml, non-hex", "tp", "config.yaml", 'deepgram_secret: "' + V + '"', "{lower_alnum:40}"),
    ("deepgram", "KF deepgram.1: key", "tp", "config.ini", "deepgram_key = " + V, "{hex:40}"),
    ("deepgram", "KF deepgram.1: quoted", "tp", "notes.txt", '"deepgram-api: ' + V + '"', "{hex:40}"),
    ("deepgram", "KF deepgram.1: ==", "tp", "notes.txt", "deepgram token 1 == " + V, "{hex:40}"),
    ("deepgram", "BL deepgram: 32 hex", "fp", "config.ini", "deepgram_key = " + V, "{hex:32}"),
    ("deepgram", "BL deepgram: zeros", "fp", "config.ini", "deepgram_key = " + V, "0" * 40),
    ("stability", "BL stability: 37-char body", "fp", "config.ini", "stability_key = " + V, "sk-{alnum:37}"),
    ("stability", "BL stability: 48 x A", "fp", "config.ini", "stability_key = " + V, "sk-" + "A" * 48),
    ("wandb", "TH wandb", "tp", "train.py", "WANDB_API_KEY = '" + V + "'", "{hex:40}"),
    ("wandb", "BL wandb v1", "tp", "train.py", "wandb_key = '" + V + "'", "wandb_v1_{word:77}"),
    ("wandb", "BL wandb: 32 hex", "fp", "train.py", "wandb_api_key = '" + V + "'", "{hex:32}"),
    ("wandb", "BL wandb: zeros", "fp", "train.py", "wandb_api_key = '" + V + "'", "0" * 40),
    ("wandb", "BL wandb v1: 40 chars", "fp", "train.py", "wandb_key = '" + V + "'", "wandb_v1_{word:40}"),
    ("wandb", "BL wandb: v2", "fp", "train.py", "wandb_key = '" + V + "'", "wandb_v2_{word:77}"),
    ("pinecone", "TH pinecone: env", "tp", ".env", "pinecone_API_KEY=" + V, "pcsk_{alnum:5}_{alnum:63}"),
    ("pinecone", "TH pinecone: export", "tp", "env.sh", "export PINECONE_API_KEY=" + V, "pcsk_{alnum:6}_{alnum:63}"),
    ("pinecone", "TH pinecone: yaml", "tp", "config.yaml", 'pinecone:\n  api_key: "' + V + '"', "pcsk_{alnum:6}_{alnum:63}"),
    ("pinecone", "BL pinecone.1: UUID", "tp", ".env", "PINECONE_API_KEY=" + V, "{uuid}"),
    ("pinecone", "KF pinecone.1: UUID", "tp", "config.py", 'pinecone_key = "' + V + '"', "{uuid}"),
    ("pinecone", "BL pinecone: DATABASE_ID", "fp", ".env", "DATABASE_ID=" + V, "{uuid}"),
    ("pinecone", "BL pinecone: zero UUID", "fp", ".env", "PINECONE_API_KEY=" + V, "00000000-0000-0000-0000-000000000000"),
    ("pinecone", "TH pinecone: 4-char label", "fp", ".env", "PINECONE_API_KEY=" + V, "pcsk_{alnum:4}_{alnum:63}"),
    ("pinecone", "TH pinecone: empty label", "fp", ".env", "PINECONE_API_KEY=" + V, "pcsk__{alnum:63}"),
    ("langsmith", "BL langsmith", "tp", ".env", "LANGSMITH_API_KEY=" + V, "lsv2_pt_{hex:32}_{hex:10}"),
    ("langsmith", "TH langsmith: bare", "tp", "keys.txt", V, "lsv2_sk_{hex:32}_{hex:10}"),
    ("langsmith", "BL langsmith: short", "fp", ".env", "LANGSMITH_API_KEY=" + V, "lsv2_pt_short"),
    ("langsmith", "TH langsmith: non-hex", "fp", ".env", "LANGSMITH_API_KEY=" + V, "lsv2_pt_{lower_alnum:10}zz{lower_alnum:20}_{hex:10}"),
    # Google (research §1.3, §1.7, §3)
    ("google", "TH googlegemini", "tp", "config.py", "gemini api key = '" + V + "'", "AIzaSy{b64url:33}"),
    ("google", "KF gcp.4: AQ.Ab8R", "tp", "config.py", "gemini_key = '" + V + "'", "AQ.Ab8R{b64url:46}"),
    ("google", "BL gemini: AQ.Ab8RN5", "fp", "config.py", "gemini_key = '" + V + "'", "AQ.Ab8RN5{b64url:44}"),
    ("google", "BL gemini: 38-char body", "fp", "config.py", "gemini_key = '" + V + "'", "AQ.Ab8RN6{b64url:38}"),
    ("google", "GL gcp: Firebase alphabet sample", "fp", "firebase.js", 'const firebaseConfig = { apiKey: "' + V + '" };', "AIzaSy" + string.ascii_lowercase + "1234567"),
    ("google", "GL gcp: 35 x a", "fp", "config.py", "google_key = '" + V + "'", "AIza" + "a" * 35),
    ("google", "GL gcp: upper case", "fp", "config.py", "google_key = '" + V + "'", "AIZASY{upper_alnum:33}"),
    ("google", "GL gcp: prefix mid-string", "fp", "data.txt", "id=" + V, "xyzAIzaSy{b64url:33}"),
    ("google", "GL gcp: 4 extra chars", "fp", "config.py", "google_key = '" + V + "'", "AIzaSy{b64url:37}"),
    ("google", "BL gcp ADC: one line", "tp", "adc.json", "{ADC_ONE_LINE}", "1//0{b64url:99}"),
    ("google", "TH gcp ADC: multi-line", "tp", "application_default_credentials.json", "{ADC_MULTI_LINE}", "1//0{b64url:99}"),
    # Azure OpenAI (research §1.4, §3.4)
    ("azure", "TH azure_openai: export base + key", "tp", "env.sh",
     "export OPENAI_API_BASE=https://contoso-ai.openai.azure.com/\nexport OPENAI_API_KEY=" + V, "{hex:32}"),
    ("azure", "TH azure_openai: logging dump, host 500 chars before", "tp", "app.log", HOST_500_BEFORE, "{hex:32}"),
    ("azure", "TH azure_openai: module attributes", "tp", "app.py",
     "import openai\nopenai.api_type = \"azure\"\nopenai.api_key = '" + V + "'\nopenai.api_base = \"https://contoso-ai.openai.azure.com/\"", "{hex:32}"),
    ("azure", "TH azure_openai: os.environ", "tp", "app.py",
     "os.environ[\"OPENAI_API_BASE\"] = \"https://contoso-ai.openai.azure.com/\"\nos.environ[\"OPENAI_API_KEY\"] = \"" + V + "\"", "{hex:32}"),
    ("azure", "TH azure_openai: TS client", "tp", "client.ts",
     'const client = new OpenAI({apiKey: "' + V + '", baseURL: "https://contoso-ai.openai.azure.com/openai/deployments/gpt-4o"});', "{hex:32}"),
    ("azure", "TH azure_openai: local.settings.json", "tp", "local.settings.json",
     '{\n  "IsEncrypted": false,\n  "Values": {\n    "AZURE_OPENAI_ENDPOINT": "https://contoso-ai.openai.azure.com/",\n    "AZURE_OPENAI_KEY": "' + V + '"\n  }\n}', "{hex:32}"),
    ("azure", "KF azureopenai.1: key", "tp", ".env", "azure_openai_key=" + V, "{hex:32}"),
    ("azure", "KF azureopenai.1: secret", "tp", ".env", "azure_openai_secret=" + V, "{hex:32}"),
    ("azure", "KF azureopenai.2: 84-char key (MSU layout)", "tp", ".env", "azure_openai_api_key=" + V, "=azure_annotated"),
    # Cohere, Perplexity, Private AI, Voyage
    ("cohere", "GL cohere: export CO_API_KEY", "tp", "env.sh", "export CO_API_KEY=" + V, "{alnum:40}"),
    ("cohere", "KF cohere.1: key", "tp", "config.ini", "cohere_key = " + V, "{alnum:40}"),
    ("cohere", "KF cohere.1: secret key", "tp", "notes.txt", "cohere secret key = " + V, "{alnum:40}"),
    ("cohere", "KF cohere.1: yaml", "tp", "config.yaml", "cohere_token: " + V, "{alnum:40}"),
    ("cohere", "GL cohere: 40 x", "fp", ".env", "CO_API_KEY=" + V, "x" * 40),
    ("perplexity", "KF perplexity.1: bare", "tp", "keys.txt", V, "pplx-{alnum:48}"),
    ("perplexity", "GL perplexity: 48 x", "fp", ".env", "PERPLEXITY_API_KEY=" + V, "pplx-" + "x" * 48),
    ("privateai", "GL privateai: 32 a", "fp", "config.ts", 'const privateaiToken = "' + V + '";', "a" * 32),
    ("voyage", "KF voyageai.api_key: bare pa-", "tp", "keys.txt", V, "pa-{b64url:43}"),
    ("voyage", "KF voyageai.api_key.2: bare al-", "tp", "keys.txt", V, "al-{b64url:43}"),
    # Providers byok-ci lacks today (research §2, §3)
    ("cartesia", "KF cartesia.1: env", "tp", ".env", "CARTESIA_API_KEY=" + V, "sk_car_{word:20}"),
    ("cartesia", "KF cartesia.1: bearer", "tp", "try.sh", 'curl -H "Authorization: Bearer ' + V + '" https://api.cartesia.ai/voices', "sk_car_{word:20}"),
    ("cursor", "BL cursor", "tp", "config.ini", "cursor_api_token = " + V, "key_{hex:64}"),
    ("cursor", "KF cursor.1: bare", "tp", "keys.txt", V, "key_{hex:64}"),
    ("cursor", "BL cursor: 31 hex", "fp", "config.ini", "cursor_api_token = " + V, "key_{hex:31}"),
    ("cursor", "BL cursor: tok_", "fp", "config.ini", "cursor_api_token = " + V, "tok_{hex:64}"),
    ("devin", "BL devin: cog_ bare", "tp", "keys.txt", V, "cog_{lower_b32:52}"),
    ("devin", "BL devin: cog_ env", "tp", ".env", "DEVIN_API_KEY=" + V, "cog_{lower_b32:52}"),
    ("devin", "BL devin: apk_", "tp", ".env", "DEVIN_API_KEY=" + V, "=devin_service"),
    ("devin", "BL devin: apk_user_", "tp", ".env", "DEVIN_API_KEY=" + V, "=devin_user"),
    ("fal", "KF falai.1: FAL_KEY", "tp", ".env", "FAL_KEY=" + V, "{uuid}:{hex:32}"),
    ("fal", "KF falai.1: prose", "tp", "notes.txt", "fal.ai api key: " + V, "{uuid}:{hex:32}"),
    ("fal", "KF falai.1: falai token", "tp", "config.ini", "falai token = " + V, "{uuid}:{hex:32}"),
    ("fal", "KF falai.1: fal-api", "tp", "config.ini", "fal-api = " + V, "{uuid}:{hex:32}"),
    ("greptile", "BL/KF greptile", "tp", "config.py", 'greptile_api_key = "' + V + '"', "{b64:48}"),
    ("greptile", "BL greptile: bare identifier", "tp", "config.ini", "greptile = " + V, "{b64:48}"),
    ("greptile", "BL greptile: 24 chars", "fp", "config.py", 'greptile_api_key = "' + V + '"', "{b64:24}"),
    ("greptile", "BL greptile: 48 x A", "fp", "config.py", 'greptile_api_key = "' + V + '"', "A" * 48),
    ("kimi", "BL kimi", "tp", "config.ini", "kimi_api_key = " + V, "sk-{b64url:48}"),
    ("kimi", "BL kimi: moonshot", "tp", "config.ini", "moonshot_api_key = " + V, "sk-{b64url:48}"),
    ("kimi", "BL kimi: no identifier", "fp", "config.py", 'api_key = "' + V + '"', "sk-{b64url:48}"),
    ("kimi", "BL kimi: 20-char body", "fp", "config.ini", "kimi_api_key = " + V, "sk-{b64url:20}"),
    ("kimi", "BL kimi: 48 x a", "fp", "config.ini", "kimi_api_key = " + V, "sk-" + "a" * 48),
    ("minimax", "BL minimax: 20-char body", "fp", "config.ini", "minimax_key = " + V, "sk-api-{b64url:20}"),
    ("minimax", "BL minimax: 119 x a", "fp", "config.ini", "minimax_key = " + V, "sk-api-" + "a" * 119),
    ("ollama", "BL ollama", "tp", "config.ini", "ollama_api_token = " + V, "{hex:32}.{b64url:24}"),
    ("ollama", "BL ollama: 32 hex alone", "fp", "config.ini", "ollama_api_token = " + V, "{hex:32}"),
    ("ollama", "BL ollama: no dot", "fp", "config.ini", "ollama_api_token = " + V, "{hex:32}{b64url:24}"),
    ("runpod", "BL runpod", "tp", ".env", "RUNPOD_API_KEY=" + V, "rpa_{upper_alnum:40}{alnum:6}"),
    ("runpod", "BL runpod: short", "fp", ".env", "RUNPOD_API_KEY=" + V, "rpa_short"),
    ("runpod", "BL runpod: redirect.pizza", "fp", ".env", "REDIRECT_PIZZA_TOKEN=" + V, "rpa_{alnum:30}"),
    ("upstage", "BL upstage", "tp", "config.ini", "upstage_api_key = " + V, "{alnum:40}"),
    ("upstage", "BL upstage: 40 x a", "fp", "config.ini", "upstage_api_key = " + V, "a" * 40),
    ("zai", "BL zai: glm", "tp", "config.ini", "glm = " + V, "{hex:32}.{alnum:16}"),
    ("mem0", "KF mem0.1: env", "tp", ".env", "MEM0_API_KEY=" + V, "m0-{alnum:28}"),
    ("mem0", "KF mem0.1: token header", "tp", "try.sh", 'curl -H "Authorization: Token ' + V + '" https://api.mem0.ai/v1/memories/', "m0-{alnum:30}"),
    ("tavily", "KF tavily.1: bare", "tp", "keys.txt", V, "tvly-{alnum:32}"),
    ("ai21", "KF ai21studio.1", "tp", "config.ini", "ai21 = " + V, "{uuid}"),
    ("ai21", "KF ai21studio.1: quoted", "tp", "notes.txt", '"ai21_key: ' + V + '"', "{uuid}"),
    ("ai21", "KF ai21studio.1: token", "tp", "config.ini", "ai21_token = " + V, "{uuid}"),
    ("clarifai", "KF clarifai.1: key", "tp", "config.ini", "clarifai_key = " + V, "{hex:32}"),
    ("clarifai", "KF clarifai.1: quoted token", "tp", "notes.txt", '"clarifai_token: ' + V + '"', "{hex:32}"),
    ("clarifai", "KF clarifai.1: secret", "tp", "config.ini", "clarifai-secret = " + V, "{hex:32}"),
    ("clarifai", "KF clarifai.1: api", "tp", "config.ini", "clarifai_api = " + V, "{hex:32}"),
    ("clarifai", "TH clarifai: yaml mixed case", "tp", "config.yaml", 'clarifai_key: "' + V + '"', "{alnum:32}"),
    ("nvidia", "TH ngc: legacy key", "tp", "notes.txt", "ngc token - '" + V + "'", "=ngc_legacy"),
    ("nvidia", "TH ngc: ? inside", "fp", "notes.txt", "ngc token - '" + V + "'", "{alnum:40}?{alnum:43}"),
    ("langfuse", "TH langfuse: secret key", "tp", "config.ini", "langfuse_public_key = {pk}\nlangfuse_secret_key = " + V, "sk-lf-{uuid}"),
    ("langfuse", "TH langfuse: public key alone", "fp", "config.ini", "langfuse_public_key = " + V, "pk-lf-{uuid}"),
    ("langfuse", "TH langfuse: sk-lf-invalid", "fp", "config.ini", "langfuse_secret_key = " + V, "sk-lf-invalid"),
    ("braintrust", "TH braintrust: debug log", "tp", "app.log", "[DEBUG] braintrust_key=" + V, "sk-{alnum:48}"),
    ("braintrust", "TH braintrust: env", "tp", ".env", "BRAINTRUST_API_KEY=" + V, "sk-{alnum:48}"),
    ("braintrust", "TH braintrust: sk-1234", "fp", ".env", "BRAINTRUST_API_KEY=" + V, "sk-1234"),
    ("braintrust", "TH braintrust: 52-char body", "fp", ".env", "BRAINTRUST_API_KEY=" + V, "sk-{alnum:52}"),
    ("braintrust", "TH braintrust: ! inside", "fp", ".env", "BRAINTRUST_API_KEY=" + V, "sk-{alnum:24}!{alnum:23}"),
)
# fmt: on


def _fill_context(template: str, rng: random.Random) -> str:
    """Fill the non-secret parts of a template (client ids, Langfuse public keys)."""
    template = ADC_TEMPLATES.get(template, template)
    template = template.replace("{pk}", "pk-lf-" + str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    template = template.replace("{digits12}", "".join(rng.choice(string.digits) for _ in range(12)))
    template = template.replace("{lower32}", "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(32)))
    return CONTEXT_FIELD.sub(lambda m: expand(m.group(0), rng), template)


def _key(spec: str, rng: random.Random) -> str:
    from detection_keys import BUILDERS

    return BUILDERS[spec[1:]](rng) if spec.startswith("=") else expand(spec, rng)


def build_peer_examples(out: Path, seed: int, covered: set[str]) -> list[Item]:
    rng = random.Random(seed * 7919 + 17)
    rows: list[tuple[str, str, str, str, str, str]] = list(FORMS)
    for n, (provider, ident, spec, source) in enumerate(GL_SHAPED):  # 3 shapes each, rotating over all 12
        for k in range(3):
            shape, name, template = GL_SHAPES[(3 * n + k) % len(GL_SHAPES)]
            text = template.replace("{i}", ident).replace("{I}", ident.upper()).replace("{{", "{").replace("}}", "}")
            rows.append((provider, f"{source}: GL sample shape {shape}", "tp", name, text, spec))
    items = []
    for n, (provider, source, verdict, name, template, spec) in enumerate(rows):
        value = _key(spec, rng)
        text = _fill_context(template, rng)
        if template == "{ADC_MULTI_LINE}":  # a finding anywhere in the JSON object counts
            text = SPAN_START + text + SPAN_END
        rendered = Rendered(name, text + "\n", value)
        rel, line, first, end = place(rendered, out, f"peer-examples/{n:04d}", unique=verdict == "tp")
        items.append(Item(
            id=f"p{n:04d}", section="peer-examples", path=rel, line=line, first_line=first, end_line=end, provider=provider,
            generation=source, context_class=source.split(":")[0], expected="secret" if verdict == "tp" else "trap",
            fingerprint=fingerprint(value), source=source, trap_kind="peer-fp" if verdict == "fp" else "",
            covered_by_byok_ci=(provider in covered) if covered else None))
    return items

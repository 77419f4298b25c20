"""`byok-ci manifest init`: a starter manifest from what the repository already uses.

It reads only *names*: environment variables such as ``OPENAI_API_KEY`` mentioned in the
files, and the secrets GitHub workflows read. No value is ever copied; every field a person
must decide carries a TODO, so the starter fails ``manifest check`` until it is filled in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from byok_ci.errors import ManifestError
from byok_ci.manifest.policy import Policy
from byok_ci.manifest.workflows import secret_uses, workflow_files
from byok_ci.sources.files import FileSource, WalkOptions

# Variable-name prefixes per provider id, beyond the upper-cased id itself.
_ALIASES = {
    "anthropic": ("CLAUDE",),
    "google": ("GEMINI", "GOOGLE_AI", "GOOGLE_GENERATIVE_AI"),
    "xai": ("GROK",),
    "huggingface": ("HF", "HUGGING_FACE", "HUGGINGFACEHUB"),
    "azure": ("AZURE_OPENAI",),
    "langsmith": ("LANGCHAIN",),
    "together": ("TOGETHERAI", "TOGETHER_AI"),
    "nvidia": ("NGC", "NIM"),
    "stability": ("STABILITY_AI",),
    "voyage": ("VOYAGEAI", "VOYAGE_AI"),
    "elevenlabs": ("ELEVEN", "XI"),
    "mistral": ("MISTRALAI",),
    "replicate": ("REPLICATE_API",),
}
# AWS variables are cloud credentials far beyond AI; a starter should not guess them.
_SKIP_PROVIDERS = {"aws"}
_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_SECRETISH = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET)(?:_|$)")


@dataclass(frozen=True)
class Usage:
    """A provider key the repository refers to by name, in an environment where known."""

    provider: str
    variable: str
    env: str | None = None  # a manifest environment
    github_environment: str | None = None
    github_secret: str | None = None


def provider_of(variable: str, providers: Iterable[str]) -> str | None:
    """The provider a variable name belongs to, e.g. ``OPENAI_API_KEY`` → ``openai``."""
    if not _SECRETISH.search(variable):
        return None
    best: tuple[int, str] | None = None
    for provider in providers:
        if provider in _SKIP_PROVIDERS:
            continue
        for prefix in (provider.upper(), *_ALIASES.get(provider, ())):
            if variable == prefix or variable.startswith(prefix + "_"):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), provider)
    return best[1] if best else None


def provider_of_read(text: str, providers: Iterable[str]) -> str:
    """The AI provider a secret's location names (``acme/prod/openai`` → openai), or ""."""
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)}
    joined = re.sub(r"[^a-z0-9]", "", text.lower())
    for provider in sorted(providers, key=len, reverse=True):
        if provider in _SKIP_PROVIDERS:
            continue
        aliases = {provider, *(a.lower().replace("_", "") for a in _ALIASES.get(provider, ()) if len(a) > 3)}
        if words & aliases or any(len(a) > 5 and a in joined for a in aliases):
            return provider
    return ""


def iac_references(root: Path, providers: Iterable[str], policy: Policy) -> dict[tuple[str, str], tuple[str, str]]:
    """(provider, environment) -> (reference, file:line) of what the repository's IaC binds."""
    from byok_ci.manifest.iac.discover import read_iac
    from byok_ci.manifest.iac.settings import IacSettings

    found: dict[tuple[str, str], tuple[str, str]] = {}
    for read in read_iac(root, policy, IacSettings()).reads:
        provider = provider_of_read(read.text, providers) if read.ref is not None else ""
        if provider and read.env:
            found.setdefault((provider, read.env), (str(read.ref), read.where))
    return found


def _env_in(variable: str, policy: Policy) -> str | None:
    words = {w.lower() for w in variable.split("_")}
    for env in policy.environments:
        if words & policy.words_for(env):
            return env
    return None


def find_usages(root: Path, providers: Iterable[str], policy: Policy, skip: Iterable[str] = ()) -> list[Usage]:
    providers = sorted(providers)
    skipped = {s for s in skip}
    found: dict[tuple[str, str, str | None, str | None], Usage] = {}
    source = FileSource([str(root)], WalkOptions(root=root, exclude=(".github/workflows",)))
    for chunk in source.chunks():
        if chunk.path in skipped:
            continue
        for variable in set(_NAME.findall(chunk.text)):
            provider = provider_of(variable, providers)
            if provider:
                usage = Usage(provider, variable, _env_in(variable, policy))
                found.setdefault((provider, variable, usage.env, None), usage)
    for path in workflow_files(root):
        try:
            uses = secret_uses(path, path.relative_to(root).as_posix())
        except ManifestError:
            continue
        for use in uses:
            provider = provider_of(use.secret, providers)
            if not provider:
                continue
            env = None
            if use.environment and not use.dynamic:
                env = next((e for e in policy.environments if use.environment.lower() in policy.words_for(e)), None)
            env = env or _env_in(use.secret, policy)
            usage = Usage(provider, use.secret, env, use.environment if env and not use.dynamic else None, use.secret)
            found[(provider, use.secret, env, "github")] = usage
    return sorted(found.values(), key=lambda u: (u.provider, u.env or "", u.variable))


def _reference(provider: str, env: str, usages: list[Usage],
               iac: dict[tuple[str, str], tuple[str, str]] | None = None) -> tuple[str, str]:
    """The best guess at where the key lives, and the TODO comment that goes with it."""
    if iac and (provider, env) in iac:
        ref, where = iac[(provider, env)]
        return ref, f"TODO: confirm; bound by {where}"
    github = [u for u in usages if u.github_secret and u.env == env]
    if github:
        u = github[0]
        ref = f"github://{u.github_environment}/{u.github_secret}" if u.github_environment else f"github://{u.github_secret}"
        return ref, "TODO: confirm; from the workflows"
    named = [u for u in usages if u.env == env] or [u for u in usages if u.env is None]
    variable = named[0].variable if named else f"{provider.upper()}_API_KEY"
    return f"env://{variable}", f"TODO: where the {env} key really lives (vault://, aws-sm://, github://{env}/…)"


def starter_manifest(root: Path, project: str, providers: Iterable[str], policy: Policy,
                     skip: Iterable[str] = ()) -> str:
    """The text of a starter ``byok.yaml`` for the repository at ``root``."""
    providers = sorted(providers)
    usages = find_usages(root, providers, policy, skip)
    by_provider: dict[str, list[Usage]] = {}
    for usage in usages:
        by_provider.setdefault(usage.provider, []).append(usage)
    iac = iac_references(root, providers, policy)
    for provider, _ in iac:
        by_provider.setdefault(provider, [])
    lines = [
        "# Starter key manifest written by `byok-ci manifest init`.",
        "# Fill in every TODO, then run `byok-ci manifest check`. Never put a key here:",
        "# `secret` is a reference to where the key lives (env://, vault://, aws-sm://, github://, …).",
        "version: 1",
        f"project: {project}",
        "policy:",
        f"  environments: [{', '.join(policy.environments)}]",
        "keys:",
    ]
    if not by_provider:
        lines[-1] = "keys: []  # TODO: no AI-provider key names found; add one entry per key and environment"
    for provider, found in by_provider.items():
        seen = sorted({u.variable for u in found})
        if seen:
            lines.append(f"  # {provider}: the repository uses {', '.join(seen)}")
        else:
            lines.append(f"  # {provider}: bound by the infrastructure code")
        for env in policy.environments:
            ref, todo = _reference(provider, env, found, iac)
            lines += [
                f"  - name: {project}-{env}-{provider}",
                f"    env: {env}",
                f"    provider: {provider}",
                f"    secret: {ref}  # {todo}",
                "    owner: TODO  # the team that rotates and revokes this key",
                "    models: []  # TODO: the models (or scopes:) this key may use",
                "    # rotated: YYYY-MM-DD  # TODO: when the key was last rotated",
            ]
    return "\n".join(lines) + "\n"

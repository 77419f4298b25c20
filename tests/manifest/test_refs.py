from __future__ import annotations

import pytest

from byok_ci.manifest.refs import SCHEMES, SecretRef, SecretRefError, parse_secret_ref


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("env://OPENAI_API_KEY", SecretRef("env", "OPENAI_API_KEY")),
        ("file://secrets/openai.txt", SecretRef("file", "secrets/openai.txt")),
        ("file:///run/secrets/openai", SecretRef("file", "/run/secrets/openai")),
        ("vault://kv/acme/prod/openai#api_key", SecretRef("vault", "kv/acme/prod/openai", "api_key")),
        ("aws-sm://acme/prod/openai#api_key", SecretRef("aws-sm", "acme/prod/openai", "api_key")),
        ("aws-sm://acme-prod-openai", SecretRef("aws-sm", "acme-prod-openai")),
        ("azure-kv://acme-vault/openai-prod", SecretRef("azure-kv", "acme-vault/openai-prod")),
        ("gcp-sm://acme-project/openai-prod", SecretRef("gcp-sm", "acme-project/openai-prod")),
        ("gcp-sm://acme-project/openai-prod/3", SecretRef("gcp-sm", "acme-project/openai-prod/3")),
        ("github://OPENAI_API_KEY", SecretRef("github", "OPENAI_API_KEY")),
        ("github://prod/OPENAI_API_KEY", SecretRef("github", "prod/OPENAI_API_KEY")),
        ("doppler://acme/prd/OPENAI_API_KEY", SecretRef("doppler", "acme/prd/OPENAI_API_KEY")),
        ("op://Prod/OpenAI/credential", SecretRef("op", "Prod/OpenAI/credential")),
        ("OP://Prod/OpenAI/credential", SecretRef("op", "Prod/OpenAI/credential")),
    ],
)
def test_valid_references(text: str, ref: SecretRef) -> None:
    parsed = parse_secret_ref(text)
    assert parsed == ref
    assert parsed.scheme in SCHEMES


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("keepass://db/openai", "unknown scheme 'keepass://'"),
        ("https://vault.example/v1/openai", "unknown scheme 'https://'"),
        ("OPENAI_API_KEY", "is not a secret reference"),
        ("env://", "has no location"),
        ("env://OPENAI-KEY", "environment variable name"),
        ("env://X#field", "environment variable name"),
        ("vault://kv#api_key", "vault://mount/path#field"),
        ("vault://kv/acme#", "empty #field"),
        ("azure-kv://only-vault", "azure-kv://vault/secret"),
        ("gcp-sm://p/s/v/extra", "gcp-sm://project/secret"),
        ("op://vault/item", "op://vault/item/field"),
        ("github://a/b/C", "ENVIRONMENT/NAME"),
        ("github://GITHUB_TOKEN", "cannot start with GITHUB_"),
        ("github://MY KEY", "spaces"),
    ],
)
def test_invalid_references_say_why(text: str, words: str) -> None:
    with pytest.raises(SecretRefError, match=words.replace("(", r"\(").replace("#", "#")):
        parse_secret_ref(text)


def test_github_environment_secret_parts() -> None:
    ref = parse_secret_ref("github://production/OPENAI_API_KEY")
    assert (ref.github_environment, ref.github_secret) == ("production", "OPENAI_API_KEY")
    assert parse_secret_ref("github://OPENAI_API_KEY").github_environment is None


def test_identity_ignores_case_where_the_store_does() -> None:
    assert parse_secret_ref("github://openai_key").identity == parse_secret_ref("github://OPENAI_KEY").identity
    assert parse_secret_ref("env://openai_key").identity != parse_secret_ref("env://OPENAI_KEY").identity

"""Secret references: URIs naming where a key lives, never the key itself.

    env://VAR                       an environment variable
    file://path                     a file (relative to the manifest, or absolute)
    vault://mount/path#field        HashiCorp Vault (KV)
    aws-sm://name#field             AWS Secrets Manager (field of a JSON secret, optional)
    aws-ssm://name                  AWS Systems Manager Parameter Store (a SecureString parameter)
    azure-kv://vault/secret         Azure Key Vault
    gcp-sm://project/secret         Google Secret Manager (optional /version)
    github://NAME                   a GitHub Actions repository or organisation secret
    github://ENVIRONMENT/NAME       a GitHub Actions environment secret
    doppler://project/config/NAME   Doppler
    op://vault/item/field           1Password
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from byok_ci.errors import SecretRefError

SCHEMES = ("env", "file", "vault", "aws-sm", "aws-ssm", "azure-kv", "gcp-sm", "github", "doppler", "op")
_URI = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)", re.S)
_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# (minimum, maximum) path segments before '#'; None = no upper bound.
_SEGMENTS: dict[str, tuple[int, int | None]] = {
    "file": (1, None),
    "vault": (2, None),
    "aws-sm": (1, None),
    "aws-ssm": (1, None),
    "azure-kv": (2, 3),
    "gcp-sm": (2, 3),
    "doppler": (1, 3),
    "op": (3, 4),
}


@dataclass(frozen=True)
class SecretRef:
    """A parsed reference: ``scheme://path#field``."""

    scheme: str
    path: str
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.scheme}://{self.path}" + (f"#{self.field}" if self.field else "")

    @property
    def identity(self) -> str:
        """What two keys must not share: the store and location, compared case-insensitively
        where the store itself is case-insensitive (GitHub secrets, Key Vault names)."""
        if self.scheme in ("github", "azure-kv"):
            return str(self).lower()
        return str(self)

    @property
    def runtime_local(self) -> bool:
        """``env://`` and ``file://`` name a place in whatever runtime reads them: each
        environment's deployment sets its own ``OPENAI_API_KEY``, so sharing the name is
        not sharing the key."""
        return self.scheme in ("env", "file")

    @property
    def github_environment(self) -> str | None:
        """For ``github://ENV/NAME``, the environment; None for a repository secret."""
        if self.scheme != "github" or "/" not in self.path:
            return None
        return self.path.split("/", 1)[0]

    @property
    def github_secret(self) -> str | None:
        if self.scheme != "github":
            return None
        return self.path.rsplit("/", 1)[-1]

    def tokens(self) -> set[str]:
        """Lower-case words of the location, for judging which environment it belongs to."""
        words = set()
        for token in _TOKEN.findall(f"{self.path} {self.field or ''}"):
            words.add(token.lower())
        return words


def looks_like_reference(value: str) -> bool:
    return _URI.fullmatch(value.strip()) is not None


def parse_secret_ref(value: str) -> SecretRef:
    """Parse a reference; raise :class:`SecretRefError` saying what is wrong with it."""
    match = _URI.fullmatch(value.strip())
    if match is None:
        raise SecretRefError("is not a secret reference (scheme://location, e.g. env://OPENAI_API_KEY)")
    scheme, rest = match.group("scheme").lower(), match.group("rest")
    if scheme not in SCHEMES:
        # A scheme longer than any real one is not shown: a key pasted in front of "://" would
        # be, and a key cut short escapes the redaction of outputs.
        shown = f"'{scheme}://'" if len(scheme) <= 12 else f"of {len(scheme)} characters"
        raise SecretRefError(f"uses unknown scheme {shown} (known: {', '.join(s + '://' for s in SCHEMES)})")
    path, _, field = rest.partition("#")
    if any(c.isspace() for c in rest):
        raise SecretRefError(f"{scheme}:// reference must not contain spaces")
    if not path:
        raise SecretRefError(f"{scheme}:// reference has no location")
    if "#" in rest and not field:
        raise SecretRefError(f"{scheme}:// reference has an empty #field")
    if scheme == "env":
        if not _VAR.fullmatch(path) or field:
            raise SecretRefError("env:// takes an environment variable name, e.g. env://OPENAI_API_KEY")
    elif scheme == "github":
        parts = path.split("/")
        if len(parts) > 2 or field or not all(parts) or not _VAR.fullmatch(parts[-1]):
            raise SecretRefError("github:// takes a secret name, or ENVIRONMENT/NAME for an environment secret")
        if parts[-1].upper().startswith("GITHUB_"):
            raise SecretRefError("GitHub secret names cannot start with GITHUB_")
    else:
        low, high = _SEGMENTS[scheme]
        segments = path.strip("/").split("/") if scheme != "file" else [path]
        if any(not s for s in segments) or len(segments) < low or (high is not None and len(segments) > high):
            raise SecretRefError(f"{scheme}:// reference should look like {_SHAPES[scheme]}")
    return SecretRef(scheme, path, field or None)


_SHAPES = {
    "file": "file://path",
    "vault": "vault://mount/path#field",
    "aws-sm": "aws-sm://name#field",
    "aws-ssm": "aws-ssm://name",
    "azure-kv": "azure-kv://vault/secret",
    "gcp-sm": "gcp-sm://project/secret",
    "doppler": "doppler://project/config/NAME",
    "op": "op://vault/item/field",
}

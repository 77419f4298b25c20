"""Kubernetes and Helm: ExternalSecret and SecretProviderClass (docs/iac.md#what-is-read).

Manifests and Helm templates are read as text, document by document (``---``): a Helm
template is not YAML until rendered, and it is never rendered. A ``remoteRef.key`` (or
``dataFrom.extract.key``) that is a literal, or exactly ``{{ .Values.a.b }}`` resolved from
``values.yaml`` and ``values-<env>.yaml``, is read; any other template expression is
inconclusive. The store comes from the ``SecretStore``/``ClusterSecretStore`` of that name
found in the repository; without it, the read's store is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from byok_ci.manifest.iac.expr import UNRESOLVED, Unresolved, reason
from byok_ci.manifest.iac.model import Read
from byok_ci.manifest.refs import SecretRef

_DOC = re.compile(r"^---.*$", re.M)
_KIND = re.compile(r"^kind:\s*['\"]?(\w+)", re.M)
_NAME = re.compile(r"^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*['\"]?([^'\"\s#]+)", re.M)
_KEY = re.compile(r"^(?P<indent>[ \t-]*)key:\s*(?P<value>.+?)\s*(?:#.*)?$")
_VALUES = re.compile(r"\{\{-?\s*\.Values\.([A-Za-z0-9_.]+)\s*-?\}\}")
_STORE_REF = re.compile(r"secretStoreRef:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*['\"]?([^'\"\s#]+)")
_PROVIDER = re.compile(r"^[ \t]+(aws|vault|azurekv|gcpsm):\s*$", re.M)
SECRET_KINDS = {"ExternalSecret", "SecretStore", "ClusterSecretStore", "SecretProviderClass"}


@dataclass(frozen=True)
class Store:
    """Where an ExternalSecret's ``secretStoreRef`` points: a scheme and a location prefix."""

    scheme: str
    prefix: str = ""


def documents(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each ``---``-separated document."""
    out, line, last = [], 1, 0
    for match in _DOC.finditer(text):
        out.append((line, text[last:match.start()]))
        line = text.count("\n", 0, match.end()) + 2
        last = match.end() + 1
    out.append((line, text[last:]))
    return [(start, doc) for start, doc in out if doc.strip()]


def kinds(text: str) -> set[str]:
    return {m.group(1) for m in _KIND.finditer(text)}


def stores(text: str) -> dict[str, Store]:
    """SecretStores and ClusterSecretStores of one file, by name."""
    found = {}
    for _, doc in documents(text):
        kind = _KIND.search(doc)
        name = _NAME.search(doc)
        provider = _PROVIDER.search(doc)
        if not (kind and kind.group(1) in ("SecretStore", "ClusterSecretStore") and name and provider):
            continue
        kind_of = provider.group(1)
        if kind_of == "aws":
            scheme = "aws-ssm" if re.search(r"service:\s*ParameterStore", doc) else "aws-sm"
            found[name.group(1)] = Store(scheme)
        elif kind_of == "vault":
            path = re.search(r"^[ \t]+path:\s*['\"]?([^'\"\s#]+)", doc, re.M)
            found[name.group(1)] = Store("vault", path.group(1).strip("/") if path else "")
        elif kind_of == "azurekv":
            url = re.search(r"vaultUrl:\s*['\"]?https://([A-Za-z0-9-]+)\.vault", doc)
            found[name.group(1)] = Store("azure-kv", url.group(1) if url else "")
        else:
            project = re.search(r"projectID:\s*['\"]?([^'\"\s#]+)", doc)
            found[name.group(1)] = Store("gcp-sm", project.group(1) if project else "")
    return found


def _lookup(values: dict[str, Any], dotted: str) -> Any:
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise Unresolved(f".Values.{dotted} is not set in the values files")
        node = node[part]
    return node


def resolve(value: str, values: dict[str, Any] | None) -> str:
    value = value.strip().strip("'\"")
    match = _VALUES.fullmatch(value)
    if match and values is not None:
        found = _lookup(values, match.group(1))
        if not isinstance(found, (str, int)):
            raise Unresolved(f".Values.{match.group(1)} is not a string")
        return str(found)
    if "{{" in value:
        raise Unresolved("the key comes from a Helm template expression, which is not rendered")
    return value


def external_secret_keys(text: str) -> list[tuple[int, int, str, str, str]]:
    """(line, column, document kind, raw key value, store name) of each remote key of an ExternalSecret."""
    out = []
    for start, doc in documents(text):
        kind = _KIND.search(doc)
        if not kind or kind.group(1) != "ExternalSecret":
            continue
        store = _STORE_REF.search(doc)
        lines = doc.split("\n")
        for index, line in enumerate(lines):
            match = _KEY.match(line)
            if not match:
                continue
            context = "\n".join(lines[max(0, index - 3):index])
            if "remoteRef:" not in context and "extract:" not in context and "find:" not in context:
                continue
            out.append((start + index, len(match.group("indent")) + 1, kind.group(1), match.group("value"),
                        store.group(1) if store else ""))
    return out


def read_external_secrets(path: str, text: str, contexts: list[tuple[str, dict[str, Any] | None]],
                          known_stores: dict[str, Store]) -> list[Read]:
    reads = []
    for line, column, _, raw, store_name in external_secret_keys(text):
        construct = "ExternalSecret remoteRef.key"
        store = known_stores.get(store_name)
        for env, values in contexts:
            try:
                key = resolve(raw, values)
            except UNRESOLVED as exc:
                literal = raw.split("{{", 1)[0].strip("'\" ")
                reads.append(Read(path, line, column, "kubernetes", construct, env, None, literal, unresolved=reason(exc)))
                continue
            if store is None:
                reads.append(Read(path, line, column, "kubernetes", construct, env, None, key,
                                  store_unknown=f"SecretStore '{store_name or '?'}' is not in the repository: "
                                                f"which store '{key}' is read from is not known"))
                continue
            location = f"{store.prefix}/{key}".strip("/") if store.prefix else key
            reads.append(Read(path, line, column, "kubernetes", construct, env, SecretRef(store.scheme, location), location))
    return reads


_SPC_PROVIDER = re.compile(r"^[ \t]+provider:\s*['\"]?(aws|azure|gcp|vault)\b", re.M)
_SPC_FIELD = re.compile(r"^(?P<indent>[ \t-]*)(?P<field>objectName|objectType|resourceName|secretPath|keyvaultName):"
                        r"\s*(?P<value>.+?)\s*$")


def read_provider_classes(path: str, text: str, contexts: list[tuple[str, dict[str, Any] | None]]) -> list[Read]:
    """Secrets a ``SecretProviderClass`` (Secrets Store CSI driver) mounts: AWS, Azure, GCP, Vault."""
    reads: list[Read] = []
    for start, doc in documents(text):
        kind = _KIND.search(doc)
        provider = _SPC_PROVIDER.search(doc)
        if not kind or kind.group(1) != "SecretProviderClass" or not provider:
            continue
        fields = [(start + i, m) for i, line in enumerate(doc.split("\n")) if (m := _SPC_FIELD.match(line))]
        vault_name = next((m.group("value") for _, m in fields if m.group("field") == "keyvaultName"), "")
        for index, (line, match) in enumerate(fields):
            name = match.group("field")
            if name not in ("objectName", "resourceName", "secretPath"):
                continue
            if provider.group(1) == "vault" and name == "objectName":
                continue  # Vault's objectName is the file name; secretPath is the location
            kind_of = next((m.group("value").strip("'\"") for _, m in fields[index + 1:index + 3]
                            if m.group("field") == "objectType"), "")
            column = len(match.group("indent")) + 1
            for env, values in contexts:
                try:
                    value = resolve(match.group("value"), values)
                    vault = resolve(vault_name, values) if vault_name else ""
                except UNRESOLVED as exc:
                    reads.append(Read(path, line, column, "kubernetes", f"SecretProviderClass {name}", env, None,
                                      match.group("value").split("{{", 1)[0].strip("'\" "), unresolved=reason(exc)))
                    continue
                ref = _csi_ref(provider.group(1), value, kind_of, vault)
                reads.append(Read(path, line, column, "kubernetes", f"SecretProviderClass {name}", env, ref,
                                  ref.path if ref else value,
                                  store_unknown="" if ref else f"the {provider.group(1)} provider's store is not known"))
    return reads


def _csi_ref(provider: str, value: str, object_type: str, vault: str) -> SecretRef | None:
    if provider == "aws":
        scheme = "aws-ssm" if object_type.lower() in ("ssmparameter", "ssm") else "aws-sm"
        return SecretRef(scheme, value.split(":secret:", 1)[-1].lstrip("/"))
    if provider == "azure":
        return SecretRef("azure-kv", f"{vault}/{value}") if vault else None
    if provider == "gcp":
        parts = value.split("/")
        return SecretRef("gcp-sm", f"{parts[1]}/{parts[3]}") if len(parts) >= 4 and parts[0] == "projects" else None
    return SecretRef("vault", re.sub(r"^([^/]+)/data/", r"\1/", value.strip("/")))

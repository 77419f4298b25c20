"""Find the repository's IaC files by content and read them (docs/iac.md#what-is-read)."""

from __future__ import annotations

import fnmatch
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

from byok_ci.errors import ManifestError
from byok_ci.manifest.iac import cloudformation, kubernetes, pulumi, terraform
from byok_ci.manifest.iac.cfn_yaml import load_cfn
from byok_ci.manifest.iac.envs import env_of_name, env_of_path
from byok_ci.manifest.iac.model import IacReading, Problem, Read, Slot, Template
from byok_ci.manifest.iac.settings import IacSettings
from byok_ci.manifest.located import YMap, load_located
from byok_ci.manifest.policy import Policy

MAX_BYTES = 1024 * 1024
_SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox"}
_SUFFIXES = (".tf", ".tfvars", ".yaml", ".yml", ".json", ".template")


def iac_files(root: Path, settings: IacSettings) -> list[tuple[Path, str]]:
    """(path, path shown relative to root) of every candidate file, in order."""
    starts = [root / p for p in settings.paths if (root / p).exists()] if settings.paths else [root]
    found: dict[str, Path] = {}
    for start in starts:
        if start.is_file():
            found[start.relative_to(root).as_posix()] = start
            continue
        for directory, dirs, files in os.walk(start):
            # A chart's charts/ holds its packaged dependencies, not this repository's code.
            vendored = {"charts"} if "Chart.yaml" in files else set()
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS | vendored)
            for name in files:
                path = Path(directory) / name
                # A link could point outside the repository: only its own files are read.
                if name.endswith(_SUFFIXES) and not path.is_symlink():
                    found[path.relative_to(root).as_posix()] = path
    return [(path, shown) for shown, path in sorted(found.items())
            if not any(fnmatch.fnmatchcase(shown, p) or shown.startswith(p.rstrip("/") + "/") for p in settings.exclude)]


def _chart_of(shown: str, charts: set[str]) -> str | None:
    for parent in PurePosixPath(shown).parents:
        if parent.as_posix() in charts:
            return parent.as_posix()
    return None


def _values_env(name: str, policy: Policy) -> str | None:
    """The environment of ``values-<env>.yaml`` / ``values.<env>.yaml``; None for another file."""
    stem = name.rsplit(".", 1)[0]
    for sep in ("-", "."):
        if stem.startswith("values" + sep):
            return env_of_name(stem[len("values") + 1:], policy)
    return None


def read_iac(root: Path, policy: Policy, settings: IacSettings, shown_prefix: str = "") -> IacReading:
    """Read every IaC file under ``root``. Paths are shown as ``shown_prefix + relative path``."""
    if settings.off:
        return IacReading()
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for path, rel in iac_files(root, settings):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(shown_prefix + rel, None, None, f"cannot read: {exc.strerror or exc}"))
            continue
        if len(raw) <= MAX_BYTES:
            texts[rel] = raw.decode("utf-8", errors="replace")
        elif rel.endswith((".tf", ".tfvars")):
            problems.append(Problem(shown_prefix + rel, None, None,
                                    f"file is larger than {MAX_BYTES // 1024} KB; its secrets are not checked"))
    shown = {rel: shown_prefix + rel for rel in texts}
    reads: list[Read] = []
    slots: list[Slot] = []
    templates: list[Template] = []
    missing = ""

    # Terraform / OpenTofu
    hcl = [(shown[rel], text) for rel, text in texts.items() if rel.endswith((".tf", ".tfvars"))]
    if hcl and not terraform.hcl_available():
        missing = terraform.INSTALL
        templates.extend(Template(p, "terraform", inconclusive=terraform.INSTALL) for p, _ in hcl)
    elif hcl:
        more = terraform.read_terraform(hcl, policy, settings)
        reads += more[0]
        slots += more[1]
        templates += more[2]
        problems += more[3]

    # YAML and JSON: classified by content.
    parsed: dict[str, Any] = {}
    cfn: dict[str, YMap] = {}
    parameter_files: list[tuple[str, dict[str, str]]] = []
    k8s: dict[str, set[str]] = {}
    charts = {PurePosixPath(rel).parent.as_posix() for rel in texts if PurePosixPath(rel).name == "Chart.yaml"}
    for rel, text in texts.items():
        if rel.endswith((".tf", ".tfvars")):
            continue
        found_kinds = kubernetes.kinds(text) & kubernetes.SECRET_KINDS if "kind:" in text else set()
        if found_kinds:
            k8s[rel] = found_kinds
            continue
        if _chart_of(rel, charts) and "/templates/" in "/" + rel:
            continue  # a Helm template without secret kinds
        looks_cfn = "AWSTemplateFormatVersion" in text or "AWS::" in text
        looks_params = "ParameterKey" in text or '"Parameters"' in text or "Parameters:" in text
        if not (looks_cfn or looks_params or PurePosixPath(rel).name.startswith("Pulumi.")):
            continue
        try:
            data = load_cfn(text, shown[rel]) if looks_cfn else (
                json.loads(text) if rel.endswith(".json") else load_located(text, shown[rel]))
        except ManifestError as exc:
            problems.append(Problem(exc.path, exc.line, exc.column, exc.reason))
            continue
        except ValueError as exc:
            problems.append(Problem(shown[rel], getattr(exc, "lineno", None), None, "malformed JSON"))
            continue
        parsed[rel] = data
        if looks_cfn and cloudformation.is_template(data):
            cfn[rel] = data
        elif cloudformation.parameter_file(data) is not None:
            parameter_files.append((rel, cloudformation.parameter_file(data) or {}))

    for rel, template in cfn.items():
        directory = PurePosixPath(rel).parent.as_posix()
        nearby = [(p, v) for p, v in parameter_files
                  if directory in (".", "") or p.startswith(directory + "/")]
        more_reads, used = cloudformation.read_cloudformation(shown[rel], template, nearby, policy, settings)
        reads += more_reads
        templates.append(used)

    # Pulumi: stacks by project directory, then the project's program.
    stacks: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for rel, data in parsed.items():
        if pulumi.stack_name(PurePosixPath(rel).name) is not None and isinstance(data, YMap):
            stack, env, plain, more_slots = pulumi.read_stack(shown[rel], data, texts[rel], policy, settings)
            stacks.setdefault(PurePosixPath(rel).parent.as_posix(), []).append((stack, env, plain))
            slots += more_slots
            templates.append(Template(shown[rel], "pulumi", (env,) if env else ()))
    for rel, data in parsed.items():
        if PurePosixPath(rel).name in ("Pulumi.yaml", "Pulumi.yml") and isinstance(data, YMap):
            more_reads, used = pulumi.read_program(shown[rel], data, stacks.get(PurePosixPath(rel).parent.as_posix(), []))
            reads += more_reads
            templates.append(used)

    # Kubernetes and Helm.
    known_stores: dict[str, kubernetes.Store] = {}
    for rel in k8s:
        known_stores.update(kubernetes.stores(texts[rel]))
    for rel, found_kinds in k8s.items():
        if not found_kinds & {"ExternalSecret", "SecretProviderClass"}:
            continue
        contexts = _k8s_contexts(rel, texts, charts, policy, settings)
        reads += kubernetes.read_external_secrets(shown[rel], texts[rel], contexts, known_stores)
        reads += kubernetes.read_provider_classes(shown[rel], texts[rel], contexts)
        templates.append(Template(shown[rel], "kubernetes", tuple(e for e, _ in contexts if e)))
    # The inline-key check reads the IaC files only, not every YAML file of the repository.
    iac = {rel for rel in texts if rel.endswith((".tf", ".tfvars"))} | set(cfn) | set(k8s)
    iac |= {p for p, _ in parameter_files} | {rel for rel in parsed if PurePosixPath(rel).name.startswith("Pulumi.")}
    iac |= {rel for rel in texts if _chart_of(rel, charts)}
    return IacReading(tuple(reads), tuple(slots), tuple(templates), tuple(problems), missing,
                      {shown[rel]: texts[rel] for rel in sorted(iac)})


def _k8s_contexts(rel: str, texts: dict[str, str], charts: set[str], policy: Policy,
                  settings: IacSettings) -> list[tuple[str, dict[str, Any] | None]]:
    fixed = env_of_path(rel, policy, settings.environments)
    chart = _chart_of(rel, charts)
    if chart is None:
        namespace = kubernetes.re.search(r"^[ \t]+namespace:\s*['\"]?([A-Za-z0-9-]+)", texts[rel], kubernetes.re.M)
        return [(fixed or (env_of_name(namespace.group(1), policy) if namespace else ""), None)]
    base: dict[str, Any] = {}
    per_env: list[tuple[str, dict[str, Any]]] = []
    for other, text in texts.items():
        if PurePosixPath(other).parent.as_posix() != chart:
            continue
        name = PurePosixPath(other).name
        env = _values_env(name, policy) if name.endswith((".yaml", ".yml")) else None
        if name not in ("values.yaml", "values.yml") and not env:
            continue
        try:
            data = load_located(text, other)
        except ManifestError:
            continue
        if not isinstance(data, dict):
            continue
        if env:
            per_env.append((env, data))
        else:
            base = data
    if fixed:
        return [(fixed, _merge(base, dict(per_env).get(fixed, {})))]
    if per_env:
        return [(env, _merge(base, values)) for env, values in per_env]
    return [("", base)]


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = _merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out

"""CloudFormation/SAM: dynamic references and secret resources, per environment (docs/iac.md#what-is-read).

A template's environments come from an ``iac.environments`` override or its path, then its parameter files (``[{ParameterKey, ParameterValue}]``
or ``{"Parameters": {…}}`` next to it or below it, named after an environment or setting an
``Environment`` parameter), else from the ``AllowedValues`` (or ``Default``) of an
``Environment``/``Env``/``Stage`` parameter, else from the ``Environment`` tags of its
resources (when they all name one environment). ``Ref``, ``Fn::Sub``,
``Fn::Join``, ``Fn::If`` (over ``Fn::Equals`` conditions), ``Fn::FindInMap`` and
``Fn::Select`` resolve from parameters and mappings; anything else is unresolved.
"""

from __future__ import annotations

import re
from typing import Any

from byok_ci.manifest.iac.cfn_yaml import mapping_at
from byok_ci.manifest.iac.envs import env_of_name, env_of_path
from byok_ci.manifest.iac.expr import UNRESOLVED, Unresolved, reason, prefix, substitute
from byok_ci.manifest.iac.model import Read, Template
from byok_ci.manifest.iac.settings import IacSettings
from byok_ci.manifest.located import YList, YMap
from byok_ci.manifest.policy import Policy
from byok_ci.manifest.refs import SecretRef

ENV_PARAMETERS = ("Environment", "Env", "Stage", "EnvironmentName", "EnvName")
_DYNAMIC = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure|ssm):([^}]*)\}\}")
_CREATES = {"AWS::SecretsManager::Secret": ("aws-sm", "Name"), "AWS::SSM::Parameter": ("aws-ssm", "Name")}


def is_template(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data or str(data.get("Transform", "")).startswith("AWS::Serverless"):
        return True
    resources = data.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith(("AWS::", "Custom::")) for r in resources.values())


def parameter_file(data: Any) -> dict[str, str] | None:
    """The parameters of a parameter file in either shape, or None if ``data`` is not one."""
    if isinstance(data, list) and data and all(isinstance(p, dict) and "ParameterKey" in p for p in data):
        return {str(p["ParameterKey"]): str(p.get("ParameterValue", "")) for p in data}
    if isinstance(data, dict) and set(data) <= {"Parameters", "Tags", "StackPolicy"} and isinstance(data.get("Parameters"), dict):
        return {str(k): str(v) for k, v in data["Parameters"].items()}
    return None


class _Scope:
    def __init__(self, template: YMap, parameters: dict[str, str]) -> None:
        self.template, self.parameters = template, parameters

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        declared = self.template.get("Parameters") or {}
        if isinstance(declared.get(name), dict) and "Default" in declared[name]:
            return str(declared[name]["Default"])
        if name.startswith("AWS::"):
            raise Unresolved(f"pseudo parameter {name} is known only when deployed")
        resource = mapping_at(self.template, "Resources").get(name)
        if isinstance(resource, dict):
            # Ref of a secret or parameter this template creates stands for it (an ARN or a
            # name); its Name is what a dynamic reference then reads.
            properties = mapping_at(resource, "Properties")
            if resource.get("Type") in _CREATES and "Name" in properties:
                return self.value(properties["Name"])
            raise Unresolved(f"Ref to resource {name} is known only when deployed")
        raise Unresolved(f"parameter {name} has no value for this environment")

    def value(self, node: Any) -> str:
        if isinstance(node, (str, int, float)) and not isinstance(node, bool):
            return str(node)
        if isinstance(node, dict) and len(node) == 1:
            (name, arg), = node.items()
            return self.function(str(name), arg)
        raise Unresolved("a value that is not a string")

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise Unresolved(f"condition {name} is not defined")
        return self.truth(conditions[name])

    def truth(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            (name, arg), = node.items()
            if name == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
                return self.value(arg[0]) == self.value(arg[1])
            if name == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
                return not self.truth(arg[0])
            if name in ("Fn::And", "Fn::Or") and isinstance(arg, list):
                results = [self.truth(a) for a in arg]
                return all(results) if name == "Fn::And" else any(results)
            if name == "Condition":
                return self.condition(str(arg))
        raise Unresolved("a condition that is not resolved statically")

    def function(self, name: str, arg: Any) -> str:
        if name == "Ref":
            return self.ref(str(arg))
        if name == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (None, None)
            if not isinstance(text, str) or not isinstance(variables, dict):
                raise Unresolved("Fn::Sub takes a string or [string, {variables}]")

            def one(inner: str) -> str:
                if inner.startswith("!"):
                    return "${" + inner[1:] + "}"
                if inner in variables:
                    return self.value(variables[inner])
                if "." in inner:
                    raise Unresolved(f"${{{inner}}} (an attribute) is known only when deployed")
                return self.ref(inner)
            return substitute(text, one)
        if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(self.value(item) for item in arg[1])
        if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
            return self.value(arg[1] if self.condition(str(arg[0])) else arg[2])
        if name == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
            table = (self.template.get("Mappings") or {}).get(self.value(arg[0]))
            first = table.get(self.value(arg[1])) if isinstance(table, dict) else None
            found = first.get(self.value(arg[2])) if isinstance(first, dict) else None
            if found is None:
                raise Unresolved("Fn::FindInMap has no such entry")
            return self.value(found)
        if name == "Fn::Select" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            index = int(self.value(arg[0]))
            return self.value(arg[1][index])
        raise Unresolved(f"{name} is not resolved statically")


def _contexts(path: str, template: YMap, parameter_files: list[tuple[str, dict[str, str]]], policy: Policy,
              settings: IacSettings) -> list[tuple[str, dict[str, str]]]:
    fixed = env_of_path(path, policy, settings.environments)
    declared = mapping_at(template, "Parameters")
    env_parameter = next((p for p in ENV_PARAMETERS if p in declared), None)
    contexts: list[tuple[str, dict[str, str]]] = []
    for file_path, values in parameter_files:
        if not set(values) <= set(declared):
            continue
        stem = file_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        env = env_of_name(values.get(env_parameter or "", ""), policy) or env_of_name(stem, policy)
        if env and (not fixed or env == fixed):
            contexts.append((env, values))
    if contexts:
        return contexts
    if env_parameter:
        spec = declared[env_parameter] if isinstance(declared[env_parameter], dict) else {}
        allowed: list[Any] = spec["AllowedValues"] if isinstance(spec.get("AllowedValues"), list) else [spec.get("Default")]
        for value in allowed:
            env = env_of_name(str(value), policy) if value is not None else ""
            if env and (not fixed or env == fixed):
                contexts.append((env, {env_parameter: str(value)}))
    return contexts or [(fixed or _tagged_env(template, policy), {})]


def _tagged_env(template: YMap, policy: Policy) -> str:
    """The one environment the resources' ``Environment`` tags name (list or SAM mapping form), or ""."""
    found = set()
    resources = mapping_at(template, "Resources")
    for logical in resources:
        tags = mapping_at(resources[logical], "Properties").get("Tags")
        pairs = [(t.get("Key"), t.get("Value")) for t in tags if isinstance(t, dict)] if isinstance(tags, list) else \
            list(tags.items()) if isinstance(tags, dict) else []
        for key, value in pairs:
            if key in ENV_PARAMETERS and isinstance(value, str):
                found.add(env_of_name(value, policy))
    return found.pop() if len(found) == 1 else ""


def _strings(node: Any, at: tuple[int, int]) -> list[tuple[Any, tuple[int, int]]]:
    """Every value under ``node`` that may hold a dynamic reference (strings and Fn::Sub), with positions."""
    out: list[tuple[Any, tuple[int, int]]] = []
    stack = [(node, at)]
    while stack:
        value, pos = stack.pop()
        if isinstance(value, str):
            if "{{resolve:" in value:
                out.append((value, pos))
        elif isinstance(value, dict):
            if set(value) == {"Fn::Sub"} and "{{resolve:" in str(value["Fn::Sub"]):
                out.append((value, pos))
                continue
            for key, inner in value.items():
                stack.append((inner, value.value_at(key) if isinstance(value, YMap) else pos))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                stack.append((inner, value.at(index) if isinstance(value, YList) else pos))
    return sorted(out, key=lambda item: item[1])


def _dynamic(text: str) -> list[SecretRef]:
    refs = []
    for service, rest in _DYNAMIC.findall(text):
        name = rest.split(":", 1)[0] if not rest.startswith("arn:") else re.sub(
            r"-[A-Za-z0-9]{6}$", "", rest.split(":secret:", 1)[-1].split(":", 1)[0])
        refs.append(SecretRef("aws-sm" if service == "secretsmanager" else "aws-ssm", name.lstrip("/")))
    return refs


def read_cloudformation(path: str, template: YMap, parameter_files: list[tuple[str, dict[str, str]]],
                        policy: Policy, settings: IacSettings) -> tuple[list[Read], Template]:
    contexts = _contexts(path, template, parameter_files, policy, settings)
    resources = mapping_at(template, "Resources")
    reads: list[Read] = []
    for env, parameters in contexts:
        scope = _Scope(template, parameters)
        for logical in resources:
            resource = resources[logical]
            if not isinstance(resource, YMap):
                continue
            kind = str(resource.get("Type", ""))
            construct = f"{logical} ({kind})"
            properties = resource.get("Properties")
            if kind in _CREATES and isinstance(properties, YMap) and _CREATES[kind][1] in properties:
                scheme, field_name = _CREATES[kind]
                line, column = properties.value_at(field_name)
                try:
                    name = scope.value(properties[field_name]).lstrip("/")
                    reads.append(Read(path, line, column, "cloudformation", construct, env, SecretRef(scheme, name),
                                      name, creates=True))
                except UNRESOLVED as exc:
                    reads.append(Read(path, line, column, "cloudformation", construct, env, None,
                                      _literal(properties[field_name]), unresolved=reason(exc), creates=True))
            for value, (line, column) in _strings(resource, resources.value_at(logical)):
                try:
                    text = scope.value(value)
                except UNRESOLVED as exc:
                    reads.append(Read(path, line, column, "cloudformation", f"{construct}: dynamic reference", env, None,
                                      _literal(value), unresolved=reason(exc)))
                    continue
                for ref in _dynamic(text):
                    reads.append(Read(path, line, column, "cloudformation", f"{construct}: dynamic reference", env, ref,
                                      ref.path))
    return reads, Template(path, "cloudformation", tuple(e for e, _ in contexts if e))


def _literal(node: Any) -> str:
    if isinstance(node, str):
        return prefix(node)
    if isinstance(node, dict) and "Fn::Sub" in node:
        text = node["Fn::Sub"][0] if isinstance(node["Fn::Sub"], list) else node["Fn::Sub"]
        return prefix(str(text))
    return ""

"""Pulumi: stack config per stack and YAML programs (docs/iac.md#what-is-read).

``Pulumi.<stack>.yaml`` is stack ``<stack>``, whose name gives the environment. A
``secure:`` config value is ciphertext and fine; a plain value is judged by the key scan
(``manifest.iac-inline``). A YAML program's secret resources and invokes resolve with
``${pulumi.stack}`` and the stack's config; programs in other languages are inconclusive.
"""

from __future__ import annotations

from typing import Any

from byok_ci.manifest.iac.cfn_yaml import mapping_at
from byok_ci.manifest.iac.envs import env_of_name, env_of_path
from byok_ci.manifest.iac.expr import UNRESOLVED, Unresolved, reason, prefix, substitute
from byok_ci.manifest.iac.model import Read, Slot, Template
from byok_ci.manifest.iac.settings import IacSettings
from byok_ci.manifest.located import YMap
from byok_ci.manifest.policy import Policy
from byok_ci.manifest.refs import SecretRef

# resource type or invoke function -> (scheme, the property naming the location)
_SECRETS = {
    "aws:secretsmanager:Secret": ("aws-sm", "name"),
    "aws:secretsmanager:getSecretVersion": ("aws-sm", "secretId"),
    "aws:secretsmanager:getSecret": ("aws-sm", "name"),
    "aws:ssm:Parameter": ("aws-ssm", "name"),
    "aws:ssm:getParameter": ("aws-ssm", "name"),
    "gcp:secretmanager:Secret": ("gcp-sm", "secretId"),
    "gcp:secretmanager:getSecretVersion": ("gcp-sm", "secret"),
}


def stack_name(filename: str) -> str | None:
    """``prod`` for ``Pulumi.prod.yaml``; None for the project file or another file."""
    parts = filename.split(".")
    if len(parts) == 3 and parts[0] == "Pulumi" and parts[2] in ("yaml", "yml"):
        return parts[1]
    return None


def read_stack(path: str, data: Any, text: str, policy: Policy, settings: IacSettings
               ) -> tuple[str, str, dict[str, Any], list[Slot]]:
    """(stack, environment, plain config by short key, slots) of one stack file."""
    stack = stack_name(path.rsplit("/", 1)[-1]) or ""
    env = env_of_path(path, policy, settings.environments) or env_of_name(stack, policy)
    config = data.get("config") if isinstance(data, YMap) else None
    plain: dict[str, Any] = {}
    slots: list[Slot] = []
    if isinstance(config, YMap):
        for key in config:
            value = config[key]
            line = config.key_at(key)[0]
            if isinstance(value, dict) and "secure" in value:
                continue
            plain[str(key).split(":", 1)[-1]] = value
            slots.append(Slot(path, line, line, f"plain config value '{key}' of stack {stack}",
                              f"set it with `pulumi config set --secret {key}` (stored as secure: ciphertext)"))
    return stack, env, plain, slots


def _value(node: Any, stack: str, config: dict[str, Any], variables: YMap) -> str:
    if not isinstance(node, str):
        raise Unresolved("a value that is not a string")

    def one(inner: str) -> str:
        if inner == "pulumi.stack":
            return stack
        if inner in config and isinstance(config[inner], (str, int)):
            return str(config[inner])
        if inner in variables and isinstance(variables[inner], str):
            return _value(variables[inner], stack, config, variables)
        raise Unresolved(f"${{{inner}}} is not resolved statically")
    return substitute(node, one)


def read_program(path: str, data: YMap, stacks: list[tuple[str, str, dict[str, Any]]]) -> tuple[list[Read], Template]:
    runtime = data.get("runtime")
    name = runtime.get("name") if isinstance(runtime, dict) else runtime
    envs = tuple(env for _, env, _ in stacks if env)
    if name != "yaml":
        return [], Template(path, "pulumi", envs, inconclusive=f"a Pulumi program in {name or 'an unknown runtime'} is "
                                                               "not read (only YAML programs are)")
    variables = mapping_at(data, "variables")
    program_config: dict[str, Any] = {}
    if isinstance(data.get("config"), dict):
        for key, spec in data["config"].items():
            if isinstance(spec, dict) and "default" in spec:
                program_config[str(key)] = spec["default"]
            elif isinstance(spec, dict) and "value" in spec:
                program_config[str(key)] = spec["value"]
    found: list[tuple[str, str, Any, tuple[int, int], bool]] = []  # construct, kind, value, pos, creates
    resources = mapping_at(data, "resources")
    for logical in resources:
        resource = resources[logical]
        if isinstance(resource, YMap) and resource.get("type") in _SECRETS:
            kind = str(resource["type"])
            properties = mapping_at(resource, "properties")
            field_name = _SECRETS[kind][1]
            found.append((f"{logical} ({kind})", kind, properties.get(field_name, logical),
                          properties.value_at(field_name) if field_name in properties else resources.key_at(logical), True))
    for variable in variables:
        invoke = variables[variable].get("fn::invoke") if isinstance(variables[variable], YMap) else None
        if isinstance(invoke, YMap) and invoke.get("function") in _SECRETS:
            kind = str(invoke["function"])
            arguments = mapping_at(invoke, "arguments")
            field_name = _SECRETS[kind][1]
            found.append((f"{variable} ({kind})", kind, arguments.get(field_name),
                          arguments.value_at(field_name) if field_name in arguments else variables.key_at(variable), False))
    reads: list[Read] = []
    for stack, env, config in stacks or [("", "", {})]:
        merged = {**program_config, **config}
        for construct, kind, value, (line, column), creates in found:
            scheme = _SECRETS[kind][0]
            try:
                text = _value(value, stack, merged, variables).lstrip("/")
            except UNRESOLVED as exc:
                why = reason(exc) if stack else "no Pulumi.<stack>.yaml: the stack is not known"
                reads.append(Read(path, line, column, "pulumi", construct, env, None,
                                  prefix(value) if isinstance(value, str) else "", unresolved=why, creates=creates))
                continue
            if scheme == "gcp-sm" and text.startswith("projects/"):
                parts = text.split("/")
                text = f"{parts[1]}/{parts[3]}" if len(parts) >= 4 else text
            reads.append(Read(path, line, column, "pulumi", construct, env, SecretRef(scheme, text), text, creates=creates))
    return reads, Template(path, "pulumi", envs)

"""Terraform/OpenTofu: secret data sources and resources, per environment (docs/iac.md#what-is-read).

A directory of ``*.tf`` files is one module. Its environments come from, in order: an
``iac.environments`` override or an ``envs/<env>/``-style directory; ``<env>.tfvars`` (also
``<env>.auto.tfvars``, ``terraform.<env>.tfvars``) files in it or its ``vars``/``tfvars``
subdirectory, whose values it is evaluated with; ``iac.workspaces``. ``terraform.workspace``
is the environment being evaluated. HCL is parsed with python-hcl2; lines are found by
locating each block's header in the text (python-hcl2 keeps no line numbers).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from byok_ci.manifest.iac.envs import env_of_name, env_of_path
from byok_ci.manifest.iac.expr import UNRESOLVED, Unresolved, reason, call_args, interpolations, prefix, substitute
from byok_ci.manifest.iac.model import Problem, Read, Slot, Template
from byok_ci.manifest.iac.settings import IacSettings
from byok_ci.manifest.policy import Policy
from byok_ci.manifest.refs import SecretRef

INSTALL = "install byok-ci[iac] (python-hcl2) to read Terraform files"

# block type -> (scheme, attributes naming the location, in order; "creates" for resources)
_STORES: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws_secretsmanager_secret": ("aws-sm", ("name", "arn", "name_prefix")),
    "aws_secretsmanager_secret_version": ("aws-sm", ("secret_id",)),
    "aws_ssm_parameter": ("aws-ssm", ("name",)),
    "vault_kv_secret_v2": ("vault", ("mount", "name")),
    "vault_kv_secret": ("vault", ("path",)),
    "vault_generic_secret": ("vault", ("path",)),
    "azurerm_key_vault_secret": ("azure-kv", ("key_vault_id", "name")),
    "google_secret_manager_secret": ("gcp-sm", ("project", "secret_id")),
    "google_secret_manager_secret_version": ("gcp-sm", ("secret",)),
    "doppler_secret": ("doppler", ("project", "config", "name")),
    "doppler_secrets": ("doppler", ("project", "config")),
    "onepassword_item": ("op", ("vault", "title")),
}
# A reference to another block's attribute that stands for that block's location.
_REF = re.compile(r"(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(id|arn|name|secret_id|uuid)")
_VAR = re.compile(r"(var|local)\.([A-Za-z0-9_-]+)(?:\[(.+)\])?")
_TFVARS = re.compile(r"(?:terraform\.)?(?P<env>[A-Za-z0-9_-]+?)(?:\.auto)?\.tfvars")


def _unquote(name: str) -> str:
    return name[1:-1] if len(name) >= 2 and name[0] == name[-1] == '"' else name


def _blocks(data: dict[str, Any], kind: str) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """``[(labels, body)]`` of every ``kind`` block (variable, data, resource, locals)."""
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for item in data.get(kind, []) or []:
        def walk(node: Any, labels: tuple[str, ...]) -> None:
            if isinstance(node, dict) and node.get("__is_block__"):
                out.append((labels, node))
            elif isinstance(node, dict):
                for label, inner in node.items():
                    walk(inner, labels + (_unquote(label),))
        walk(item, ())
    return out


@dataclass
class _Block:
    kind: str  # data | resource
    type: str
    name: str
    body: dict[str, Any]
    path: str
    line: int
    column: int


@dataclass
class _Module:
    directory: str
    files: list[str] = field(default_factory=list)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    variable_at: dict[str, tuple[str, int]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    blocks: dict[tuple[str, str], _Block] = field(default_factory=dict)
    tfvars: dict[str, dict[str, Any]] = field(default_factory=dict)  # env -> values
    common_vars: dict[str, Any] = field(default_factory=dict)  # terraform.tfvars
    workspace_of: dict[str, str] = field(default_factory=dict)  # env -> workspace name (the tfvars stem)
    uses_workspace: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (child directory, arguments)


def _line_of(text: str, pattern: str) -> tuple[int, int]:
    match = re.search(pattern, text, re.M)
    if match is None:
        return 1, 1
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1


def _header(kind: str, labels: tuple[str, ...]) -> str:
    return r"^[ \t]*" + re.escape(kind) + "".join(r'\s+"?' + re.escape(label) + '"?' for label in labels) + r"\s*\{"


@dataclass(frozen=True)
class _Pending:
    """A module input the caller passes but that did not resolve in the caller."""

    reason: str


class _Scope:
    def __init__(self, module: _Module, env: str, workspace: str | None, inputs: dict[str, Any] | None = None) -> None:
        self.module, self.env, self.workspace = module, env, workspace
        self.values = inputs if inputs is not None else {**module.common_vars, **module.tfvars.get(env, {})}
        self.depth = 0

    def value(self, raw: Any) -> Any:
        """A python value for an HCL value: strings resolved, maps and lists as they are."""
        if isinstance(raw, str):
            if raw.startswith("${") and raw.endswith("}") and len(interpolations(raw)) == 1 and interpolations(raw)[0][1] == len(raw):
                return self.expression(raw[2:-1].strip())
            return substitute(_unquote(raw), lambda inner: str(self.expression(inner)))
        if isinstance(raw, dict):
            return {_unquote(k): v for k, v in raw.items() if k != "__is_block__"}
        return raw

    def expression(self, inner: str) -> Any:
        self.depth += 1
        try:
            if self.depth > 20:
                raise Unresolved("the expression refers to itself")
            return self._expression(inner)
        finally:
            self.depth -= 1

    def _expression(self, inner: str) -> Any:
        if inner.startswith('"') and inner.endswith('"'):
            return self.value(inner)
        if inner == "terraform.workspace":
            if self.workspace is None:
                raise Unresolved("uses terraform.workspace, and no workspace is known (name them with <env>.tfvars "
                                 "files or iac.workspaces)")
            return self.workspace
        args = call_args(inner, "lookup")
        if args is not None and len(args) in (2, 3):
            table = self.expression(args[0])
            key = str(self.expression(args[1]))
            if isinstance(table, dict) and key in table:
                return self.value(table[key])
            if len(args) == 3:
                return self.expression(args[2])
            raise Unresolved(f"lookup() has no entry '{key}'")
        match = _VAR.fullmatch(inner)
        if match:
            kind, name, index = match.groups()
            value = self._variable(name) if kind == "var" else self._local(name)
            if index is not None:
                key = str(self.expression(index.strip()))
                if not isinstance(value, dict) or key not in value:
                    raise Unresolved(f"{kind}.{name} has no entry '{key}'")
                return self.value(value[key])
            return value
        match = _REF.fullmatch(inner)
        if match:
            block = self.module.blocks.get((match.group(1), match.group(2)))
            if block is not None:
                return _location(block, self)[1]
        raise Unresolved(f"'${{{inner}}}' is not resolved statically")

    def _variable(self, name: str) -> Any:
        if isinstance(self.values.get(name), _Pending):
            raise Unresolved(self.values[name].reason)
        if name in self.values:
            return self.value(self.values[name])
        declared = self.module.variables.get(name)
        if declared is None or "default" not in declared:
            raise Unresolved(f"var.{name} has no value in the repository (no default, no tfvars for '{self.env or '?'}')")
        return self.value(declared["default"])

    def _local(self, name: str) -> Any:
        if name not in self.module.locals:
            raise Unresolved(f"local.{name} is not defined")
        return self.value(self.module.locals[name])


def _location(block: _Block, scope: _Scope) -> tuple[str, str]:
    """(scheme, location text) of a secret block; raises Unresolved."""
    scheme, attributes = _STORES[block.type]
    present = [a for a in attributes if a in block.body]

    def get(attribute: str) -> str:
        if attribute not in block.body:
            raise Unresolved(f"{block.type}.{block.name} has no '{attribute}'")
        value = scope.value(block.body[attribute])
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise Unresolved(f"{block.type}.{block.name}'s '{attribute}' is not a string")
        return str(value)

    if scheme == "aws-sm":
        text = get(present[0] if present else attributes[0])
        if text.startswith("arn:"):  # arn:aws:secretsmanager:region:account:secret:NAME-xxxxxx
            text = re.sub(r"-[A-Za-z0-9]{6}$", "", text.split(":secret:", 1)[-1])
        return scheme, text
    if scheme == "aws-ssm":
        return scheme, get("name").lstrip("/")
    if scheme == "vault":
        if block.type == "vault_kv_secret_v2":
            return scheme, f"{get('mount').strip('/')}/{get('name').strip('/')}"
        return scheme, re.sub(r"^([^/]+)/data/", r"\1/", get("path").strip("/"))
    if scheme == "azure-kv":
        vault = get("key_vault_id")
        name = str(scope.value(block.body.get("name", '""')))
        return scheme, f"{vault}/{name}"
    if scheme == "gcp-sm":
        if block.type == "google_secret_manager_secret_version":
            secret = get("secret")
            if secret.startswith("projects/"):
                parts = secret.split("/")
                return scheme, f"{parts[1]}/{parts[3]}" if len(parts) >= 4 else secret
            return scheme, f"{get('project')}/{secret}" if "project" in block.body else secret
        return scheme, f"{get('project')}/{get('secret_id')}"
    if scheme == "doppler":
        parts = [get("project"), get("config")] + ([get("name")] if block.type == "doppler_secret" else [])
        return scheme, "/".join(parts)
    return scheme, f"{get('vault')}/{get('title')}"


def _known_prefix(block: _Block, scope: _Scope) -> str:
    """The literal part of the location, for environment words when it does not resolve."""
    _, attributes = _STORES[block.type]
    parts = []
    for attribute in attributes:
        raw = block.body.get(attribute)
        if isinstance(raw, str) and not raw.startswith("${"):
            parts.append(prefix(_unquote(raw)))
    return "/".join(p for p in parts if p)


def _load(text: str) -> dict[str, Any]:
    import hcl2

    return hcl2.loads(text)  # type: ignore[no-any-return]


def hcl_available() -> bool:
    try:
        import hcl2  # noqa: F401
    except ImportError:
        return False
    return True


def read_terraform(files: list[tuple[str, str]], policy: Policy, settings: IacSettings
                   ) -> tuple[list[Read], list[Slot], list[Template], list[Problem]]:
    """``files`` are ``(shown path, text)`` of ``*.tf`` and ``*.tfvars`` files."""
    modules: dict[str, _Module] = {}
    problems: list[Problem] = []
    slots: list[Slot] = []
    parsed: list[tuple[str, str, dict[str, Any]]] = []
    for path, text in files:
        try:
            parsed.append((path, text, _load(text)))
        except Exception as exc:  # python-hcl2 raises lark errors and others; none may end the run
            line = getattr(exc, "line", None)
            problems.append(Problem(path, line if isinstance(line, int) else None, None,
                                    f"cannot parse HCL ({type(exc).__name__}); its secrets are not checked"))
    for path, text, data in parsed:
        pure = PurePosixPath(path)
        directory = pure.parent.as_posix()
        if pure.name.endswith(".tfvars"):
            home = pure.parent.parent if pure.parent.name in ("vars", "tfvars", "env", "envs") else pure.parent
            module = modules.setdefault(home.as_posix(), _Module(home.as_posix()))
            values = {k: v for k, v in data.items() if not k.startswith("__")}
            if pure.name in ("terraform.tfvars", "terraform.auto.tfvars"):
                module.common_vars.update(values)
                continue
            match = _TFVARS.fullmatch(pure.name)
            env = env_of_name(match.group("env"), policy) if match else ""
            if env:
                module.tfvars.setdefault(env, {}).update(values)
                module.workspace_of.setdefault(env, match.group("env") if match else env)
            module.files.append(path)
            continue
        module = modules.setdefault(directory, _Module(directory))
        module.files.append(path)
        module.uses_workspace |= "terraform.workspace" in text
        for labels, body in _blocks(data, "variable"):
            name = labels[0]
            module.variables[name] = body
            line, _ = _line_of(text, _header("variable", labels))
            module.variable_at[name] = (path, line)
            sensitive = body.get("sensitive") is True
            end = _block_end(text, line)
            slots.append(Slot(path, line, end, f"variable '{name}'" + (" (sensitive)" if sensitive else " (not sensitive)"),
                              "remove the default and read the key from a secret store (a data source)"))
        for _, body in _blocks(data, "module"):
            source = _unquote(str(body.get("source", "")))
            if source.startswith(("./", "../")):
                child = posixpath.normpath(posixpath.join(directory, source))
                module.calls.append((child, {k: v for k, v in body.items() if not k.startswith("__")}))
        for _, body in _blocks(data, "locals"):
            module.locals.update({k: v for k, v in body.items() if not k.startswith("__")})
        for kind in ("data", "resource"):
            for labels, body in _blocks(data, kind):
                if len(labels) != 2 or labels[0] not in _STORES and labels[0] != "azurerm_key_vault":
                    continue
                line, column = _line_of(text, _header(kind, labels))
                module.blocks[(labels[0], labels[1])] = _Block(kind, labels[0], labels[1], body, path, line, column)
    reads: list[Read] = []
    templates: list[Template] = []
    # A module called from the repository (source = "../modules/x") is evaluated with each
    # caller's arguments in the caller's environments, not on its own.
    called = {child for module in modules.values() for child, _ in module.calls}
    for module in modules.values():
        tf_files = [f for f in module.files if f.endswith(".tf")]
        if not tf_files or module.directory in called:
            continue
        contexts = _contexts(module, policy, settings)
        templates.extend(Template(f, "terraform", tuple(e for e, _ in contexts if e)) for f in module.files)
        for env, workspace in contexts:
            reads.extend(_evaluate(module, _Scope(module, env, workspace), modules, env, 0))
    return reads, slots, templates, problems


def _evaluate(module: _Module, scope: _Scope, modules: dict[str, _Module], env: str, depth: int) -> list[Read]:
    reads = [_read(block, scope, env) for block in module.blocks.values() if block.type != "azurerm_key_vault"]
    for child_dir, arguments in module.calls:
        child = modules.get(child_dir)
        if child is None or depth > 8:
            continue
        inputs: dict[str, Any] = {}
        for name, raw in arguments.items():
            if name in ("source", "version", "providers", "depends_on", "count", "for_each"):
                continue
            try:
                inputs[name] = scope.value(raw)
            except UNRESOLVED as exc:
                inputs[name] = _Pending(f"module input {name}: {reason(exc)}")
        reads.extend(_evaluate(child, _Scope(child, env, scope.workspace, inputs), modules, env, depth + 1))
    return reads


def _read(block: _Block, scope: _Scope, env: str) -> Read:
    construct = f'{block.kind} "{block.type}" "{block.name}"'
    scheme = _STORES[block.type][0]
    if block.type == "azurerm_key_vault_secret":
        vault_ref = block.body.get("key_vault_id")
        # key_vault_id is the vault's id: resolve it to the vault's name when the vault is in the module.
        if isinstance(vault_ref, str):
            match = _REF.fullmatch(vault_ref[2:-1]) if vault_ref.startswith("${") else None
            vault = scope.module.blocks.get((match.group(1), match.group(2))) if match else None
            if vault is not None and vault.type == "azurerm_key_vault":
                block = _Block(block.kind, block.type, block.name, {**block.body, "key_vault_id": vault.body.get("name", '""')},
                               block.path, block.line, block.column)
    try:
        scheme, text = _location(block, scope)
    except UNRESOLVED as exc:
        return Read(block.path, block.line, block.column, "terraform", construct, env, None,
                    _known_prefix(block, scope), unresolved=reason(exc), creates=block.kind == "resource")
    whole = block.type in ("doppler_secrets", "onepassword_item")
    return Read(block.path, block.line, block.column, "terraform", construct, env, SecretRef(scheme, text), text,
                creates=block.kind == "resource", whole=whole)


def _block_end(text: str, line: int) -> int:
    lines = text.split("\n")
    depth = 0
    for number in range(line - 1, len(lines)):
        depth += lines[number].count("{") - lines[number].count("}")
        if depth <= 0 and number >= line - 1 and "{" in "".join(lines[line - 1:number + 1]):
            return number + 1
    return len(lines)


def _contexts(module: _Module, policy: Policy, settings: IacSettings) -> list[tuple[str, str | None]]:
    """(environment, workspace) pairs the module is evaluated for."""
    fixed = env_of_path(module.directory + "/main.tf", policy, settings.environments)
    if fixed:
        return [(fixed, fixed)]
    found = dict(module.workspace_of)
    for workspace in settings.workspaces:
        env = env_of_name(workspace, policy)
        if env:
            found.setdefault(env, workspace)
    if found:
        return list(found.items())
    return [("", None)]

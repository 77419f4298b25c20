"""The import graph of byok_ci: no cycles, and every import points down the layers.

Read from the source with ``ast``, nothing imported. Every ``import`` and ``from … import``
counts wherever it is (module level, inside functions, in ``try`` blocks), except inside an
``if TYPE_CHECKING:`` body, which only type checkers read. ``from P import n`` is an edge to
the module ``P.n`` when there is one, else to ``P``; a package is its ``__init__``.

The layers, lowest first (docs/architecture.md draws them): a module may import modules of
its own layer and of the layers below it, never above.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "byok_ci"
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Result records, the exception tree, the one redaction step, exit codes, report paths.
    ("base", ("byok_ci._version", "byok_ci._offsets", "byok_ci._yaml", "byok_ci.model", "byok_ci.outbound",
              "byok_ci.errors", "byok_ci.exitcodes", "byok_ci.paths", "byok_ci.vault",
              "byok_ci.shard", "byok_ci._sha256", "byok_ci._startup", "byok_ci._values", "byok_ci._precompiled",
              "byok_ci._patterns")),
    # Reporters render a Report: they know the result records and nothing else.
    ("report", ("byok_ci.report",)),
    # The schemas word their problems with the rule ids' did-you-mean.
    ("rules", ("byok_ci.rules", "byok_ci.keygen", "byok_ci.schemas")),
    ("detect", ("byok_ci.detect",)),
    ("config", ("byok_ci.config",)),
    ("sources", ("byok_ci.sources", "byok_ci.suppress", "byok_ci._detect_secrets")),
    ("pipeline", ("byok_ci.pipeline", "byok_ci.names", "byok_ci.scan", "byok_ci.scan_git", "byok_ci.baseline",
                  "byok_ci.pre_receive", "byok_ci.merge")),
    ("manifest", ("byok_ci.manifest",)),
    ("drift", ("byok_ci.drift",)),
    ("usage", ("byok_ci.usage",)),
    # `scan --verify` over drift's guard, and the revoke plan of a scan's report.
    ("verify", ("byok_ci.verify", "byok_ci.revoke")),
    ("check", ("byok_ci.check", "byok_ci.github_event", "byok_ci.gitlab_ci")),
    ("cli", ("byok_ci.cli", "byok_ci.__main__")),
    # The package root: the public API, resolved lazily, and the wiring of redaction.
    ("api", ("byok_ci",)),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Imports(ast.NodeVisitor):
    def __init__(self, package: str) -> None:
        self.package = package
        self.found: list[tuple[str, list[str]]] = []

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        if not _is_type_checking(node.test):
            for child in node.body:
                self.visit(child)
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, []) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")[: len(self.package.split(".")) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        self.found.append((target, [alias.name for alias in node.names]))


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        visitor = _Imports(name if path.name == "__init__.py" else name.rpartition(".")[0])
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        edges: set[str] = set()
        for target, names in visitor.found:
            if target != "byok_ci" and not target.startswith("byok_ci."):
                continue
            modules = {f"{target}.{n}" for n in names if f"{target}.{n}" in files}
            if len(modules) < len(names) or not names:
                while target not in files:
                    target = target.rpartition(".")[0]
                modules.add(target)
            edges |= modules - {name}
        graph[name] = edges
    return graph


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return best[0] if best else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer() -> None:
    assert [m for m in sorted(import_graph()) if layer_of(m) is None] == []


def test_the_graph_sees_function_level_imports() -> None:
    """A lazy import inside a function is still a dependency."""
    assert "byok_ci.report.output" in import_graph()["byok_ci.cli.options"]  # inside write_reports


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_imports_point_down_the_layers() -> None:
    graph = import_graph()
    upward = sorted(
        f"{module} ({LAYERS[layer_of(module) or 0][0]}) imports {target} ({LAYERS[layer_of(target) or 0][0]})"
        for module, targets in graph.items() for target in targets
        if (layer_of(module) or 0) < (layer_of(target) or 0)
    )
    assert upward == []


def test_every_exception_is_in_the_one_tree() -> None:
    """Every exception class byok_ci defines lives in byok_ci.errors, derives from ByokError,
    and is drawn in the module's docstring."""
    import importlib
    import inspect

    from byok_ci import errors

    defined = []
    for module in sorted(import_graph()):
        if module.endswith(("detect_secrets_plugin", "__main__")):
            continue  # a plugin detect-secrets loads by path; `python -m byok_ci` runs on import
        for _, value in inspect.getmembers(importlib.import_module(module), inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith("byok_ci"):
                defined.append(value)
    assert defined
    assert {c.__module__ for c in defined} == {"byok_ci.errors"}
    assert all(issubclass(c, errors.ByokError) for c in defined)
    doc = errors.__doc__ or ""
    assert [c.__name__ for c in defined if f" {c.__name__} " not in doc] == []

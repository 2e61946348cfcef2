"""The house's arrows, checked from the source: every import of every project module (function-level and
TYPE_CHECKING ones included) must point down the layers, and no modules may import each other in a circle.

Layers, innermost first (ARCHITECTURE.md): the domain `billing` and the knowledge base `knowledge` stand
alone; `tools` use both; the `agent` uses the tools; `bootstrap` (the composition root) builds all of
them; `evals` and the channels in `service` build from `bootstrap`; the CLI in `service` also runs the
evals. `bench` measures everything and may import anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BELOW: dict[str, frozenset[str]] = {
    "billing": frozenset(),
    "knowledge": frozenset(),
    "tools": frozenset({"billing", "knowledge"}),
    "agent": frozenset({"billing", "knowledge", "tools"}),
    "bootstrap": frozenset({"billing", "knowledge", "tools", "agent"}),
    "evals": frozenset({"billing", "knowledge", "tools", "agent", "bootstrap"}),
    "service": frozenset({"billing", "knowledge", "tools", "agent", "bootstrap", "evals"}),
    "bench": frozenset({"billing", "knowledge", "tools", "agent", "bootstrap", "evals", "service"}),
}

Graph = dict[str, set[str]]


def modules(root: Path) -> dict[str, Path]:
    """Every module of the project's packages, by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in BELOW:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """Dotted names the module's imports refer to, anywhere in it (`from a import b` gives `a.b`: the module
    `a.b` if there is one, else the name `b` in `a`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _owner(name: str, known: dict[str, Path]) -> str | None:
    """The project module a dotted name lives in (None: a third-party or standard module)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root: Path) -> Graph:
    """Module -> the project modules it imports (the most specific module each import names)."""
    known = modules(root)
    graph: Graph = {}
    for module, path in known.items():
        names = _imported_names(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py")
        graph[module] = {o for o in (_owner(name, known) for name in names) if o and o != module}
    return graph


def upward_imports(graph: Graph) -> list[str]:
    """Imports that run against the layer order."""
    wrong = []
    for module, targets in graph.items():
        layer = module.split(".")[0]
        for target in sorted(targets):
            other = target.split(".")[0]
            if other != layer and other not in BELOW[layer]:
                wrong.append(f"{module} imports {target} ({layer} may import only {sorted(BELOW[layer])})")
    return wrong


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan): every circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_import_points_down_the_layers() -> None:
    graph = import_graph(ROOT)
    assert len(graph) > 100, "the checker found too few modules to mean anything"
    assert upward_imports(graph) == []


def test_no_modules_import_each_other() -> None:
    assert cycles(import_graph(ROOT)) == []


def test_evals_never_import_the_channels() -> None:
    graph = import_graph(ROOT)
    assert [(m, t) for m, ts in graph.items() if m.startswith("evals") for t in ts if t.startswith("service")] == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_catches_an_upward_import_and_a_circle(tmp_path: Path) -> None:
    """A synthetic house with one arrow up (inside a function) and one circle: both are reported."""
    _write(
        tmp_path,
        {
            "billing/__init__.py": "",
            "billing/rules.py": "def f():\n    from service.app import create_app\n    return create_app\n",
            "service/__init__.py": "",
            "service/app.py": "from service import cli\n\ndef create_app():\n    return cli\n",
            "service/cli.py": "from .app import create_app\n",
            "agent/__init__.py": "",
            "agent/runner.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bootstrap.container import C\n",
            "bootstrap/__init__.py": "",
            "bootstrap/container.py": "import billing.rules\nC = 1\n",
        },
    )
    graph = import_graph(tmp_path)
    assert graph["service.cli"] == {"service.app"}  # a relative import resolves to the module it names
    assert sorted(upward_imports(graph)) == [
        "agent.runner imports bootstrap.container (agent may import only ['billing', 'knowledge', 'tools'])",
        "billing.rules imports service.app (billing may import only [])",
    ]
    assert cycles(graph) == [["service.app", "service.cli"]]

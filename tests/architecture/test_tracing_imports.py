"""Tracing keeps to the layers: the domain, the tools, the knowledge base, the agent and the composition root
open spans through the OpenTelemetry *API* only (a no-op until a provider is installed); only the channels in
`service` set the SDK up, with its exporters and the HTTP instrumentation (service/tracing.py)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API_ONLY = ("billing", "knowledge", "tools", "agent", "bootstrap", "evals")
SDK_SIDE = ("opentelemetry.sdk", "opentelemetry.exporter", "opentelemetry.instrumentation")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_inner_layers_use_only_the_opentelemetry_api() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for package in API_ONLY
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(_imports(path))
        if name.startswith(SDK_SIDE)
    ]
    assert wrong == []


def test_the_domain_traces_through_the_api() -> None:
    """The check above means something: the domain does import the API."""
    assert "opentelemetry" in _imports(ROOT / "billing" / "tracing.py")

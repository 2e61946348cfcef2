"""Eval fixtures: the knowledge index built once per session, an evaluator factory, no network."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evals.harness import EvalRun, evaluate
from evals.knowledge import build_knowledge
from evals.scenarios import Scenario, load_file
from evals.variants import Variant


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(f"network access attempted during an eval test: {args!r}")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)


@pytest.fixture(scope="session")
def eval_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build_knowledge(tmp_path_factory.mktemp("eval-index"))


@pytest.fixture
def scenarios_from(tmp_path: Path) -> Callable[[str], list[Scenario]]:
    def load(text: str) -> list[Scenario]:
        path = tmp_path / "suite.yaml"
        path.write_text(text, encoding="utf-8")
        return load_file(path, "test")

    return load


@pytest.fixture
def run_variant(eval_knowledge: Any) -> Callable[..., EvalRun]:
    def run(variant: Variant, scenarios: list[Scenario], trials: int = 1, workers: int = 1) -> EvalRun:
        return evaluate(variant, {"test": scenarios}, trials=trials, workers=workers, knowledge=eval_knowledge)

    return run

"""Where a served worker's memory goes (not a test): RSS after each step of its start, in a fresh interpreter.

    .venv/bin/python -m bench.memory_steps              # the worker's steps, cumulative, in its order
    .venv/bin/python -m bench.memory_steps --isolated   # each heavy module alone, each in its own interpreter

The steps are what `portal-agent serve` does up to the end of its warm-up (service/app.py), done synchronously
so each one's RSS can be read: the heavy third-party imports one by one, the rest of the app, the runner, then
the warm-up's loads (the embedder, the planner's classifier and article vectors, the knowledge index). A world
and an index are prepared first in a temporary data directory, as bench_startup does. Prints a table; writes
nothing (BENCHMARKS.md quotes it by hand).
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ROOT, build_kb_index, env_for, seed_world, settings_for

# In the order a served worker with the offline planner first imports them (openai is not among them).
WORKER_IMPORTS = [
    "numpy",
    "sqlalchemy",
    "pydantic",
    "fastapi",
    "langsmith.run_trees",  # what langchain_core's chat-model import pulls in through its tracers
    "langchain_core.language_models.chat_models",
    "tokenizers",
    "onnxruntime",
    "chromadb",
]
ISOLATED = [
    "numpy",
    "sqlalchemy",
    "fastapi",
    "openai",
    "langsmith.run_trees",
    "langchain_core.language_models.chat_models",
    "langchain_openai",
    "tokenizers",
    "onnxruntime",
    "chromadb",
    "tiktoken",
    "service.app",
]


def rss() -> dict[str, float]:
    """VmRSS and its anonymous / file-backed parts of this process, in MB."""
    out: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) / 1024
    return out


class Steps:
    """Runs steps in this interpreter and prints RSS after each."""

    def __init__(self) -> None:
        self.last = rss()
        print(f"{'step':62s} {'RSS':>7s} {'delta':>7s} {'anon':>7s} {'file':>7s} {'s':>6s}")
        self._print("bare interpreter (+ the bench's own imports)", 0.0)

    def run(self, name: str, fn: Callable[[], object]) -> None:
        start = time.perf_counter()
        fn()
        self._print(name, time.perf_counter() - start)

    def _print(self, name: str, seconds: float) -> None:
        now = rss()
        delta = now["VmRSS"] - self.last["VmRSS"]
        print(
            f"{name:62s} {now['VmRSS']:7.1f} {delta:+7.1f} {now['RssAnon']:7.1f} {now['RssFile']:7.1f} {seconds:6.2f}"
        )
        self.last = now


def worker_steps() -> None:
    """The served worker's start and warm-up, step by step (run in a child with the benchmark's settings)."""
    from service.memory import return_large_buffers

    return_large_buffers()  # as create_served_app does, before anything large is allocated
    steps = Steps()
    for module in WORKER_IMPORTS:
        steps.run(f"import {module}", lambda m=module: importlib.import_module(m))  # type: ignore[misc]
    steps.run("import service.app (the rest of the app)", lambda: importlib.import_module("service.app"))
    held: dict[str, Any] = {}

    def create() -> None:
        from service.app import create_app

        held["app"] = create_app()

    steps.run("create_app() (settings, engine, routers)", create)
    steps.run("container.runner", lambda: held.__setitem__("runner", held["app"].state.container.runner))
    runner = held["runner"]

    def tokens() -> None:
        from knowledge.tokens import count_tokens

        count_tokens("hello")

    steps.run("token counting ready (tiktoken o200k)", tokens)

    def embedder() -> None:
        from knowledge.embeddings import get_embedder

        get_embedder().load()

    steps.run("embedder load (ONNX session + tokenizer)", embedder)

    def planner() -> None:
        from agent.planner import classifier, faq, features

        features.embed("hello")
        classifier.load()
        faq.warm_up(getattr(runner.model, "cache_dir", None))

    steps.run("planner: embed, classifier, article vectors (cached)", planner)
    steps.run("knowledge search (Chroma client, collection, query)", lambda: runner.knowledge.search("pay", k=1))


def isolated(env: dict[str, str]) -> None:
    code = (
        "import importlib, sys; from bench.memory_steps import Steps; s = Steps(); "
        "s.run('import ' + sys.argv[1], lambda: importlib.import_module(sys.argv[1]))"
    )
    for module in ISOLATED:
        lines = subprocess.run(
            [sys.executable, "-c", code, module], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.splitlines()
        print("\n".join(lines[:2] if module == ISOLATED[0] else []) + ("\n" if module == ISOLATED[0] else ""), end="")
        print(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isolated", action="store_true", help="each heavy module alone in a fresh interpreter")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        worker_steps()
        return
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        data_dir = Path(tmp)
        settings = settings_for(data_dir, f"sqlite:///{data_dir / 'portal.db'}", portal_llm="offline")
        env = {**env_for(settings), "PYTHONPATH": str(ROOT)}
        if args.isolated:
            isolated(env)
            return
        from bootstrap.container import build_container

        container = build_container(settings)
        seed_world(container)
        container.engine.dispose()
        build_kb_index(data_dir)
        subprocess.run([sys.executable, "-m", "bench.memory_steps", "--child"], env=env, cwd=ROOT, check=True)


if __name__ == "__main__":
    main()

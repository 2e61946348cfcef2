"""Where a served turn's CPU goes (not a test): py-spy samples `portal-agent serve` under load.

    .venv/bin/python -m bench.profile_turns [--kind read|propose] [--seconds 20] [--conversations 8]
                                             [--raw FILE]

The product runs as in production (its own process, SQLite, the mock model at 20 ms per request);
`--conversations` clients send read turns ("Show me invoice INV-1001") or propose+confirm pairs
("Please pay INV-9xxx", then the Confirm button) back to back while py-spy samples the server's
threads. The summary attributes every sample to the innermost frame of a known layer (the project's
own packages, the agent framework, the database, the HTTP stack, ...), and lists the functions of
the project seen on most samples. Idle threads are not sampled (py-spy's default), so the shares are
of busy CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.common import (
    ALICE,
    ROOT,
    build_kb_index,
    env_for,
    free_port,
    seed_world,
    settings_for,
    subprocess_server,
    token_for,
)

# Innermost match wins: a sample in SQLAlchemy called from the store counts as the database's.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("database (SQLAlchemy, sqlite3, psycopg)", ("sqlalchemy/", "sqlite3/", "psycopg/")),
    ("model client (openai, httpx, httpcore)", ("openai/", "httpx/", "httpcore/", "h11/")),
    # py-spy names langgraph's files without the package ("pregel/main.py"): its namespace package
    ("LangGraph", ("langgraph/", "(pregel/", "(channels/", "(graph/", "(_internal/", "(checkpoint/", "(managed/")),
    ("LangChain (core, openai, agents)", ("langchain_core/", "langchain_openai/", "langchain/")),
    ("pydantic", ("pydantic/", "pydantic_core/")),
    ("web stack (uvicorn, starlette, fastapi)", ("uvicorn/", "starlette/", "fastapi/")),
    ("tokens (tiktoken)", ("tiktoken/", "knowledge/tokens")),
    ("embedder and classifier (onnxruntime, numpy)", ("onnxruntime/", "numpy/", "tokenizers/")),
    ("logging and metrics", ("logging/", "prometheus_client/", "service/logging", "service/metrics")),
    ("project: agent", ("agent/",)),
    ("project: tools", ("tools/",)),
    ("project: billing", ("billing/",)),
    ("project: service", ("service/",)),
    ("project: knowledge", ("knowledge/",)),
)
OTHER = "other (interpreter, threading, json, ...)"
OWN = ("agent/", "tools/", "billing/", "service/", "knowledge/", "bootstrap/")


def layer_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, marks in LAYERS:
            if any(mark in frame for mark in marks):
                return name
    return OTHER


def summarise(raw: Path, top: int = 15) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    """(samples per layer of the innermost frame, samples with the layer anywhere on the stack, samples per
    project function seen anywhere on the stack, total samples)."""
    layers: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        layers[layer_of(frames)] += n
        for name, marks in LAYERS:
            if any(mark in frame for frame in frames for mark in marks):
                anywhere[name] += n
        for frame in {f for f in frames if any(f"({p}" in f or f" {p}" in f for p in OWN)}:
            own[frame] += n
    return layers, anywhere, Counter(dict(own.most_common(top))), total


async def _read(client: httpx.AsyncClient, state: dict[str, object]) -> None:
    if int(str(state["turns"])) % 5 == 0:
        state["conv"] = (await client.post("/v1/conversations")).json()["conversation_id"]
    state["turns"] = int(str(state["turns"])) + 1
    r = await client.post(f"/v1/conversations/{state['conv']}/messages", json={"text": "Show me invoice INV-1001"})
    r.raise_for_status()


async def _propose(client: httpx.AsyncClient, state: dict[str, object], invoices: list[int]) -> None:
    await _read(client, state)  # a fresh conversation every five pairs, as above
    invoice = f"INV-{invoices.pop()}"
    r = await client.post(f"/v1/conversations/{state['conv']}/messages", json={"text": f"Please pay {invoice}"})
    r.raise_for_status()
    action = r.json().get("pending_action") or {}
    r = await client.post(f"/v1/conversations/{state['conv']}/actions/{action['id']}/confirm")
    r.raise_for_status()


async def drive(base: str, kind: str, conversations: int, seconds: float, invoices: list[int]) -> int:
    done = 0
    headers = {"Authorization": f"Bearer {token_for(ALICE)}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
        stop = time.perf_counter() + seconds

        async def one() -> None:
            nonlocal done
            state: dict[str, object] = {"turns": 0, "conv": ""}
            while time.perf_counter() < stop:
                await (_read(client, state) if kind == "read" else _propose(client, state, invoices))
                done += 1

        await asyncio.gather(*(one() for _ in range(conversations)))
    return done


def run(kind: str, seconds: float, conversations: int, raw: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        data_dir = Path(tmp)
        mock_port, port = free_port(), free_port()
        mock = f"http://127.0.0.1:{mock_port}/v1"
        settings = settings_for(
            data_dir, f"sqlite:///{data_dir / 'portal.db'}", portal_llm="openai", openai_base_url=mock
        )
        from bootstrap.container import build_container

        container = build_container(settings)
        seed_world(container, 3000)
        container.engine.dispose()
        build_kb_index(data_dir)  # as `index build` does: else the workers' warm-up embeds the articles meanwhile
        env = env_for(settings)
        py = str(ROOT / ".venv" / "bin" / "python")
        mock_cmd = [py, "-m", "bench.mock_model", "--port", str(mock_port), "--latency-ms", "20"]
        serve = [str(ROOT / ".venv" / "bin" / "portal-agent"), "serve", "--log-level", "warning", "--port", str(port)]
        with (
            subprocess_server(mock_cmd, env, mock.removesuffix("/v1") + "/stats"),
            subprocess_server(serve, env, f"http://127.0.0.1:{port}/healthz") as server,
        ):
            base = f"http://127.0.0.1:{port}"
            asyncio.run(drive(base, kind, conversations, 3.0, list(range(9000, 9100))))  # warm-up
            spy = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(server.pid), "--rate", "250", "--gil"]
                + ["--duration", str(int(seconds)), "--format", "raw", "--output", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            turns = asyncio.run(drive(base, kind, conversations, seconds, list(range(9100, 12000))))
            spy.wait(timeout=seconds + 30)
    return turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("read", "propose"), default="read")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--raw", type=Path, default=None, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args()
    raw = args.raw or Path(tempfile.gettempdir()) / f"profile-{args.kind}.txt"
    turns = run(args.kind, args.seconds, args.conversations, raw)
    layers, anywhere, own, total = summarise(raw)
    print(f"\n{args.kind}: {turns} turns in {args.seconds:.0f} s, {total} samples of busy threads at 250 Hz")
    print("\n| layer | innermost frame | anywhere on the stack |\n|---|---:|---:|")
    names = [name for name, _ in LAYERS] + [OTHER]
    for name in sorted(names, key=lambda k: -layers[k]):
        print(f"| {name} | {layers[name] / total:.1%} | {anywhere[name] / total:.1%} |")
    print("\n| project function (anywhere on the stack) | share of samples |\n|---|---:|")
    for frame, n in own.most_common():
        print(f"| `{frame}` | {n / total:.1%} |")


if __name__ == "__main__":
    main()

"""A local OpenAI-compatible Chat Completions server: known latency, scripted tool calls, injected faults.

Benchmarks use it so the whole stack runs as in production with a known model time; the
reliability tests use its fault injection (429, 500, timeouts, truncated streams, malformed JSON,
tool calls with invalid or hallucinated arguments). It listens on loopback only.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TypedDict

import uvicorn
from pydantic import JsonValue
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Message = dict[str, JsonValue]  # a Chat Completions message as the client sent it


class ChatRequest(TypedDict, total=False):
    """A Chat Completions request body, as far as the mock and the token count read it."""

    model: str
    messages: list[Message]
    tools: list[JsonValue]
    stream: bool


class FunctionCall(TypedDict):
    name: str
    arguments: str  # JSON text, as the wire has it


class ToolCall(TypedDict):
    """A tool call of the Chat Completions wire format."""

    id: str
    type: str
    function: FunctionCall


FAULTS = ("429", "500", "timeout", "truncated", "malformed", "bad_args", "foreign_ids")


@dataclass
class MockConfig:
    latency_ms: float = 50.0
    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    timeout_sleep_s: float = 5.0  # longer than the client's timeout in fault tests
    seed: int = 7
    # Reliability tests: `route(text)` -> (tool name, JSON arguments) or None, consulted before the
    # built-in routing (None keeps the behaviour above unchanged).
    route: Callable[[str], tuple[str, str] | None] | None = None
    record_bodies: bool = False  # benchmarks: keep every request body (token counts of real requests)


@dataclass
class MockState:
    config: MockConfig
    rng: random.Random = field(init=False)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Benchmarks: model time as the client sees it from the server's side (request received to last
    # byte produced), summed over requests, and the request bodies when `record_bodies` is on.
    model_seconds: float = 0.0
    bodies: list[ChatRequest] = field(default_factory=list)

    def add_model_time(self, seconds: float) -> None:
        with self.lock:
            self.model_seconds += seconds

    def __post_init__(self) -> None:
        self.rng = random.Random(self.config.seed)

    def pick_fault(self) -> str | None:
        with self.lock:
            self.counts["requests"] += 1
            if self.rng.random() >= self.config.fault_rate:
                return None
            fault = self.rng.choice(self.config.faults)
            self.counts[fault] += 1
            return fault


# -- the scripted "model" --------------------------------------------------------------------------


def plan(
    messages: list[Message], fault: str | None, route: Callable[[str], tuple[str, str] | None] | None = None
) -> tuple[str | None, list[ToolCall]]:
    """(text, tool_calls) a helpful model would answer with, chosen from the last message."""
    last = messages[-1]
    if last["role"] == "tool":
        return _phrase(str(last.get("content") or "")), []
    text = str(last.get("content") or "")
    call = (route(text) if route else None) or _tool_for(text)
    if fault == "bad_args" and call:
        call = (call[0], '{"invoice_id": ')  # truncated JSON arguments
    elif fault == "foreign_ids":
        call = ("pay_invoice", json.dumps({"invoice_id": "INV-2001"}))  # another account's invoice
    if call is None:
        return "Hello! I can help with invoices, payments and your billing details.", []
    return None, [
        {
            "id": f"call_{abs(hash(text)) % 10**8}",
            "type": "function",
            "function": {"name": call[0], "arguments": call[1]},
        }
    ]


def _tool_for(text: str) -> tuple[str, str] | None:
    invoice = re.search(r"INV-\d+", text, re.I)
    lowered = text.lower()
    if "pay" in lowered and invoice:
        return "pay_invoice", json.dumps({"invoice_id": invoice.group(0).upper()})
    if invoice:
        return "get_invoice", json.dumps({"invoice_id": invoice.group(0).upper()})
    if "invoices" in lowered:
        return "list_invoices", "{}"
    if "contracts" in lowered:
        return "list_contracts", "{}"
    if lowered.strip() in {"hi", "hello", "thanks"}:
        return None
    return "search_knowledge", json.dumps({"query": text})


def _phrase(tool_content: str) -> str:
    try:
        data = json.loads(tool_content)
    except ValueError:
        return "Here is what I found."
    if isinstance(data, dict) and data.get("proposed"):
        return f"Please confirm: {data['summary']}. Nothing has changed yet."
    if isinstance(data, dict) and data.get("ok") is False:
        return f"That is not possible: {data.get('message', '')}"
    if isinstance(data, dict) and data.get("passages"):
        return f"{data['passages'][0]['text'][:200]} [1]"
    return "Here is what I found: " + tool_content[:160]


# -- HTTP ------------------------------------------------------------------------------------------


def _completion(text: str | None, calls: list[ToolCall], model: str) -> dict[str, object]:
    message: dict[str, object] = {
        "role": "assistant",
        "content": text,
        "refusal": None,
        **({"tool_calls": calls} if calls else {}),
    }
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if calls else "stop"}
        ],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 20, "total_tokens": 1020},
    }


def _chunk(delta: dict[str, object], model: str, finish: str | None = None, usage: bool = False) -> str:
    body: dict[str, object] = {
        "id": "chatcmpl-mock",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [] if usage else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = {"prompt_tokens": 1000, "completion_tokens": 20, "total_tokens": 1020}
    return f"data: {json.dumps(body)}\n\n"


async def _stream(text: str | None, calls: list[ToolCall], model: str, truncate: bool) -> AsyncIterator[str]:
    yield _chunk({"role": "assistant", "content": ""}, model)
    words = (text or "").split(" ") if text else []
    for i, word in enumerate(words):
        yield _chunk({"content": word + (" " if i < len(words) - 1 else "")}, model)
        if truncate and i == len(words) // 2:
            yield 'data: {"id": "chatcmpl-mock", "choices": [{"delta": {"content": "tru'
            return
    for i, call in enumerate(calls):
        yield _chunk(
            {"tool_calls": [{"index": i, "id": call["id"], "type": "function", "function": call["function"]}]}, model
        )
    if truncate and calls:
        return
    yield _chunk({}, model, "tool_calls" if calls else "stop")
    yield _chunk({}, model, usage=True)
    yield "data: [DONE]\n\n"


async def _timed(chunks: AsyncIterator[str], state: MockState, started: float) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk
    state.add_model_time(time.perf_counter() - started)


def create_app(config: MockConfig) -> Starlette:
    state = MockState(config)

    async def completions(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.json()
        if config.record_bodies:
            with state.lock:
                state.bodies.append(body)
        fault = state.pick_fault()
        await asyncio.sleep(config.latency_ms / 1000)
        if fault in ("429", "500"):
            code = int(fault)
            return JSONResponse(
                {"error": {"message": f"injected {fault}", "type": "server_error", "code": fault}},
                status_code=code,
                headers={"retry-after-ms": "10"},
            )
        if fault == "timeout":
            await asyncio.sleep(config.timeout_sleep_s)
        if fault == "malformed":
            return Response('{"id": "chatcmpl-mock", "choices": [', media_type="application/json")
        text, calls = plan(body["messages"], fault, config.route)
        model = body.get("model", "mock")
        if body.get("stream"):
            return StreamingResponse(
                _timed(_stream(text, calls, model, fault == "truncated"), state, started),
                media_type="text/event-stream",
            )
        response = JSONResponse(_completion(text, calls, model))
        state.add_model_time(time.perf_counter() - started)
        return response

    async def stats(request: Request) -> Response:
        return JSONResponse({**state.counts, "model_seconds": state.model_seconds})

    app = Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"]), Route("/stats", stats)])
    app.state.mock = state
    return app


class MockModelServer:
    """Runs the mock in a background thread: `with MockModelServer(MockConfig(...)) as base_url: ...`."""

    def __init__(self, config: MockConfig, port: int = 0) -> None:
        self.app = create_app(config)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def counts(self) -> Counter[str]:
        return self.state.counts

    @property
    def state(self) -> MockState:
        state: MockState = self.app.state.mock  # set by create_app
        return state

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def main() -> None:  # pragma: no cover - manual use
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    args = parser.parse_args()
    uvicorn.run(create_app(MockConfig(args.latency_ms, args.fault_rate)), host="127.0.0.1", port=args.port)


if __name__ == "__main__":  # pragma: no cover
    main()

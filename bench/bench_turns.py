"""Turn overhead and request tokens (not tests): the product through its HTTP API vs a minimal loop.

    .venv/bin/python -m bench.bench_turns [--samples 60] [--latency-ms 20] [--no-pg] [--no-write]

Overhead = turn wall time at the HTTP client − model time measured at the mock model (request
received to last byte streamed, summed over the turn's model requests). The product runs under a
real uvicorn on loopback (PORTAL_LLM=openai, OPENAI_BASE_URL = the mock), on SQLite and on a fresh
PostgreSQL schema. The minimal loop is the practical limit: the same HTTP hop (a bare Starlette route
under uvicorn), the same OpenAI client (streaming), the same tool schemas and system prompt, the same
domain function — and nothing else (no auth, no persistence, no agent framework).

Tokens: the request bodies the mock receives, counted with o200k_base (knowledge.tokens).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import httpx
from openai import Stream
from pydantic import JsonValue

from bench.common import (
    ALICE,
    EXTRA_INVOICES,
    Row,
    UvicornThread,
    append_section,
    build_kb_index,
    limit_row,
    median,
    ms,
    pct,
    pg_available,
    pg_schema,
    seed_world,
    settings_for,
    token_for,
)
from bench.mock_model import ChatRequest, Message, MockConfig, MockModelServer
from billing.operations.registry import command

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette

    from billing.service import BillingService
    from bootstrap.container import Container
    from knowledge.retriever import Retriever


class CallJson(TypedDict):
    """A tool call in the product's turn result."""

    name: str
    args: dict[str, JsonValue]
    ok: bool


class TurnJson(TypedDict, total=False):
    """The product's turn result (SPEC section 4), as far as the benchmark reads it."""

    reply: str
    tool_calls: list[CallJson]
    pending_action: dict[str, JsonValue] | None
    degraded: bool


class _StreamedCall(TypedDict):
    id: str | None
    name: str
    arguments: str


KINDS = ("faq", "read", "propose+confirm")
FAQ_QUESTIONS = [
    "How do I change my billing address?",
    "Can I get a copy of a signed quote?",
    "Why is my account suspended?",
    "How do I add a new user to the portal?",
    "Where do I put a purchase order number?",
    "How can I turn off auto-renewal?",
]
OVERHEAD_LIMIT_MS = 25.0
RATIO_LIMIT = 1.3  # issue 16: product / minimal loop, each row


@dataclass
class Samples:
    overhead: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    model: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: int = 0


def _timed(mock: MockModelServer, fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, model seconds) of fn(); runs are sequential so the mock's counter delta is this call's."""
    before = mock.state.model_seconds
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    time.sleep(0.002)  # the mock records a stream's end just after its last byte
    return wall, mock.state.model_seconds - before


# -- the product through its HTTP API --------------------------------------------------------------


class ProductClient:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token_for(ALICE)}"}, timeout=60)
        self.conv = ""
        self.turns = 0
        self.invoice = 9000

    def fresh(self) -> None:
        if self.turns % 5 == 0:  # conversations of five turns: history is loaded, as in real use
            r = self.http.post("/v1/conversations")
            r.raise_for_status()
            self.conv = r.json()["conversation_id"]
        self.turns += 1

    def say(self, text: str) -> TurnJson:
        r = self.http.post(f"/v1/conversations/{self.conv}/messages", json={"text": text})
        r.raise_for_status()
        data: TurnJson = r.json()
        if data.get("degraded"):
            raise RuntimeError("turn degraded to the offline planner")
        return data

    def run(self, kind: str, i: int) -> Callable[[], object]:
        if kind == "faq":
            return lambda: self._check(self.say(FAQ_QUESTIONS[i % len(FAQ_QUESTIONS)]), "search_knowledge")
        if kind == "read":
            return lambda: self._check(self.say("Show me invoice INV-1001"), "get_invoice")
        invoice = f"INV-{self.invoice}"
        self.invoice += 1

        def pair() -> None:
            turn = self._check(self.say(f"Please pay {invoice}"), "pay_invoice")
            action = turn["pending_action"] or {}
            r = self.http.post(f"/v1/conversations/{self.conv}/actions/{action['id']}/confirm")
            r.raise_for_status()
            if r.json()["status"] != "executed":
                raise RuntimeError(f"confirm: {r.json()}")

        return pair

    @staticmethod
    def _check(turn: TurnJson, tool: str) -> TurnJson:
        calls = turn.get("tool_calls") or []
        if not calls or calls[0]["name"] != tool or not calls[0]["ok"]:
            raise RuntimeError(f"expected a successful {tool} call, got {calls}")
        return turn


# -- the minimal loop ------------------------------------------------------------------------------


def minimal_app(billing: BillingService, retriever: Retriever, model_url: str) -> Starlette:
    """One route per measured path: model → domain function → model, with nothing around it."""
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from openai import OpenAI
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from agent.openai_wire import PlainCompletions
    from agent.prompts import policy_prompt
    from billing.principal import Principal
    from tools.base import to_json
    from tools.registry import ALL_TOOLS

    # The product's request path (PlainCompletions: the SDK without its per-request body transform).
    client = PlainCompletions(OpenAI(base_url=model_url, api_key="bench", max_retries=0))
    tools = [convert_to_openai_tool(t) for t in ALL_TOOLS]
    system = policy_prompt()
    principal = Principal(ALICE, "web")

    def complete(messages: list[Message]) -> tuple[str, list[_StreamedCall]]:
        text: list[str] = []
        calls: dict[int, _StreamedCall] = {}
        stream = client.create(
            model="gpt-4.1-mini",
            messages=messages,
            tools=tools,
            stream=True,
            stream_options={"include_usage": True},
            temperature=0,
        )
        assert isinstance(stream, Stream)  # stream=True: the SDK's stream of chunks
        for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content:
                    text.append(choice.delta.content)
                for tc in choice.delta.tool_calls or []:
                    slot = calls.setdefault(tc.index, {"id": tc.id, "name": "", "arguments": ""})
                    if tc.function is not None:
                        slot["name"] += tc.function.name or ""
                        slot["arguments"] += tc.function.arguments or ""
        return "".join(text), list(calls.values())

    def call_tool(name: str, args: dict[str, JsonValue], conversation_id: str) -> str:
        if name == "search_knowledge":
            passages = retriever.search(str(args["query"]), 4)
            return to_json(
                {
                    "passages": [
                        {"n": i + 1, "title": p.title, "source": p.source, "heading": p.heading, "text": p.text}
                        for i, p in enumerate(passages)
                    ]
                }
            )
        if name == "get_invoice":
            return to_json(billing.get_invoice(principal, str(args["invoice_id"])).to_json())
        if name == "pay_invoice":
            action = billing.propose(principal, conversation_id, command("pay_invoice", args))
            return to_json({"ok": True, "proposed": True, "action_id": action.id, "summary": action.summary})
        raise ValueError(name)

    def turn(conversation_id: str, text: str) -> dict[str, JsonValue]:
        messages: list[Message] = [{"role": "system", "content": system}, {"role": "user", "content": text}]
        action_id = None
        for _ in range(4):  # bounded: a model that keeps calling tools stops here
            reply, calls = complete(messages)
            if not calls:
                return {"reply": reply, "action_id": action_id}
            messages.append(
                {
                    "role": "assistant",
                    "content": reply or None,
                    "tool_calls": [
                        {
                            "id": c["id"],
                            "type": "function",
                            "function": {"name": c["name"], "arguments": c["arguments"]},
                        }
                        for c in calls
                    ],
                }
            )
            for c in calls:
                result = call_tool(c["name"], json.loads(c["arguments"] or "{}"), conversation_id)
                if c["name"] == "pay_invoice":
                    action_id = json.loads(result)["action_id"]
                messages.append({"role": "tool", "tool_call_id": c["id"], "content": result})
        return {"reply": "", "action_id": action_id}

    async def turn_route(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse(await run_in_threadpool(turn, body["conversation_id"], body["text"]))

    async def confirm_route(request: Request) -> JSONResponse:
        body = await request.json()
        action = await run_in_threadpool(billing.execute, principal, body["action_id"], body["conversation_id"])
        return JSONResponse({"status": action.status.value})

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/turn", turn_route, methods=["POST"]),
            Route("/confirm", confirm_route, methods=["POST"]),
            Route("/healthz", health),
        ]
    )


class MinimalClient:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.invoice = 9000 + 200  # its own half of the payable invoices

    def run(self, kind: str, i: int) -> Callable[[], object]:
        conv = f"conv_min_{i}"
        if kind == "faq":
            return lambda: self._post("/turn", conversation_id=conv, text=FAQ_QUESTIONS[i % len(FAQ_QUESTIONS)])
        if kind == "read":
            return lambda: self._post("/turn", conversation_id=conv, text="Show me invoice INV-1001")
        invoice = f"INV-{self.invoice}"
        self.invoice += 1

        def pair() -> None:
            action = self._post("/turn", conversation_id=conv, text=f"Please pay {invoice}")["action_id"]
            if self._post("/confirm", conversation_id=conv, action_id=action)["status"] != "executed":
                raise RuntimeError("minimal confirm failed")

        return pair

    def _post(self, path: str, **body: JsonValue) -> dict[str, JsonValue]:
        r = self.http.post(path, json=body)
        r.raise_for_status()
        data: dict[str, JsonValue] = r.json()
        return data


# -- measurement -----------------------------------------------------------------------------------


def measure(
    mock: MockModelServer,
    runner: Callable[[str, int], Callable[[], object]],
    samples: int,
    before: Callable[[], None] = lambda: None,
    warmup: int = 5,
) -> Samples:
    out = Samples()
    for kind in KINDS:
        for i in range(warmup + samples):
            before()
            fn = runner(kind, i)
            try:
                wall, model = _timed(mock, fn)
            except Exception as exc:  # counted and reported; the run goes on
                out.errors += 1
                print(f"  error ({kind}): {exc}", file=sys.stderr)
                continue
            if i >= warmup:
                out.overhead[kind].append(wall - model)
                out.model[kind].append(model)
    return out


def product_world(data_dir: Path, database_url: str, mock_url: str, extra_invoices: int = EXTRA_INVOICES) -> Container:
    from bootstrap.container import build_container

    container = build_container(
        settings_for(data_dir, database_url, portal_llm="openai", openai_base_url=mock_url, openai_api_key="bench")
    )
    seed_world(container, extra_invoices)
    return container


def run_store(
    label: str, data_dir: Path, database_url: str, mock: MockModelServer, mock_url: str, samples: int
) -> tuple[Samples, Samples]:
    """(product, minimal) samples on one database."""
    from knowledge.retriever import Retriever
    from service.app import create_app

    container = product_world(data_dir, database_url, mock_url)
    try:
        with UvicornThread(create_app(container)) as base:
            _ = container.runner  # built at start-up, as `portal-agent serve` does
            client = ProductClient(base)
            product = measure(mock, client.run, samples, before=client.fresh)
        retriever = Retriever(data_dir)
        with UvicornThread(minimal_app(container.billing, retriever, mock_url)) as base:
            minimal = measure(mock, MinimalClient(base).run, samples)
    finally:
        container.engine.dispose()
    print(f"  {label}: product errors {product.errors}, minimal errors {minimal.errors}")
    return product, minimal


def overhead_rows(label: str, product: Samples, minimal: Samples) -> list[Row]:
    rows: list[Row] = []
    for kind in KINDS:
        p, m = product.overhead[kind], minimal.overhead[kind]
        if not p or not m:
            rows.append(Row(f"{label}, {kind}: overhead", "no samples", "≤ 25 ms", None, False))
            continue
        per = " per pair" if kind == "propose+confirm" else " per turn"
        rows.append(
            limit_row(f"{label}, {kind}: median overhead{per} (n={len(p)})", median(p) * 1000, OVERHEAD_LIMIT_MS, " ms")
        )
        rows.append(Row(f"{label}, {kind}: p95 overhead", ms(pct(p, 95))))
        rows.append(Row(f"{label}, {kind}: minimal loop median / p95", f"{ms(median(m))} / {ms(pct(m, 95))}"))
        rows.append(
            limit_row(
                f"{label}, {kind}: product / minimal loop (medians)",
                median(p) / median(m),
                RATIO_LIMIT,
                "×",
                fmt="{:.2f}",
            )
        )
        rows.append(Row(f"{label}, {kind}: model time at the mock (median)", ms(median(product.model[kind]))))
    rows.append(
        Row(
            f"{label}: errors (product / minimal)",
            f"{product.errors} / {minimal.errors}",
            "0",
            None,
            product.errors == 0 and minimal.errors == 0,
        )
    )
    return rows


# -- tokens ----------------------------------------------------------------------------------------

TOKEN_SCRIPT = [
    FAQ_QUESTIONS[0],
    "Show me invoice INV-1001",
    "List my invoices",
    FAQ_QUESTIONS[1],
    "Which contracts do I have?",
    FAQ_QUESTIONS[2],
    "Show me invoice INV-1003",
    FAQ_QUESTIONS[3],
    "List my invoices",
    FAQ_QUESTIONS[4],
    "Show me invoice INV-1002",
    FAQ_QUESTIONS[5],
    "Which contracts do I have?",
    FAQ_QUESTIONS[0],
    "Show me invoice INV-1004",
    FAQ_QUESTIONS[1],
    "List my invoices",
    FAQ_QUESTIONS[2],
    "Show me invoice INV-1001",
    FAQ_QUESTIONS[3],
]


def body_tokens(body: ChatRequest) -> dict[str, int]:
    """o200k tokens of a Chat Completions request: system prompt, tool schemas, passages, the rest."""
    from agent.budget import PER_MESSAGE_OVERHEAD
    from knowledge.tokens import count_tokens

    parts = {"system": 0, "tools": count_tokens(json.dumps(body.get("tools") or [])), "passages": 0, "history": 0}
    for m in body["messages"]:
        content = str(m.get("content") or "")
        n = count_tokens(content) + PER_MESSAGE_OVERHEAD
        if m.get("tool_calls"):
            n += count_tokens(json.dumps(m["tool_calls"]))
        key = (
            "system"
            if m["role"] in ("system", "developer")
            else "passages"
            if m["role"] == "tool" and '"passages"' in content
            else "history"
        )
        parts[key] += n
    parts["total"] = sum(parts.values())
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60, help="measured turns per kind and store")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="mock model latency per request")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--only", choices=["overhead", "tokens"], default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.no_write:
        import os

        os.environ["PORTAL_BENCH_NO_WRITE"] = "1"
    command = "python -m bench.bench_turns " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="bench-turns-") as tmp:
        data_dir = Path(tmp)
        build_kb_index(data_dir)
        if args.only in (None, "overhead"):
            run_overhead(data_dir, args, command.strip())
        if args.only in (None, "tokens"):
            rows, notes = run_tokens(data_dir)
            append_section("Request tokens", command.strip(), rows, notes)


def run_overhead(data_dir: Path, args: argparse.Namespace, command: str) -> None:
    rows: list[Row] = []
    notes = [
        f"mock model latency {args.latency_ms:.0f} ms per request; FAQ and read turns make 2 model requests, "
        "the pair makes 2 (the confirm makes none)",
        "overhead = wall time at the HTTP client − model time measured at the mock; the minimal loop is a bare "
        "Starlette route on uvicorn: OpenAI client → domain function → OpenAI client, no auth/persistence",
    ]
    mock_server = MockModelServer(MockConfig(latency_ms=args.latency_ms))
    with mock_server as mock_url:
        product, minimal = run_store(
            "SQLite", data_dir, f"sqlite:///{data_dir / 'overhead.db'}", mock_server, mock_url, args.samples
        )
        rows += overhead_rows("SQLite", product, minimal)
        why = None if args.no_pg else pg_available()
        if args.no_pg or why:
            notes.append(f"PostgreSQL skipped: {why or '--no-pg'}")
        else:
            with pg_schema("bench_turns") as url:
                product, minimal = run_store("PostgreSQL", data_dir, url, mock_server, mock_url, args.samples)
            rows += overhead_rows("PostgreSQL", product, minimal)
    append_section("Turn overhead through the HTTP API", command, rows, notes)


def run_tokens(data_dir: Path) -> tuple[list[Row], list[str]]:
    from service.app import create_app

    server = MockModelServer(MockConfig(latency_ms=1, record_bodies=True))
    with server as mock_url:
        container = product_world(data_dir, f"sqlite:///{data_dir / 'tokens.db'}", mock_url, extra_invoices=0)
        budget = container.settings.portal_token_budget
        with UvicornThread(create_app(container)) as base:
            client = ProductClient(base)
            client.fresh()
            marks = []
            for text in TOKEN_SCRIPT:
                marks.append(len(server.state.bodies))
                client.say(text)
            bodies = list(server.state.bodies)
        container.engine.dispose()
    first = body_tokens(bodies[0])
    turn20 = [body_tokens(b) for b in bodies[marks[-1] :]]
    last = max(turn20, key=lambda t: t["total"])
    largest = max((body_tokens(b) for b in bodies), key=lambda t: t["total"])
    rows = [
        limit_row("first model request of a conversation (tokens)", first["total"], 2500, "", fmt="{:.0f}"),
        limit_row("20th turn, largest model request (tokens)", last["total"], 2500, "", fmt="{:.0f}"),
        limit_row("20th turn vs the configured budget", last["total"], budget, "", fmt="{:.0f}"),
        Row("largest request of the 20 turns (tokens)", str(largest["total"])),
    ]
    notes = [
        f"first request: system {first['system']}, tools {first['tools']}, passages {first['passages']}, "
        f"history and the new message {first['history']}",
        f"20th turn (largest of its {len(turn20)} requests): system {last['system']}, tools {last['tools']}, "
        f"passages {last['passages']}, history {last['history']}",
        f"counted from the request bodies the mock received ({len(bodies)} requests over 20 turns of one "
        "conversation: FAQ, invoice, list and contract turns alternating); o200k_base; 4 tokens of chat "
        "framing per message",
    ]
    return rows, notes


if __name__ == "__main__":
    main()

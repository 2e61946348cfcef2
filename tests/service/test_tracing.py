"""Tracing through the API with the built-in assistant (the offline planner): the span tree of a turn (HTTP ->
turn -> model requests and tool calls -> domain operations), the GenAI attributes, the request id linking spans
and logs, and no card number anywhere in a span. The SDK's in-memory exporter, on a provider built the way the
service builds its own (service/tracing.py), installed for each test and restored after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from service_kit import World
from tracing_kit import Tree, global_provider, json_logs, strings

from agent.planner import OfflinePlanner
from agent.runner import Runner
from agent.store import ConversationStore
from service.app import create_app
from service.tracing import build_provider

CARD = "4111 1111 1111 1111"  # Luhn-valid: the masking must catch it in any shape
CARD_SHAPES = (CARD, CARD.replace(" ", ""), CARD.replace(" ", "-"))
TURN, PLANNER = "invoke_agent portal-agent", "chat offline-planner"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    provider = build_provider(SimpleSpanProcessor(memory))
    with global_provider(provider):
        yield memory
    provider.shutdown()


@pytest.fixture
def app(world: World, exporter: InMemorySpanExporter) -> Any:
    """The app over the demo world with the offline planner as its model (built after the provider is set, as
    `create_served_app` does, so it is instrumented)."""
    c = world.container
    c._runner = Runner(
        c.billing, ConversationStore(c.engine), c.links, model=OfflinePlanner(), knowledge=world.knowledge
    )
    return create_app(c)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def say(client: httpx.AsyncClient, world: World, conv: str, text: str, request_id: str) -> dict[str, Any]:
    r = await client.post(
        f"/v1/conversations/{conv}/messages",
        json={"text": text},
        headers={**world.auth("alice"), "X-Request-ID": request_id},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def conversation(client: httpx.AsyncClient, world: World) -> str:
    r = await client.post("/v1/conversations", headers=world.auth("alice"))
    return str(r.json()["conversation_id"])


def request_tree(exporter: InMemorySpanExporter, request_id: str) -> Tree:
    """The spans of one HTTP request: every one of them carries its request id."""
    return Tree(
        tuple(s for s in exporter.get_finished_spans() if (s.attributes or {}).get("portal.request_id") == request_id)
    )


async def test_an_invoice_read_is_http_turn_model_requests_tool_call_and_domain_operation(client, world, exporter):
    conv = await conversation(client, world)
    exporter.clear()
    with json_logs() as logs:
        body = await say(client, world, conv, "show me INV-1001", "read-1")
    assert [c["name"] for c in body["tool_calls"]] == ["get_invoice"]
    tree = request_tree(exporter, "read-1")

    http = tree.one("POST /v1/conversations/{conversation_id}/messages")
    assert http.kind is SpanKind.SERVER and tree.parent(http) is None
    turn = tree.one(TURN)
    assert tree.parent(turn) is http
    assert turn.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert turn.attributes["gen_ai.conversation.id"] == conv
    assert turn.attributes["portal.turn.answered_by"] == "offline-planner"
    assert turn.attributes["portal.turn.tool_calls"] == 1 and turn.attributes["portal.turn.degraded"] is False

    # The planner asks for the tool, then phrases its result: two model requests, the tool call between them.
    steps = [s.name for s in tree.children(turn) if not s.name.startswith("billing.")]
    assert steps == [PLANNER, "execute_tool get_invoice", PLANNER]
    for request in tree.named(PLANNER):
        a = request.attributes
        assert (a["gen_ai.operation.name"], a["gen_ai.provider.name"], a["gen_ai.system"]) == (
            "chat",
            "offline-planner",
            "offline-planner",
        )
        assert a["gen_ai.request.model"] == "offline-planner" and request.kind is SpanKind.INTERNAL
        assert a["gen_ai.usage.input_tokens"] > 1000 and a["gen_ai.usage.output_tokens"] > 0  # prompt and tools
        assert a["portal.usage.estimated"] is True  # the planner reports no usage: counted with the budget's tokenizer
    first, last = tree.named(PLANNER)
    assert first.attributes["gen_ai.response.finish_reasons"] == ("tool_calls",)
    assert first.attributes["portal.model.tool_calls"] == ("get_invoice",)
    assert last.attributes["gen_ai.response.finish_reasons"] == ("stop",)

    tool = tree.one("execute_tool get_invoice")
    assert tool.attributes["gen_ai.tool.name"] == "get_invoice" and tool.attributes["gen_ai.tool.call.id"]
    assert tool.attributes["portal.tool.kind"] == "read" and tool.attributes["portal.tool.outcome"] == "ok"
    assert tool.attributes["portal.tool.args.invoice_id"] == "INV-1001"
    [read] = tree.children(tool)
    assert read.name == "billing.get_invoice" and read.attributes["portal.operation.outcome"] == "ok"

    # One trace; the request id on every span, and the trace id on the request's log lines.
    assert {s.context.trace_id for s in tree.spans} == {http.context.trace_id}
    access = [line for line in logs if line["logger"] == "portal_agent.access"]
    assert access and all(line["request_id"] == "read-1" for line in access)
    assert {line["trace_id"] for line in access} == {format(http.context.trace_id, "032x")}


async def test_a_refused_read_is_an_outcome_not_an_error(client, world, exporter):
    conv = await conversation(client, world)
    exporter.clear()
    await say(client, world, conv, "show me INV-2001", "refused-1")  # Carol's invoice: not found for Alice
    tree = request_tree(exporter, "refused-1")
    tool = tree.one("execute_tool get_invoice")
    assert tool.attributes["portal.tool.outcome"] == "refused"
    read = tree.one("billing.get_invoice")
    assert read.attributes["portal.operation.outcome"] == "refused"
    assert read.attributes["portal.refusal"] == "NotFound" and read.status.status_code is StatusCode.UNSET


async def test_a_payment_proposed_then_confirmed_is_traced_to_the_domain(client, world, exporter):
    conv = await conversation(client, world)
    exporter.clear()
    body = await say(client, world, conv, "pay INV-1001", "propose-1")
    action = body["pending_action"]["id"]
    tree = request_tree(exporter, "propose-1")
    turn = tree.one(TURN)
    assert turn.attributes["portal.action.id"] == action and turn.attributes["portal.action.status"] == "pending"
    tool = tree.one("execute_tool pay_invoice")
    assert tree.parent(tool) is turn
    assert tool.attributes["portal.tool.kind"] == "propose" and tool.attributes["portal.tool.outcome"] == "ok"
    propose = tree.one("billing.propose")
    assert tree.parent(propose) is tool
    assert propose.attributes["portal.operation.command"] == "pay_invoice"
    assert propose.attributes["portal.action.status"] == "pending"

    r = await client.post(
        f"/v1/conversations/{conv}/actions/{action}/confirm",
        headers={**world.auth("alice"), "X-Request-ID": "confirm-1"},
    )
    assert r.status_code == 200 and r.json()["status"] == "executed"
    tree = request_tree(exporter, "confirm-1")
    http = tree.one("POST /v1/conversations/{conversation_id}/actions/{action_id}/confirm")
    decide = tree.one("decide_action")
    assert tree.parent(decide) is http
    assert decide.attributes["portal.decision"] == "confirm" and decide.attributes["portal.action.id"] == action
    assert decide.attributes["portal.action.status"] == "executed"
    execute = tree.one("billing.execute")
    assert tree.parent(execute) is decide
    assert execute.attributes["portal.operation.command"] == "pay_invoice"
    assert execute.attributes["portal.action.status"] == "executed"
    assert execute.attributes["portal.operation.outcome"] == "ok"


async def test_a_typed_yes_executes_inside_its_turn(client, world, exporter):
    conv = await conversation(client, world)
    await say(client, world, conv, "pay INV-1001", "propose-2")
    exporter.clear()
    body = await say(client, world, conv, "yes", "yes-2")
    assert body["decided_action"]["status"] == "executed"
    tree = request_tree(exporter, "yes-2")
    turn = tree.one(TURN)
    assert not tree.named(PLANNER)  # the service decides a typed yes, never the model
    assert turn.attributes["portal.turn.answered_by"] == "service"
    assert turn.attributes["portal.action.status"] == "executed"
    assert tree.parent(tree.one("billing.execute")) is turn


async def test_a_card_number_in_a_message_reaches_no_span(client, world, exporter):
    conv = await conversation(client, world)
    exporter.clear()
    text = f"my card number is {CARD}, show me INV-1001 and pay it"
    body = await say(client, world, conv, text, "card-1")
    assert "card_update_form" in [c["name"] for c in body["tool_calls"]]  # the secure form, never the chat
    spans = exporter.get_finished_spans()
    assert len(spans) >= 5
    carried = [s for span in spans for s in strings(span)]
    assert not [s for s in carried if any(shape in s for shape in CARD_SHAPES)]
    assert not [s for s in carried if "card number is" in s]  # no message text at all, masked or not


async def test_urls_on_http_spans_are_masked_like_the_logs(client, world, exporter):
    """What other code records (the instrumentation's URL attributes) passes the same masking as the logs: a
    card number typed into a path, a download link's token."""
    exporter.clear()
    r = await client.get(f"/v1/invoices/{CARD.replace(' ', '')}", headers=world.auth("alice"))
    assert r.status_code == 404
    await client.get("/v1/links/abcdefgh.ijklmnop")
    carried = [s for span in exporter.get_finished_spans() for s in strings(span)]
    assert carried and not [s for s in carried if CARD.replace(" ", "") in s or "abcdefgh.ijklmnop" in s]
    assert any("/v1/links/<redacted>" in s for s in carried)


async def test_an_sse_turn_nests_the_same_way(client, world, exporter):
    conv = await conversation(client, world)
    exporter.clear()
    r = await client.post(
        f"/v1/conversations/{conv}/messages",
        json={"text": "show me INV-1001"},
        headers={**world.auth("alice"), "Accept": "text/event-stream", "X-Request-ID": "sse-1"},
    )
    assert r.status_code == 200 and "event: done" in r.text
    tree = request_tree(exporter, "sse-1")
    turn = tree.one(TURN)
    assert tree.parent(turn) is tree.one("POST /v1/conversations/{conversation_id}/messages")
    assert [s.name for s in tree.children(turn) if not s.name.startswith("billing.")] == [
        PLANNER,
        "execute_tool get_invoice",
        PLANNER,
    ]

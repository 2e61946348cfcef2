"""The chat API: conversations, JSON and SSE turns, the button path, masking and input errors."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from langchain_core.messages import AIMessage
from service_kit import USERS, parse_sse

from agent.scripted import say

SPEC_TURN_KEYS = {"conversation_id", "reply", "citations", "tool_calls", "pending_action", "handoff"}
SSE = {"Accept": "text/event-stream"}


async def new_conversation(client, world, who="alice") -> str:
    r = await client.post("/v1/conversations", headers=world.auth(who))
    assert r.status_code == 201
    return r.json()["conversation_id"]


async def propose_payment(client, world, who="alice") -> tuple[str, dict]:
    conv = await new_conversation(client, world, who)
    r = await client.post(
        f"/v1/conversations/{conv}/messages", json={"text": "Please pay INV-1001"}, headers=world.auth(who)
    )
    assert r.status_code == 200, r.text
    return conv, r.json()


async def invoice_status(client, world, invoice="INV-1001") -> str:
    return (await client.get(f"/v1/invoices/{invoice}", headers=world.auth("alice"))).json()["status"]


async def test_create_conversation_is_201(client, world):
    r = await client.post("/v1/conversations", headers=world.auth("alice"))
    assert r.status_code == 201 and r.json()["conversation_id"].startswith("conv_")


async def test_turn_json_has_the_spec_shape(client, world):
    conv, body = await propose_payment(client, world)
    assert SPEC_TURN_KEYS <= set(body)
    assert body["conversation_id"] == conv and body["handoff"] is None
    assert body["tool_calls"] == [{"name": "pay_invoice", "args": {"invoice_id": "INV-1001"}, "ok": True}]
    pa = body["pending_action"]
    assert pa["tool"] == "pay_invoice" and pa["args"] == {"invoice_id": "INV-1001"}
    assert pa["summary"] == "Pay USD 1,200.00 on INV-1001 with Visa ending 4242" and pa["expires_at"]
    assert await invoice_status(client, world) == "open"  # proposing changes nothing


async def test_sse_event_sequence_for_a_proposal(client, world):
    conv = await new_conversation(client, world)
    r = await client.post(
        f"/v1/conversations/{conv}/messages", json={"text": "pay INV-1001"}, headers={**world.auth("alice"), **SSE}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-cache"
    events = parse_sse(r.text)
    assert [e for e, _ in events] == ["tool", "pending_action", "token", "done"]
    tool, pending, token, done = (d for _, d in events)
    assert tool == {"name": "pay_invoice", "status": "success"}
    assert pending["summary"].startswith("Pay USD 1,200.00 on INV-1001")
    assert token == done["reply"] and SPEC_TURN_KEYS <= set(done)
    assert done["pending_action"] == pending and done["conversation_id"] == conv


async def test_sse_event_sequence_for_a_cited_answer(client, world):
    conv = await new_conversation(client, world)
    r = await client.post(
        f"/v1/conversations/{conv}/messages",
        json={"text": "How do I pay an invoice?"},
        headers={**world.auth("alice"), **SSE},
    )
    events = parse_sse(r.text)
    assert [e for e, _ in events] == ["tool", "citations", "token", "done"]
    citations = events[1][1]
    assert citations[0]["source"] == "knowledge/docs/paying-invoices.md"
    assert citations[0]["url"] == "/help/paying-invoices#how-to-pay-with-pay-now"
    assert events[3][1]["citations"] == citations and events[3][1]["pending_action"] is None
    page = await client.get(citations[0]["url"].split("#")[0])
    assert page.status_code == 200 and 'id="how-to-pay-with-pay-now"' in page.text


async def test_streamed_tokens_are_forwarded_without_a_synthetic_one(client, world):
    from agent.events import DoneEvent, TokenEvent
    from agent.results import TurnResult
    from service.api.chat import _stream_mapper
    from service.metrics import Metrics

    mapper = _stream_mapper(Metrics())
    out = mapper(TokenEvent("Hel")) + mapper(TokenEvent("lo"))
    out += mapper(DoneEvent(TurnResult("conv_x", "Hello")))
    assert [name for name, _ in out] == ["token", "token", "done"]


async def test_sse_errors_before_streaming_are_plain_json(client, world):
    r = await client.post(
        "/v1/conversations/conv_nope/messages", json={"text": "hi"}, headers={**world.auth("alice"), **SSE}
    )
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert r.json()["kind"] == "not_found"


async def test_sse_error_midway_is_an_error_event(client, world):
    from service_kit import tool_call

    conv = await new_conversation(client, world)

    def boom(_messages):
        raise RuntimeError("model exploded at /v1/links/secret.token")

    world.model.steps = [tool_call("search_knowledge", query="pay"), boom]
    r = await client.post(
        f"/v1/conversations/{conv}/messages", json={"text": "hello"}, headers={**world.auth("alice"), **SSE}
    )
    assert r.status_code == 200
    events = parse_sse(r.text)
    assert [e for e, _ in events] == ["tool", "error"]
    assert events[-1][1]["http_status"] == 500 and events[-1][1]["message"]
    assert "exploded" not in r.text  # internals are logged, not sent


async def test_unexpected_failure_before_streaming_is_a_500_json(world):
    from service.app import create_app

    def boom(_messages):
        raise RuntimeError("model exploded")

    world.model.steps = [boom]
    transport = httpx.ASGITransport(app=create_app(world.container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        conv = await new_conversation(client, world)
        for headers in ({}, SSE):
            world.model.steps = [boom]
            r = await client.post(
                f"/v1/conversations/{conv}/messages", json={"text": "hello"}, headers={**world.auth("alice"), **headers}
            )
            assert r.status_code == 500 and r.json()["error"] == "internal_error" and r.json()["message"]
            assert "exploded" not in r.text


@pytest.mark.parametrize("accept", [SSE, {}], ids=["sse", "json"])
async def test_a_slow_turn_does_not_block_the_event_loop(client, world, accept):
    # No clock in this test: the model step holds until the test releases it, after other requests
    # were answered. A turn that blocked the event loop would keep them from being answered, the step
    # would give up waiting and the reply would say so.
    conv = await new_conversation(client, world)
    entered, release = threading.Event(), threading.Event()

    def held(_messages):
        entered.set()
        return AIMessage(content="finally" if release.wait(30) else "the loop was blocked")

    world.model.steps = [held]
    turn = asyncio.create_task(
        client.post(
            f"/v1/conversations/{conv}/messages", json={"text": "hello"}, headers={**world.auth("alice"), **accept}
        )
    )
    assert await asyncio.to_thread(entered.wait, 30)  # the turn is now inside the model step
    health = await client.get("/healthz")
    other_user = await client.get("/v1/me", headers=world.auth("bob"))
    assert health.status_code == 200 and other_user.status_code == 200
    assert not turn.done() and not release.is_set()
    release.set()
    response = await turn
    reply = parse_sse(response.text)[-1][1]["reply"] if accept else response.json()["reply"]
    assert reply == "finally"


async def test_confirm_executes_once_then_409(client, world):
    conv, body = await propose_payment(client, world)
    action = body["pending_action"]["id"]
    url = f"/v1/conversations/{conv}/actions/{action}"
    first = await client.post(f"{url}/confirm", headers=world.auth("alice"))
    assert first.status_code == 200, first.text
    result = first.json()
    assert set(result) >= {"conversation_id", "action_id", "status", "result", "reply"}
    assert result["status"] == "executed" and result["action_id"] == action
    assert result["result"]["confirmation_number"] in result["reply"]
    assert await invoice_status(client, world) == "processing"
    again = await client.post(f"{url}/confirm", headers=world.auth("alice"))
    assert again.status_code == 409 and again.json()["status"] == "executed" and again.json()["message"]
    reject = await client.post(f"{url}/reject", headers=world.auth("alice"))
    assert reject.status_code == 409


async def test_reject_changes_nothing(client, world):
    conv, body = await propose_payment(client, world)
    r = await client.post(
        f"/v1/conversations/{conv}/actions/{body['pending_action']['id']}/reject", headers=world.auth("alice")
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert await invoice_status(client, world) == "open"
    state = (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).json()
    assert state["pending_actions"] == []


async def test_other_users_and_unknown_actions_are_404(client, world):
    conv, body = await propose_payment(client, world)
    action = body["pending_action"]["id"]
    bob = world.auth("bob")
    r = await client.post(f"/v1/conversations/{conv}/actions/{action}/confirm", headers=bob)
    assert r.status_code == 404
    bobs_conv = await new_conversation(client, world, "bob")
    r = await client.post(f"/v1/conversations/{bobs_conv}/actions/{action}/confirm", headers=bob)
    assert r.status_code == 404
    r = await client.post(f"/v1/conversations/{conv}/actions/act_unknown/confirm", headers=world.auth("alice"))
    assert r.status_code == 404
    assert await invoice_status(client, world) == "open"
    still = await client.post(f"/v1/conversations/{conv}/actions/{action}/confirm", headers=world.auth("alice"))
    assert still.status_code == 200 and still.json()["status"] == "executed"


async def test_expired_action_is_409(client, world):
    conv, body = await propose_payment(client, world)
    world.clock.advance(minutes=16)
    r = await client.post(
        f"/v1/conversations/{conv}/actions/{body['pending_action']['id']}/confirm", headers=world.auth("alice")
    )
    assert r.status_code == 409 and r.json()["status"] == "expired"
    assert await invoice_status(client, world) == "open"


async def test_typed_yes_confirms_and_is_counted(client, world):
    conv, _ = await propose_payment(client, world)
    r = await client.post(f"/v1/conversations/{conv}/messages", json={"text": "yes"}, headers=world.auth("alice"))
    assert r.json()["decided_action"]["status"] == "executed" and "Confirmation number" in r.json()["reply"]
    metrics = (await client.get("/metrics")).text
    assert 'portal_confirmations_total{decision="typed",operation="",status="executed",via="chat"} 1.0' in metrics


async def test_get_conversation_masks_card_numbers_and_hides_other_users(client, world):
    conv = await new_conversation(client, world)
    world.model.steps = [say("Please never share card numbers in chat.")]
    await client.post(
        f"/v1/conversations/{conv}/messages",
        json={"text": "my card is 4111 1111 1111 1111"},
        headers=world.auth("alice"),
    )
    assert all("4111 1111 1111 1111" not in str(m.content) for m in world.model.requests[-1])
    r = await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))
    body = r.json()
    assert body["conversation_id"] == conv and body["channel"] == "web" and body["pending_actions"] == []
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert "4111" not in body["messages"][0]["content"] and "ending 1111" in body["messages"][0]["content"]
    assert "4111 1111 1111 1111" not in world.db_path.read_bytes().decode("latin-1")
    theirs = await client.get(f"/v1/conversations/{conv}", headers=world.auth("bob"))
    unknown = await client.get("/v1/conversations/conv_000000000000000000000000", headers=world.auth("bob"))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.text.replace(conv, "<id>") == unknown.text.replace("conv_000000000000000000000000", "<id>")


async def test_messages_to_someone_elses_conversation_are_404(client, world):
    conv = await new_conversation(client, world)
    r = await client.post(f"/v1/conversations/{conv}/messages", json={"text": "hi"}, headers=world.auth("bob"))
    assert r.status_code == 404


async def test_invalid_messages_are_422(client, world):
    conv = await new_conversation(client, world)
    h = world.auth("alice")
    cases = [
        {"json": {}},
        {"json": {"text": ""}},
        {"json": {"text": "x" * 4001}},
        {"json": {"text": "hi", "as_user": USERS["bob"]}},
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"json": {"text": "   "}},
    ]
    for case in cases:
        headers = {**h, **case.pop("headers", {})}
        r = await client.post(f"/v1/conversations/{conv}/messages", headers=headers, **case)
        assert r.status_code == 422, (case, r.text)
        assert r.json()["message"] and "error" in r.json()
    assert "x" * 50 not in r.text


async def test_oversized_bodies_are_413(client, world):
    conv = await new_conversation(client, world)
    h = {**world.auth("alice"), "Content-Type": "application/json"}
    big = b'{"text": "' + b"a" * (70 * 1024) + b'"}'
    r = await client.post(f"/v1/conversations/{conv}/messages", content=big, headers=h)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large" and r.json()["message"]

    async def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(80):
            yield b"a" * 1024

    r = await client.post(f"/v1/conversations/{conv}/messages", content=chunks(), headers=h)
    assert r.status_code == 413 and r.json()["message"]
    state = (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).json()
    assert state["messages"] == []


async def test_metrics_count_turns_tools_latency_and_tokens(client, world):
    conv = await new_conversation(client, world)
    await client.post(
        f"/v1/conversations/{conv}/messages", json={"text": "How do I pay?"}, headers={**world.auth("alice"), **SSE}
    )
    await propose_payment(client, world)
    text = (await client.get("/metrics")).text
    assert 'portal_turns_total{channel="web",degraded="false",outcome="answer"} 1.0' in text
    assert 'portal_turns_total{channel="web",degraded="false",outcome="pending_action"} 1.0' in text
    assert 'portal_tool_calls_total{ok="true",tool="search_knowledge"} 1.0' in text
    assert 'portal_model_latency_seconds_count{model="scripted"} 2.0' in text
    assert 'portal_model_tokens_total{direction="input",model="scripted"} 120.0' in text
    assert 'portal_http_requests_total{method="POST",route="/v1/conversations",status="201"}' in text


@pytest.mark.parametrize("accept", [SSE, {}], ids=["sse", "json"])
async def test_more_turns_than_the_default_thread_pools_hold_run_at_once(world, accept):
    # SSE turns run in asyncio's default executor (min(32, cores + 4) threads: 6 on a 2-core host), JSON
    # turns in anyio's threads (40). Unless the app's lifespan sizes both, some of these 45 turns wait for
    # a free thread, the barrier that every model step waits at never fills, and the steps say so.
    from service.app import create_app

    turns = 45
    barrier = threading.Barrier(turns, timeout=30)

    def together(_messages):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return AIMessage(content="ran alone")
        return AIMessage(content="ran together")

    world.model.steps = [together] * turns
    app = create_app(world.container)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            convs = [await new_conversation(client, world) for _ in range(turns)]
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"/v1/conversations/{c}/messages",
                        json={"text": "hello"},
                        headers={**world.auth("alice"), **accept},
                    )
                    for c in convs
                )
            )
    replies = [parse_sse(r.text)[-1][1]["reply"] if accept else r.json()["reply"] for r in responses]
    assert replies == ["ran together"] * turns

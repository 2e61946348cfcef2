"""Card numbers in every input path (chat text, SSE, API bodies, query strings, path ids, headers, the
card form, and the OpenAI-compatible wire to the model) are never stored (whole database scanned),
never logged (every record formatted as the service writes it) and never sent to the model."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import httpx
import pytest
from rkit import CARDS, card_hits, dump_all_text, report

from agent.models import ModelConfig, build_models
from bench.mock_model import MockConfig, MockModelServer
from billing.principal import Principal
from service.app import create_app
from service.logging import JsonFormatter
from tests.service.service_kit import make_world, parse_sse


@pytest.fixture
def written_logs():
    """Everything logged anywhere in the process, at DEBUG, exactly as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_card_numbers_in_every_http_input_path(tmp_path: Path, written_logs):
    world = make_world(tmp_path, portal_env="production")
    app = create_app(world.container)
    alice = world.auth("alice")
    paths: dict[str, int] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        conv = (await client.post("/v1/conversations", headers=alice)).json()["conversation_id"]
        for card in CARDS:
            says = [
                f"my card is {card}, pay INV-1001 with it",
                f"{card}",
                f"card {card} exp 12/30 cvc 123",
                f"pay INV-1001 using {card} please",
                f"{card} 123 (that is the cvc)",
                f"order 42 {card} 404",
            ]
            for text in says:
                r = await client.post(f"/v1/conversations/{conv}/messages", json={"text": text}, headers=alice)
                assert r.status_code == 200 and not card_hits(r.text), r.text
                paths["chat json"] = paths.get("chat json", 0) + 1
            r = await client.post(
                f"/v1/conversations/{conv}/messages",
                json={"text": f"is {card} on file?"},
                headers={**alice, "Accept": "text/event-stream"},
            )
            assert r.status_code == 200 and parse_sse(r.text)[-1][0] == "done" and not card_hits(r.text)
            paths["chat sse"] = paths.get("chat sse", 0) + 1
            bodies = [
                ("POST", f"/v1/conversations/{conv}/messages", {"text": "hi", "card": card}),
                ("POST", f"/v1/conversations/{conv}/messages", {"text": card * 300}),
                ("POST", "/v1/conversations", {"card_number": card}),
            ]
            for method, path, body in bodies:
                r = await client.request(method, path, json=body, headers=alice)
                assert r.status_code < 500 and not card_hits(r.text), (path, r.text[:300])
                paths["api bodies"] = paths.get("api bodies", 0) + 1
            digits = card.replace(" ", "").replace("-", "")
            for path in (
                f"/v1/invoices?contract_id={digits}",
                f"/v1/invoices?status={digits}",
                f"/v1/conversations/{conv}?card={card}",
                f"/v1/me?number={digits}",
            ):
                r = await client.get(path, headers=alice)  # a 404 may name the id the caller sent: no leak
                assert r.status_code < 500, (path, r.text[:300])
                paths["query strings"] = paths.get("query strings", 0) + 1
            for path in (f"/v1/invoices/{digits}", f"/v1/contracts/{digits}", f"/v1/conversations/{digits}"):
                r = await client.get(path, headers=alice)
                assert r.status_code == 404
                paths["path ids"] = paths.get("path ids", 0) + 1
            r = await client.get(
                "/v1/me",
                headers={
                    **alice,
                    "X-Request-ID": digits,
                    "User-Agent": card,
                    "X-Card": card,
                    "Referer": f"https://x.example/?cc={digits}",
                },
            )
            assert r.status_code == 200
            paths["headers"] = paths.get("headers", 0) + 1
        # The secure card form: the one place a card number may enter. Only a token and last 4 remain.
        form = world.container.links.path("card_form", "C-1001", "alice@acme.example")
        r = await client.post(
            form,
            content=f"number={CARDS[0]}&expiry=12/30&cvc=123&conversation={conv}".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200 and r.json()["pending_action"]["tool"] == "update_card"
        paths["card form"] = 1

    stored = dump_all_text(world.container.engine)
    sent = json.dumps([[m.content for m in request] for request in world.model.requests])
    logged = written_logs.getvalue()
    assert stored and sent and logged  # each channel really carried the traffic
    assert "card number ending 1111 removed" in stored and "ending 1111 removed" in sent
    assert card_hits(stored) == [], "card number stored in the database"
    assert card_hits(sent) == [], "card number sent to the model"
    assert card_hits(logged) == [], "card number written to the logs"
    report(
        "card_numbers_http",
        cards=len(CARDS),
        requests_per_path=paths,
        stored=0,
        logged=0,
        sent_to_model=0,
        model_requests=len(world.model.requests),
        log_bytes=len(logged),
    )
    world.container.engine.dispose()


def test_card_numbers_never_reach_the_openai_wire(world, written_logs):
    """Through the real OpenAI client to the loopback mock: the request bodies on the wire are clean."""
    alice = Principal("alice@acme.example", "web")
    mock = MockModelServer(MockConfig(latency_ms=1, record_bodies=True))
    with mock as base_url:
        primary, fallback = build_models(
            ModelConfig("openai", "mock-model", "sk-test-not-a-real-key-0000000", base_url, timeout=30)
        )  # generous: only the wire is under test
        runner = world.runner(primary, fallback)
        conv = runner.start_conversation(alice)
        for card in CARDS:
            for text in (f"pay INV-1001 with {card}", f"what is {card}?", f"show INV-1001 {card}"):
                result = runner.run_turn(alice, conv.id, text)
                # A model that does not offer the secure card form is overruled by the built-in assistant,
                # which does (agent/runner.py, _unsupported); any other fallback would be a failure here.
                assert (not result.degraded or result.guard == ["unsupported_answer"]) and not card_hits(result.reply)
                assert any(link["kind"] == "card_form" for link in result.links) or not result.degraded
    bodies = list(mock.state.bodies)
    assert len(bodies) >= 2 * 3 * len(CARDS), "the model was not called"
    wire = json.dumps(bodies)
    assert "removed]" in wire and card_hits(wire) == []
    assert card_hits(dump_all_text(world.engine)) == [] and card_hits(written_logs.getvalue()) == []
    report("card_numbers_model_wire", cards=len(CARDS), model_requests=len(bodies), sent_to_model=0)

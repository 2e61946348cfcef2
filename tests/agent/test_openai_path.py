"""The OpenAI-compatible back end end to end against recorded Chat Completions shapes (respx)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from agent.events import DoneEvent, PendingActionEvent, TokenEvent
from agent.models import ModelConfig, openai_model
from agent.scripted import ScriptedChatModel, say
from tests.agent.conftest import ALICE
from tests.agent.openai_fakes import BASE_URL, error, respond, tool_call

CFG = ModelConfig("openai", "gpt-4.1-mini", "sk-test-not-a-real-key-000000", BASE_URL, timeout=2.0, max_retries=2)


@pytest.fixture
def api():
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        yield mock


def _bodies(route: respx.Route) -> list[dict]:
    return [json.loads(c.request.content) for c in route.calls]


def test_tool_call_then_answer_streams_and_proposes(world, api):
    replies = iter(
        [
            lambda r: respond(r, tool_calls=[tool_call("pay_invoice", invoice_id="INV-1001")]),
            lambda r: respond(r, content="Please confirm paying USD 1,200.00 on INV-1001."),
        ]
    )
    route = api.post("/chat/completions").mock(side_effect=lambda r: next(replies)(r))
    runner = world.runner(openai_model(CFG))
    conv = runner.start_conversation(ALICE)

    events = list(runner.iter_turn(ALICE, conv.id, "pay INV-1001"))

    assert route.call_count == 2
    first, second = _bodies(route)
    assert first["stream"] is True and first["model"] == "gpt-4.1-mini"
    assert {t["function"]["name"] for t in first["tools"]} >= {"pay_invoice", "search_knowledge"}
    assert second["messages"][-1]["role"] == "tool" and "proposed" in second["messages"][-1]["content"]
    kinds = [type(e) for e in events]
    assert kinds.count(TokenEvent) >= 3 and kinds[-2:] == [PendingActionEvent, DoneEvent]
    assert isinstance(events[-1], DoneEvent)
    result = events[-1].result
    assert result.pending_action["tool"] == "pay_invoice" and not result.degraded
    assert result.usage["input_tokens"] == 812 * 2 and result.usage["output_tokens"] == 23 * 2


def test_several_tool_calls_in_one_response(world, api):
    replies = iter(
        [
            lambda r: respond(
                r,
                tool_calls=[
                    tool_call("get_invoice", "call_a", invoice_id="INV-1001"),
                    tool_call("get_contract", "call_b", contract_id="C-1001"),
                ],
            ),
            lambda r: respond(r, content="INV-1001 is open; C-1001 renews automatically."),
        ]
    )
    route = api.post("/chat/completions").mock(side_effect=lambda r: next(replies)(r))
    runner = world.runner(openai_model(CFG))
    conv = runner.start_conversation(ALICE)
    result = runner.run_turn(ALICE, conv.id, "show INV-1001 and its contract")
    assert route.call_count == 2
    tool_messages = [m for m in _bodies(route)[1]["messages"] if m["role"] == "tool"]
    assert {m["tool_call_id"] for m in tool_messages} == {"call_a", "call_b"}
    assert sorted(c["name"] for c in result.tool_calls) == ["get_contract", "get_invoice"]  # run in parallel
    assert result.reply.startswith("INV-1001 is open")


@pytest.mark.parametrize("status", [429, 500])
def test_transient_errors_are_retried(world, api, status):
    replies = iter([lambda r: error(status), lambda r: respond(r, content="Here you go.")])
    route = api.post("/chat/completions").mock(side_effect=lambda r: next(replies)(r))
    runner = world.runner(openai_model(CFG), ScriptedChatModel(steps=[say("offline answer")]))
    conv = runner.start_conversation(ALICE)
    result = runner.run_turn(ALICE, conv.id, "hello")
    assert route.call_count == 2
    assert result.reply == "Here you go." and not result.degraded


def test_timeout_falls_back_to_the_offline_model_and_says_so(world, api):
    route = api.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("slow model"))
    fallback = ScriptedChatModel(steps=[say("I can still help with that.")])
    runner = world.runner(openai_model(CFG), fallback)
    conv = runner.start_conversation(ALICE)
    result = runner.run_turn(ALICE, conv.id, "hello")
    assert route.call_count == 1 + CFG.max_retries
    assert result.degraded and result.model == "scripted"
    assert result.reply.startswith("(The assistant model is unavailable") and "I can still help" in result.reply


def test_persistent_500_falls_back_too(world, api):
    route = api.post("/chat/completions").mock(return_value=error(500))
    runner = world.runner(openai_model(CFG), ScriptedChatModel(steps=[say("Offline answer.")]))
    conv = runner.start_conversation(ALICE)
    result = runner.run_turn(ALICE, conv.id, "hello")
    assert route.call_count == 3 and result.degraded


def test_history_is_sent_on_the_next_turn(world, api):
    replies = iter([lambda r: respond(r, content="Hi Alice."), lambda r: respond(r, content="Again.")])
    route = api.post("/chat/completions").mock(side_effect=lambda r: next(replies)(r))
    runner = world.runner(openai_model(CFG))
    conv = runner.start_conversation(ALICE)
    runner.run_turn(ALICE, conv.id, "hello")
    runner.run_turn(ALICE, conv.id, "hello again")
    roles = [(m["role"], m.get("content")) for m in _bodies(route)[1]["messages"]]
    assert roles[0][0] == "system" and roles[1:] == [
        ("user", "hello"),
        ("assistant", "Hi Alice."),
        ("user", "hello again"),
    ]

"""The requests that skip the OpenAI SDK's body transform carry the SDK's JSON body (keys in another order)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from openai import OpenAI
from openai.resources.chat.completions import Completions
from openai_fakes import BASE_URL, respond, tool_call

from agent.models import ModelConfig, openai_model, tool_schema
from agent.openai_wire import PlainCompletions
from agent.prompts import policy_prompt
from tools.registry import ALL_TOOLS

HISTORY = [
    SystemMessage(policy_prompt()),
    HumanMessage("Show me INV-1001 — and the PO, s'il vous plaît"),
    AIMessage("", tool_calls=[{"id": "call_1", "name": "get_invoice", "args": {"invoice_id": "INV-1001"}}]),
    ToolMessage('{"id": "INV-1001", "balance": "1200.00", "po_number": null}', tool_call_id="call_1"),
    AIMessage("INV-1001 has a balance of $1,200.00 and no PO number."),
    HumanMessage("ok thanks"),
]


def _payload(stream: bool) -> dict:
    model = openai_model(ModelConfig(llm="openai", api_key="sk-test", base_url=BASE_URL))
    bound = model.bind_tools(ALL_TOOLS)
    extra = {"stream": True, "stream_options": {"include_usage": True}} if stream else {}
    return model._get_request_payload(HISTORY, **bound.kwargs, **extra)


def _sent(resource: Completions, payload: dict) -> httpx.Request:
    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions").mock(side_effect=lambda request: respond(request, "fine"))
        response = resource.create(**payload)
        if payload.get("stream"):
            assert [c for c in response]  # the stream parses
        else:
            assert response.choices[0].message.content == "fine"
        assert route.call_count == 1
        return route.calls.last.request


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_the_body_is_the_sdk_body(stream):
    client = OpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0)
    payload = _payload(stream)
    assert len(payload["tools"]) == len(ALL_TOOLS) and len(payload["messages"]) == len(HISTORY)
    ours, sdk = _sent(PlainCompletions(client), payload), _sent(client.chat.completions, payload)
    assert json.loads(ours.content) == json.loads(sdk.content)
    assert json.loads(ours.content)["messages"][2]["tool_calls"][0]["function"]["name"] == "get_invoice"
    for header in ("authorization", "content-type", "accept", "user-agent"):
        assert ours.headers.get(header) == sdk.headers.get(header), header


def test_the_model_sends_through_the_plain_resource_and_parses_tool_calls():
    model = openai_model(ModelConfig(llm="openai", api_key="sk-test", base_url=BASE_URL, max_retries=0))
    assert isinstance(model.client, PlainCompletions)
    with respx.mock(base_url=BASE_URL) as mock:
        route = mock.post("/chat/completions").mock(
            side_effect=lambda request: respond(request, None, [tool_call("get_invoice", invoice_id="INV-1001")])
        )
        message = model.bind_tools(ALL_TOOLS).invoke([HumanMessage("show INV-1001")])
        streamed = list(model.bind_tools(ALL_TOOLS).stream([HumanMessage("show INV-1001")]))
    assert route.call_count == 2
    assert message.tool_calls[0]["name"] == "get_invoice" and message.tool_calls[0]["args"] == {
        "invoice_id": "INV-1001"
    }
    assert sum(streamed[1:], streamed[0]).tool_calls[0]["args"] == {"invoice_id": "INV-1001"}


def test_a_body_without_messages_or_model_is_refused_before_sending():
    client = OpenAI(api_key="sk-test", base_url=BASE_URL, max_retries=0)
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as mock:
        route = mock.post("/chat/completions")
        with pytest.raises(TypeError):
            PlainCompletions(client).create(model="gpt-4.1-mini")
        with pytest.raises(TypeError):
            PlainCompletions(client).create(messages=[{"role": "user", "content": "hi"}])
    assert route.call_count == 0


def test_tool_schemas_are_converted_once_and_unchanged():
    tool = ALL_TOOLS[0]
    assert tool_schema(tool) is tool_schema(tool)
    assert tool_schema(tool) == convert_to_openai_tool(tool)
    # What the model binds (once per agent loop) is the cached schema, not a new one.
    model = openai_model(ModelConfig(llm="openai", api_key="sk-test", base_url=BASE_URL))
    assert all(bound is tool_schema(t) for bound, t in zip(model.bind_tools(ALL_TOOLS).kwargs["tools"], ALL_TOOLS))

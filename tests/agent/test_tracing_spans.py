"""The agent's spans on the runner alone (no HTTP): a remote model that fails and the fallback that answers,
usage as a model reports it, tool calls the model got wrong, and what a remote model's span says about it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from agent.genai_spans import describe, start_model_request
from agent.models import ModelConfig, openai_model
from agent.planner import OfflinePlanner
from agent.scripted import ScriptedChatModel, call
from tests.agent.conftest import ALICE
from tests.service.tracing_kit import Tree, memory_spans

TURN = "invoke_agent portal-agent"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    with memory_spans() as memory:
        yield memory


def test_a_failed_remote_model_and_its_fallback(world: Any, exporter: InMemorySpanExporter) -> None:
    timeout = openai.APITimeoutError(httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
    runner = world.runner(ScriptedChatModel(fail_with=timeout), OfflinePlanner())
    assert runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "show my invoices").degraded
    tree = Tree(exporter.get_finished_spans())
    turn = tree.one(TURN)
    assert turn.attributes["portal.turn.degraded"] is True
    assert turn.attributes["portal.turn.answered_by"] == "offline-planner"
    [replaced] = turn.events
    assert replaced.name == "portal.reply_replaced" and replaced.attributes["portal.reasons"] == ("model_failed",)
    failed = tree.one("chat scripted")
    assert tree.parent(failed) is turn
    assert failed.status.status_code is StatusCode.ERROR and failed.attributes["error.type"] == "APITimeoutError"
    assert not failed.events  # the exception's message is not recorded: it may quote the request
    assert len(tree.named("chat offline-planner")) == 2  # the fallback's tool call and its answer


def test_usage_a_model_reports_is_used_as_reported(world: Any, exporter: InMemorySpanExporter) -> None:
    usage = {"input_tokens": 321, "output_tokens": 12, "total_tokens": 333}
    runner, _ = world.scripted(AIMessage("Hello! How can I help?", usage_metadata=usage))
    runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "hello")
    request = Tree(exporter.get_finished_spans()).one("chat scripted")
    a = request.attributes
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (321, 12)
    assert a["portal.usage.estimated"] is False


def test_tool_calls_the_model_got_wrong_are_invalid(world: Any, exporter: InMemorySpanExporter) -> None:
    runner, _ = world.scripted(
        call("get_invoice"),  # its required invoice_id missing
        call("drop_tables", invoice_id="INV-1001"),  # no such tool
        AIMessage("Sorry, I could not look that up."),
    )
    runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "show me INV-1001")
    tree = Tree(exporter.get_finished_spans())
    missing, unknown = tree.one("execute_tool get_invoice"), tree.one("execute_tool drop_tables")
    assert missing.attributes["portal.tool.outcome"] == unknown.attributes["portal.tool.outcome"] == "invalid"
    assert "portal.tool.kind" not in unknown.attributes and not tree.children(missing)  # no domain call


def test_a_remote_model_is_a_client_span_naming_its_server() -> None:
    config = ModelConfig("openai", "qwen2.5-coder-1.5b-instruct", "local", "http://127.0.0.1:8082/v1")
    info = describe(openai_model(config))
    assert info.remote and info.provider == "openai"
    assert dict(info.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "qwen2.5-coder-1.5b-instruct",
        "server.address": "127.0.0.1",
        "server.port": 8082,
        "gen_ai.request.max_tokens": 600,
        "gen_ai.request.temperature": 0.0,
    }
    with memory_spans() as memory:
        start_model_request(info).end()
    [span] = memory.get_finished_spans()
    assert span.name == "chat qwen2.5-coder-1.5b-instruct" and span.kind is SpanKind.CLIENT

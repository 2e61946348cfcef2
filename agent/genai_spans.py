"""Spans of each model request and each tool call, with the GenAI semantic conventions' attributes.

Names and values only: the model, its provider, token counts, finish reasons, the names of the tools it
asked for; for a tool call its name, kind, outcome and the ids among its arguments. No message content and
no other argument values (e-mails, PO numbers, addresses) are ever set: "content capture" is not offered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolCall, ToolMessage
from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import AttributeValue

from agent.tracing import tracer
from tools.context import ToolCallRecord

# Providers by LangChain's model type; any other model (the built-in planner, a scripted test model) is its
# own provider, named by its type, with its own model name ("offline-planner").
PROVIDERS = {"openai-chat": "openai"}
SAFE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")  # INV-1001, C-1001, act_…: what an id looks like


@dataclass(frozen=True)
class ModelInfo:
    """What the spans say about a model, read once per agent loop."""

    provider: str
    model: str
    remote: bool
    attributes: Mapping[str, AttributeValue]


def describe(model: BaseChatModel) -> ModelInfo:
    kind = str(getattr(model, "_llm_type", "model"))
    provider = PROVIDERS.get(kind, kind)
    name = str(getattr(model, "model_name", None) or kind)
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,  # the attribute's older name, still read by some back ends
        "gen_ai.request.model": name,
    }
    remote = kind in PROVIDERS
    if remote:
        attributes.update(_server(getattr(model, "openai_api_base", None)))
        for option, key in (("max_tokens", "gen_ai.request.max_tokens"), ("temperature", "gen_ai.request.temperature")):
            value = getattr(model, option, None)
            if isinstance(value, (int, float)):
                attributes[key] = value
    return ModelInfo(provider, name, remote, attributes)


def _server(base_url: object) -> dict[str, AttributeValue]:
    """Where a remote model answers (host and port only: a URL may carry credentials)."""
    parsed = urlparse(str(base_url or "https://api.openai.com/v1"))
    found: dict[str, AttributeValue] = {"server.address": parsed.hostname or ""}
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    found["server.port"] = port
    return found


def start_model_request(info: ModelInfo) -> Span:
    """`chat {model}`: a client span for a remote model, internal for one that runs in this process."""
    kind = SpanKind.CLIENT if info.remote else SpanKind.INTERNAL
    return tracer().start_span(f"chat {info.model}", kind=kind, attributes=info.attributes)


def record_reply(span: Span, reply: AIMessage, estimate: Callable[[], tuple[int, int]]) -> None:
    """Usage as the model reported it; a model that reports none (the built-in planner) gets the request's and
    the reply's tokens counted here, with the tokenizer the budget uses, and says so (`portal.usage.estimated`)."""
    if not span.is_recording():
        return
    usage = reply.usage_metadata
    if usage:
        tokens_in, tokens_out, estimated = int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0)), False
    else:
        (tokens_in, tokens_out), estimated = estimate(), True
    meta = reply.response_metadata or {}
    finish = meta.get("finish_reason") or ("tool_calls" if reply.tool_calls else "stop")
    attributes: dict[str, AttributeValue] = {
        "gen_ai.usage.input_tokens": tokens_in,
        "gen_ai.usage.output_tokens": tokens_out,
        "portal.usage.estimated": estimated,
        "gen_ai.response.finish_reasons": [str(finish)],
        "portal.model.tool_calls": [c["name"] for c in reply.tool_calls],
    }
    if isinstance(meta.get("model_name"), str):
        attributes["gen_ai.response.model"] = meta["model_name"]
    span.set_attributes(attributes)


def start_tool_call(call: ToolCall, kind: str | None) -> Span:
    """`execute_tool {name}`; the arguments are recorded after the call, from the masked record (`record_tool`)."""
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": call["name"],
        "gen_ai.tool.type": "function",
        "gen_ai.tool.call.id": call.get("id") or "",
    }
    if kind:
        attributes["portal.tool.kind"] = kind
    return tracer().start_span(f"execute_tool {call['name']}", kind=SpanKind.INTERNAL, attributes=attributes)


def record_tool(span: Span, result: ToolMessage, records: Sequence[ToolCallRecord]) -> None:
    """Outcome: ok, refused (a domain rule said no: the domain's span names it) or invalid (an unknown tool or
    arguments that do not fit its schema; the model is asked to correct them)."""
    if not span.is_recording():
        return
    record = records[-1] if records else None
    if record is not None:
        outcome = "ok" if record.ok else "refused"
        span.set_attributes(_ids(record.args))
    else:
        outcome = "invalid" if result.status == "error" else "ok"
    span.set_attribute("portal.tool.outcome", outcome)


def _ids(args: Mapping[str, object]) -> dict[str, AttributeValue]:
    """The arguments that are ids (invoice_id, contract_ids), and only values shaped like one."""
    found: dict[str, AttributeValue] = {}
    for key, value in args.items():
        if not key.endswith(("_id", "_ids")):
            continue
        values = value if isinstance(value, list) else [value]
        ids = [v for v in values if isinstance(v, str) and SAFE_ID.match(v)]
        if ids:
            found[f"portal.tool.args.{key}"] = ids if isinstance(value, list) else ids[0]
    return found

"""The agent loop: ask the model, run the tools it calls, give it their results, until it answers.

LangChain's chat models and tools, without a graph around them. `langchain.agents.create_agent`
compiles a LangGraph graph whose channels, checkpoints and per-step thread pool cost more CPU per
turn than the loop's own work (measured side by side: BENCHMARKS.md, issue 16); a turn here needs
none of them: no resumable state (the conversation store is the record), no interrupts, no
parallel tool threads (each tool is one short domain call).

What the graph did that matters is kept: the system prompt before every model call, a tool call
with invalid arguments or an unknown name answered with an error the model can correct, the
turn's deadline given to each model call, and a bound on the number of model calls.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
    message_chunk_to_message,
)
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import ValidationError

from agent import genai_spans, tracing
from agent.budget import message_tokens, tools_tokens
from agent.deadline import time_left
from agent.errors import EmptyAnswer, TooManySteps
from agent.events import TokenEvent, ToolEvent, TurnEvent
from knowledge.tokens import count_tokens
from tools.context import AgentContext, ToolRun

MAX_MODEL_CALLS = 12  # a turn that has not answered after this many calls is not going to
INVALID_ARGS = "Error invoking tool '{name}' with arguments {args}: {error}\n Please fix the error and try again."
UNKNOWN_TOOL = "Error: {name} is not a valid tool, try one of [{names}]."


@dataclass
class AgentLoop:
    """One model with its tools bound (once); `run` is a turn."""

    model: BaseChatModel
    tools: Sequence[BaseTool]
    system_prompt: str
    timed: bool = False  # give each model call what is left of the turn's deadline (remote models)
    _bound: Runnable[Any, BaseMessage] = field(init=False, repr=False)
    _by_name: dict[str, BaseTool] = field(init=False, repr=False)
    _info: genai_spans.ModelInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._bound = self.model.bind_tools(list(self.tools))
        self._by_name = {t.name: t for t in self.tools}
        self._info = genai_spans.describe(self.model)
        self._fixed_tokens: int | None = None

    def run(
        self, inputs: list[BaseMessage], ctx: AgentContext, *, stream_tokens: bool = False
    ) -> Generator[TurnEvent, None, list[BaseMessage]]:
        """Yields the answer's tokens and each finished tool (when streaming); returns the messages of the
        turn, inputs included."""
        messages = list(inputs)
        for _ in range(MAX_MODEL_CALLS):
            reply = yield from self._ask(messages, ctx, stream_tokens)
            messages.append(reply)
            if not reply.tool_calls:
                return messages
            for call in reply.tool_calls:
                result = self._tool(call, messages, ctx)
                messages.append(result)
                if stream_tokens:
                    yield ToolEvent(result.name, result.status)
        raise TooManySteps(f"no answer after {MAX_MODEL_CALLS} model calls")

    def _ask(
        self, messages: list[BaseMessage], ctx: AgentContext, stream_tokens: bool
    ) -> Generator[TurnEvent, None, AIMessage]:
        """One model request, in a `chat {model}` span (agent/genai_spans.py)."""
        request = [SystemMessage(self.system_prompt), *messages]
        left = time_left(ctx.deadline) if self.timed else None
        options: dict[str, Any] = {"timeout": left} if left is not None else {}
        span = genai_spans.start_model_request(self._info)
        with tracing.ending(span):
            reply = yield from tracing.run_within(span, self._request(request, options, stream_tokens))
            genai_spans.record_reply(span, reply, lambda: self._count(messages, reply))
        return reply

    def _request(
        self, request: list[BaseMessage], options: dict[str, Any], stream_tokens: bool
    ) -> Generator[TurnEvent, None, AIMessage]:
        if not stream_tokens:
            return _ai(self._bound.invoke(request, **options))
        total: BaseMessage | None = None
        for chunk in self._bound.stream(request, **options):
            # Only a streaming model's pieces are tokens; a model that answers in one piece yields the whole
            # message, which the channel sends after the turn's other events (as one token).
            if isinstance(chunk, AIMessageChunk) and isinstance(chunk.content, str) and chunk.content:
                yield TokenEvent(chunk.content)
            total = chunk if total is None else _add(total, chunk)
        return _ai(message_chunk_to_message(total) if isinstance(total, AIMessageChunk) else total)

    def _count(self, messages: list[BaseMessage], reply: AIMessage) -> tuple[int, int]:
        """Tokens of a request and its reply, for a model that reports none (only when a span records them)."""
        if self._fixed_tokens is None:  # the prompt and the tool schemas are the same for every request
            self._fixed_tokens = count_tokens(self.system_prompt) + tools_tokens(self.tools)
        return self._fixed_tokens + sum(message_tokens(m) for m in messages), message_tokens(reply)

    def _tool(self, call: ToolCall, messages: list[BaseMessage], ctx: AgentContext) -> ToolMessage:
        """One tool call, in an `execute_tool {name}` span; the domain operations it runs nest under it."""
        tool = self._by_name.get(call["name"])
        span = genai_spans.start_tool_call(call, (tool.metadata or {}).get("kind") if tool else None)
        before = len(ctx.turn.tool_calls)
        with tracing.active(span):
            result = self._run_tool(tool, call, ctx)
            genai_spans.record_tool(span, result, ctx.turn.tool_calls[before:])
        return result

    def _run_tool(self, tool: BaseTool | None, call: ToolCall, ctx: AgentContext) -> ToolMessage:
        call_id = call.get("id") or ""
        if tool is None:
            names = ", ".join(self._by_name)
            return ToolMessage(
                UNKNOWN_TOOL.format(name=call["name"], names=names), tool_call_id=call_id, status="error"
            )
        runtime = ToolRun(context=ctx)
        try:
            out = tool.invoke({**call, "args": {**call["args"], "runtime": runtime}})
        except ValidationError as error:
            text = INVALID_ARGS.format(name=call["name"], args=call["args"], error=error)
            return ToolMessage(text, name=call["name"], tool_call_id=call_id, status="error")
        if isinstance(out, ToolMessage):
            return out
        return ToolMessage(str(out), name=call["name"], tool_call_id=call_id)


def _ai(message: BaseMessage | None) -> AIMessage:
    if isinstance(message, AIMessage):
        return message
    raise EmptyAnswer(f"the model answered with {type(message).__name__}, not an assistant message")


def _add(total: BaseMessage, chunk: BaseMessage) -> BaseMessage:
    if isinstance(total, AIMessageChunk) and isinstance(chunk, AIMessageChunk):
        return total + chunk
    return chunk  # a model that does not stream answers in one piece

"""A scripted chat model: replays prepared responses. For tests, evals of broken variants and benchmarks.

It binds tools like a real model (so the agent loop is exercised end to end) and records every
request it was sent, so tests can assert exactly what a model would have seen.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]


def call(tool: str, /, **args: Any) -> AIMessage:
    """An assistant message that calls one tool (the arguments as keywords)."""
    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": f"call_{tool}", "type": "tool_call"}])


def say(text: str) -> AIMessage:
    return AIMessage(content=text)


class ScriptedChatModel(BaseChatModel):
    """Returns the scripted steps in order; a callable step sees the messages and builds the answer."""

    steps: list[Any] = Field(default_factory=list)
    requests: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[str] = Field(default_factory=list)
    fail_with: Any = None

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "ScriptedChatModel":
        self.bound_tools = [getattr(t, "name", str(t)) for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self.requests.append(list(messages))
        if self.fail_with is not None:
            raise self.fail_with
        if not self.steps:
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content="(script exhausted)"))])
        step = self.steps.pop(0)
        message = step(messages) if callable(step) else step
        return ChatResult(generations=[ChatGeneration(message=message)])

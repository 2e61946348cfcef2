"""A scripted chat model: replays prepared responses. For tests, evals of broken variants and benchmarks.

It binds tools like a real model (so the agent loop is exercised end to end) and records every
request it was sent, so tests can assert exactly what a model would have seen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]


def call(tool: str, /, **args: object) -> AIMessage:
    """An assistant message that calls one tool (the arguments as keywords)."""
    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": f"call_{tool}", "type": "tool_call"}])


def say(text: str) -> AIMessage:
    return AIMessage(content=text)


class ScriptedChatModel(BaseChatModel):
    """Returns the scripted steps in order; a callable step sees the messages and builds the answer."""

    steps: list[object] = Field(default_factory=list)  # Steps (`object`: pydantic leaves them as they are)
    requests: list[list[BaseMessage]] = Field(default_factory=list)
    bound_tools: list[str] = Field(default_factory=list)
    fail_with: BaseException | None = None
    stream_words: bool = False  # stream a text answer word by word, as a remote model does

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[object], **kwargs: object) -> ScriptedChatModel:
        self.bound_tools = [getattr(t, "name", str(t)) for t in tools]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: object,
    ) -> ChatResult:
        self.requests.append(list(messages))
        if self.fail_with is not None:
            raise self.fail_with
        if not self.steps:
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content="(script exhausted)"))])
        step = self.steps.pop(0)
        message = step(messages) if callable(step) else step
        if not isinstance(message, BaseMessage):
            raise TypeError(f"a scripted step must be a message or build one, not {type(message).__name__}")
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _should_stream(self, **kwargs: Any) -> bool:  # LangChain's own signature
        # Only a model asked to stream words streams: the others answer in one piece, as before.
        return self.stream_words and super()._should_stream(**kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: object,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
        assert isinstance(message, AIMessage)
        if message.tool_calls or not isinstance(message.content, str):
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content=message.content,
                    tool_call_chunks=[
                        {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                        for i, c in enumerate(message.tool_calls)
                    ],
                )
            )
            return
        for piece in re.findall(r"\S+\s*", message.content):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

"""Token budget: system prompt + tool schemas + history must fit; older turns are compacted, then dropped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from knowledge.tokens import count_tokens

PER_MESSAGE_OVERHEAD = 4  # role and separators in the chat format
KEEP_FULL_TURNS = 2  # the last turns keep their tool calls and results
# A conversation's whole history is counted again on every turn (and, when traced, on every model request),
# yet its messages never change: each text is tokenized once while it is among the most recent ones.
# 2,048 texts of at most a few KB each (tool results are capped) bound what the cache holds.
_text_tokens = lru_cache(maxsize=2048)(count_tokens)


def message_tokens(message: BaseMessage) -> int:
    content = message.content if isinstance(message.content, str) else json.dumps(message.content)
    calls = getattr(message, "tool_calls", None)
    extra = _text_tokens(json.dumps(calls)) if calls else 0
    return _text_tokens(content) + extra + PER_MESSAGE_OVERHEAD


def tools_tokens(tools: Sequence[BaseTool]) -> int:
    from agent.models import tool_schema

    return count_tokens(json.dumps([tool_schema(t) for t in tools], separators=(",", ":")))


def _turns(history: list[BaseMessage]) -> list[list[BaseMessage]]:
    turns: list[list[BaseMessage]] = []
    for message in history:
        if isinstance(message, HumanMessage) or not turns:
            turns.append([])
        turns[-1].append(message)
    return turns


def _compact(turn: list[BaseMessage]) -> list[BaseMessage]:
    """An old turn keeps what was said: the user's words and the final answer, not the tool traffic."""
    kept: list[BaseMessage] = [m for m in turn if isinstance(m, HumanMessage)]
    answers: list[BaseMessage] = [m for m in turn if isinstance(m, AIMessage) and not m.tool_calls and m.content]
    return kept + answers[-1:]


def fit_history(history: list[BaseMessage], budget: int) -> list[BaseMessage]:
    """The most recent history that fits `budget` tokens (turn boundaries kept, tool pairs intact)."""
    turns = _turns(history)
    turns = [_compact(t) if i < len(turns) - KEEP_FULL_TURNS else t for i, t in enumerate(turns)]
    kept: list[list[BaseMessage]] = []
    used = 0
    for turn in reversed(turns):
        cost = sum(message_tokens(m) for m in turn)
        if used + cost > budget:
            break
        kept.append(turn)
        used += cost
    messages = [m for t in reversed(kept) for m in t]
    while messages and isinstance(messages[0], ToolMessage):  # never start on an orphan tool result
        messages.pop(0)
    return messages

"""Helpers to build planner conversations (a module name of its own: `conftest` is ambiguous when
several test folders are collected together)."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage


def conversation(steps: list[tuple]) -> list[BaseMessage]:
    """("user", text) / ("ai", text) / ("tool", name, args, result) -> messages as the agent loop stores them."""
    messages: list[BaseMessage] = []
    for i, step in enumerate(steps):
        if step[0] == "user":
            messages.append(HumanMessage(step[1]))
        elif step[0] == "ai":
            messages.append(AIMessage(step[1]))
        else:
            _, name, args, result = step
            call_id = f"call_t{i}"
            messages.append(
                AIMessage("", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])
            )
            messages.append(ToolMessage(json.dumps(result), tool_call_id=call_id, name=name))
    return messages


def first_call(message: AIMessage) -> tuple[str | None, dict[str, Any]]:
    if not message.tool_calls:
        return None, {}
    call = message.tool_calls[0]
    return call["name"], dict(call["args"])

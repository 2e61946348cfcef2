"""Reading the conversation: turns, the tool calls made in them and what they returned.

The tool calls of the turn in progress are replayed by `work.Work`; earlier turns give the words a
hand-off summary quotes. What the dialogue is about lives in the explicit state (`state`), not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage


@dataclass
class Step:
    """One tool call and its parsed result (None while the call has no answer yet)."""

    name: str
    args: dict[str, Any]
    call_id: str
    result: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.get("ok", True) is not False


@dataclass
class Turn:
    human: str
    steps: list[Step] = field(default_factory=list)
    reply: str = ""


def _parse(content: Any) -> dict[str, Any]:
    text = content if isinstance(content, str) else json.dumps(content)
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return {"ok": False, "kind": "text", "message": str(text)}
    return data if isinstance(data, dict) else {"value": data}


def read_turns(messages: list[BaseMessage]) -> list[Turn]:
    turns: list[Turn] = []
    by_id: dict[str, Step] = {}
    for message in messages:
        if isinstance(message, HumanMessage):
            turns.append(Turn(message.content if isinstance(message.content, str) else str(message.content)))
            continue
        if not turns and isinstance(message, (AIMessage, ToolMessage)):
            turns.append(Turn(""))
        if isinstance(message, AIMessage):
            for call in message.tool_calls or []:
                step = Step(call["name"], dict(call.get("args") or {}), call.get("id") or "")
                turns[-1].steps.append(step)
                by_id[step.call_id] = step
            if isinstance(message.content, str) and message.content.strip():
                turns[-1].reply = message.content
        elif isinstance(message, ToolMessage):
            answered = by_id.get(message.tool_call_id)
            if answered is not None:
                answered.result = _parse(message.content)
    return turns

"""Reading the conversation: turns, the tool calls made in them and what they returned.

The planner is stateless: everything it knows comes from the message list (human messages, its
own tool calls, the tools' JSON results and its replies), so the same history gives the same plan.
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
            step = by_id.get(message.tool_call_id)
            if step is not None:
                step.result = _parse(message.content)
    return turns


# -- what earlier turns were about -----------------------------------------------------------------

def invoice_refs(turn: Turn) -> list[str]:
    """Invoice ids this turn dealt with, most recent last."""
    from agent.planner import slots

    found = list(slots.invoice_ids(turn.human))
    for step in turn.steps:
        if step.args.get("invoice_id"):
            found.append(str(step.args["invoice_id"]).upper())
        r = step.result or {}
        if str(r.get("id", "")).startswith("INV-"):
            found.append(r["id"])
        elif r.get("invoice_id"):
            found.append(str(r["invoice_id"]))
    return found


def contract_refs(turn: Turn) -> list[str]:
    from agent.planner import slots

    found = list(slots.contract_ids(turn.human))
    for step in turn.steps:
        if step.args.get("contract_id"):
            found.append(str(step.args["contract_id"]).upper())
        for cid in step.args.get("contract_ids") or []:
            found.append(str(cid).upper())
        r = step.result or {}
        if str(r.get("id", "")).startswith("C-"):
            found.append(r["id"])
    return found


def last_list(turns: list[Turn]) -> tuple[str, list[dict[str, Any]]] | None:
    """The most recent list shown: ("invoices"|"contracts"|"users", items)."""
    for turn in reversed(turns):
        for step in reversed(turn.steps):
            r = step.result or {}
            for key in ("invoices", "contracts", "users"):
                if isinstance(r.get(key), list) and r[key]:
                    return key, r[key]
    return None

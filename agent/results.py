"""Turn and action results: the JSON contracts of SPEC section 4."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from billing.entities import PendingAction


def action_dict(action: PendingAction) -> dict[str, Any]:
    """A pending action as shown to people and clients. Gateway tokens never leave the service."""
    args = {k: v for k, v in action.args.items() if k != "token"}
    return {
        "id": action.id,
        "tool": action.operation,
        "args": args,
        "summary": action.summary,
        "expires_at": action.expires_at.isoformat(),
    }


@dataclass
class TurnResult:
    conversation_id: str
    reply: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    pending_action: dict[str, Any] | None = None
    handoff: dict[str, Any] | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    decided_action: dict[str, Any] | None = None  # a typed yes/no decided this turn
    model: str = ""
    degraded: bool = False  # the remote model failed and the offline planner answered
    usage: dict[str, int] = field(default_factory=dict)
    guard: list[str] = field(default_factory=list)  # why the model's reply was replaced, or a proposal refused

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ActionResult:
    conversation_id: str
    action_id: str
    status: str  # executed | rejected | expired | failed | in_progress (a payment being confirmed)
    result: dict[str, Any]
    reply: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

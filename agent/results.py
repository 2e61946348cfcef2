"""Turn and action results: the JSON contracts of SPEC section 4, typed.

The views are TypedDicts because they are JSON already: `to_dict` is all the HTTP edge needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from billing.entities import PendingAction
from tools.context import Citation, Handoff


class ActionView(TypedDict):
    """A pending action as people and clients see it."""

    id: str
    tool: str
    args: dict[str, object]
    summary: str
    expires_at: str


class DecidedView(TypedDict):
    """A pending action a typed yes or no decided this turn."""

    id: str
    status: str
    result: Mapping[str, object]


class ToolCallView(TypedDict):
    """One tool call of the turn (arguments masked) and whether the domain accepted it."""

    name: str
    args: Mapping[str, object]
    ok: bool


def action_dict(action: PendingAction) -> ActionView:
    """A pending action as shown to people and clients. Gateway tokens never leave the service."""
    args: dict[str, object] = {k: v for k, v in action.args.items() if k != "token"}
    return {
        "id": action.id,
        "tool": action.operation,
        "args": args,
        "summary": action.summary,
        "expires_at": action.expires_at.isoformat(),
    }


@dataclass
class TurnResult:
    """What one turn produced: the reply and everything a channel shows beside it."""

    conversation_id: str
    reply: str
    citations: list[Citation] = field(default_factory=list)
    tool_calls: list[ToolCallView] = field(default_factory=list)
    pending_action: ActionView | None = None
    handoff: Handoff | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    decided_action: DecidedView | None = None  # a typed yes/no decided this turn
    model: str = ""
    degraded: bool = False  # the remote model failed and the offline planner answered
    usage: dict[str, int] = field(default_factory=dict)
    guard: list[str] = field(default_factory=list)  # why the model's reply was replaced, or a proposal refused
    message_id: int | None = None  # the reply's place in the conversation (`seq`): what a user rates

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class ActionResult:
    """What a decision (the Confirm or Cancel button) did, and what the user is told."""

    conversation_id: str
    action_id: str
    status: str  # executed | rejected | expired | failed | in_progress (a payment being confirmed)
    result: Mapping[str, object]
    reply: str
    message_id: int | None = None  # the reply's `seq` in the conversation: what a user rates
    operation: str = ""  # the decided action's operation, for the channel's metrics; not in `to_dict`

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "operation"}

"""What a turn streams to its channel: a closed union of small frozen events, in the order they happen.

A turn yields any number of `TokenEvent`, `ToolEvent` and `ReplaceEvent`, then at most one
`CitationsEvent` and one `PendingActionEvent`, and always ends with one `DoneEvent` carrying the whole
`TurnResult`. Channels turn them into their own wire format (SSE frames in `service/api/chat.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.results import ActionView, TurnResult


@dataclass(frozen=True)
class TokenEvent:
    """A piece of the reply, to be shown as it arrives."""

    text: str


@dataclass(frozen=True)
class ToolEvent:
    """A tool finished (`status` is LangChain's: "success" or "error")."""

    tool: str | None
    status: str


@dataclass(frozen=True)
class ReplaceEvent:
    """The text shown so far is withdrawn and replaced by `reply` (the output guard refused it, or the remote
    model failed and the built-in assistant answers next); `reasons` say why."""

    reply: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CitationsEvent:
    """The help articles the reply is based on."""

    citations: Sequence[Mapping[str, object]]


@dataclass(frozen=True)
class PendingActionEvent:
    """A change waits for the user's confirmation."""

    action: ActionView


@dataclass(frozen=True)
class DoneEvent:
    """The end of the turn, with everything it produced."""

    result: TurnResult


TurnEvent = TokenEvent | ToolEvent | ReplaceEvent | CitationsEvent | PendingActionEvent | DoneEvent

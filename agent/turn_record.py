"""What one turn did, as the operators' insights count it: one row of the `turns` table per turn.

Written by the conversation store in the same transaction as the turn's messages, so a turn is either
stored with its record or not at all. Texts are masked like the messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from agent.masking import mask
from tools.context import TurnLog

QUESTION_CHARS = 500  # enough to read and group a question; a pasted document is not kept twice
SUBJECT_CHARS = 200


@dataclass(frozen=True)
class TurnRecord:
    """One turn: who asked what on which channel, how it was answered, and what it led to."""

    user_email: str
    channel: str
    kind: str  # agent (the model or planner answered) | decision (a typed yes/no) | reask (an unclear reply)
    question: str
    latency_ms: int = 0
    model: str = "service"
    degraded: bool = False
    guard: tuple[str, ...] = ()
    proposed: str = ""  # the operation proposed this turn
    refusals: tuple[str, ...] = ()  # the domain's error codes of the tool calls it refused
    handoff_queue: str = ""
    handoff_subject: str = ""
    searched: bool = False  # the knowledge base was searched
    unanswered: bool = False  # searched, and the reply did not answer from the articles

    def row(self, conversation_id: str, message_seq: int, at: dt.datetime) -> dict[str, object]:
        return {
            "conversation_id": conversation_id,
            "message_seq": message_seq,
            "user_email": self.user_email,
            "channel": self.channel,
            "at": at,
            "kind": self.kind,
            "question": mask(self.question)[:QUESTION_CHARS],
            "latency_ms": self.latency_ms,
            "model": self.model[:64],
            "degraded": self.degraded,
            "guard": list(self.guard),
            "proposed": self.proposed,
            "refusals": list(self.refusals),
            "handoff_queue": self.handoff_queue,
            "handoff_subject": mask(self.handoff_subject)[:SUBJECT_CHARS],
            "searched": self.searched,
            "unanswered": self.unanswered,
        }


def agent_turn_record(
    user_email: str,
    channel: str,
    question: str,
    turn: TurnLog,
    *,
    answered: bool,
    seconds: float,
    model: str,
    degraded: bool,
    guard: Sequence[str],
) -> TurnRecord:
    """The record of a turn the model (or the built-in planner) answered; `answered`: the reply answers from
    the articles it cites (not "I don't know", not "the articles do not say")."""
    searched = any(c.name == "search_knowledge" for c in turn.tool_calls)
    case = next((c for c in turn.tool_calls if c.name == "create_support_case" and c.ok), None)
    return TurnRecord(
        user_email,
        channel,
        "agent",
        question,
        latency_ms=int(seconds * 1000),
        model=model,
        degraded=degraded,
        guard=tuple(guard),
        proposed=turn.pending.operation if turn.pending is not None else "",
        refusals=tuple(c.error for c in turn.tool_calls if not c.ok and c.error),
        handoff_queue=turn.handoff["queue"] if turn.handoff else "",
        handoff_subject=str(case.args.get("subject", "")) if case else "",
        searched=searched,
        unanswered=searched and not answered,
    )

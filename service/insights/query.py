"""The rows one window of insights is computed from, read in one read-only transaction.

- turns: recorded in the window (`turns.at`);
- ratings: updated in the window (satisfaction), and every rating of a conversation that had a turn in the
  window, whenever given (whether that conversation was resolved, and which answers got a thumbs-down);
- proposals: pending actions created in the window, with their status now.

Hand-offs are read from the turns (queue and subject), not from `support_cases`: a case is only ever opened
by a turn's `create_support_case`, and the turn also says which conversation it ended.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, or_, select

from agent.store_tables import feedback, turns
from billing.adapters.sql_tables import pending_actions
from service.insights.window import Window


@dataclass(frozen=True)
class TurnRow:
    """One recorded turn (agent/turn_record.py), the fields insights count."""

    conversation_id: str
    message_seq: int
    at: dt.datetime
    kind: str
    question: str
    latency_ms: int = 0
    degraded: bool = False
    guard: tuple[str, ...] = ()
    proposed: str = ""
    refusals: tuple[str, ...] = ()
    handoff_queue: str = ""
    handoff_subject: str = ""
    searched: bool = False
    unanswered: bool = False


@dataclass(frozen=True)
class RatingRow:
    """A user's rating of one reply: +1 or -1, with its (masked) comment, as last updated."""

    conversation_id: str
    message_seq: int
    rating: int
    comment: str
    at: dt.datetime


@dataclass(frozen=True)
class ProposalRow:
    """A pending action: what was proposed, and what became of it."""

    operation: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class Rows:
    """Everything one window's figures are computed from."""

    turns: Sequence[TurnRow]
    ratings: Sequence[RatingRow]
    proposals: Sequence[ProposalRow]


def read_rows(engine: Engine, window: Window) -> Rows:
    with engine.connect() as conn:
        return Rows(_turns(conn, window), _ratings(conn, window), _proposals(conn, window))


def _in(column: ColumnElement[dt.datetime], window: Window) -> ColumnElement[bool]:
    return (column >= window.since) & (column < window.until)


def _turns(conn: Connection, window: Window) -> list[TurnRow]:
    query = select(turns).where(_in(turns.c.at, window)).order_by(turns.c.at, turns.c.id)
    return [_turn(row) for row in conn.execute(query).mappings()]


def _turn(row: RowMapping) -> TurnRow:
    return TurnRow(
        row["conversation_id"],
        row["message_seq"],
        row["at"],
        row["kind"],
        row["question"],
        row["latency_ms"],
        bool(row["degraded"]),
        tuple(row["guard"] or ()),
        row["proposed"],
        tuple(row["refusals"] or ()),
        row["handoff_queue"],
        row["handoff_subject"],
        bool(row["searched"]),
        bool(row["unanswered"]),
    )


def _ratings(conn: Connection, window: Window) -> list[RatingRow]:
    rated_turns = select(turns.c.conversation_id).where(_in(turns.c.at, window))
    query = (
        select(feedback)
        .where(or_(_in(feedback.c.updated_at, window), feedback.c.conversation_id.in_(rated_turns)))
        .order_by(feedback.c.updated_at, feedback.c.id)
    )
    return [
        RatingRow(r["conversation_id"], r["message_seq"], r["rating"], r["comment"], r["updated_at"])
        for r in conn.execute(query).mappings()
    ]


def _proposals(conn: Connection, window: Window) -> list[ProposalRow]:
    query = (
        select(pending_actions.c.operation, pending_actions.c.status)
        .add_columns(pending_actions.c.created_at, pending_actions.c.expires_at)
        .where(_in(pending_actions.c.created_at, window))
        .order_by(pending_actions.c.created_at)
    )
    return [ProposalRow(r.operation, r.status, r.created_at, r.expires_at) for r in conn.execute(query)]

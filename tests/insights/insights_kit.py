"""A seeded week of conversations whose insights are known by hand (the browser test may seed it too).

NOW is 2026-03-10 12:00 UTC and the window `7d`: [2026-03-03 12:00, 2026-03-10 12:00). Conversations c1-c9
have turns in it; c0 only before it (its turns and its old rating are outside; a rating of it given inside the
window counts for satisfaction only).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert

from agent.store_tables import feedback, turns
from billing.adapters.sql_tables import pending_actions

NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
USER = "alice@acme.example"
CARD = "4111 1111 1111 1111"
BITCOIN = "Do you accept Bitcoin"
REFUND = "refund my duplicate charge please"
HANDOFF_SUBJECT = "Payment / collections question: I want to talk to a person about a payment plan"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC)


def turn(conv: str, seq: int, when: dt.datetime, question: str, latency: int, **fields: Any) -> dict[str, Any]:
    return {
        "conversation_id": conv,
        "message_seq": seq,
        "user_email": USER,
        "channel": "web",
        "at": when,
        "kind": "agent",
        "question": question,
        "latency_ms": latency,
        "model": "offline",
        "degraded": False,
        "guard": [],
        "proposed": "",
        "refusals": [],
        "handoff_queue": "",
        "handoff_subject": "",
        "searched": False,
        "unanswered": False,
    } | fields


TURNS = [
    turn("c0", 2, at(2, 9), "an old question nobody could answer", 900, searched=True, unanswered=True),
    turn("c1", 2, at(4, 10), "how do I log in?", 100, searched=True),
    turn("c2", 2, at(5, 9), "pay INV-1001", 300, proposed="pay_invoice"),
    turn("c2", 4, at(5, 9, 1), "yes", 20, kind="decision", model="service"),
    turn(
        "c3",
        2,
        at(5, 15),
        "I want to talk to a person about a payment plan",
        200,
        handoff_queue="collector",
        handoff_subject=HANDOFF_SUBJECT,
    ),
    turn("c4", 2, at(6, 11), "do you accept bitcoin?", 400, searched=True, unanswered=True),
    turn("c4", 4, at(6, 11, 5), BITCOIN, 500, searched=True, unanswered=True),  # the same question again
    turn(
        "c5",
        2,
        at(7, 8),
        "can I pay with crypto",
        1200,
        searched=True,
        unanswered=True,
        degraded=True,
        guard=["claims_change"],
    ),
    turn("c6", 2, at(8, 13), "how do I get a refund for a double payment", 250, searched=True),  # rated down
    turn("c7", 2, at(9, 10), REFUND, 150, searched=True, unanswered=True),
    turn("c7", 4, at(9, 10, 2), "pay INV-1002", 120, refusals=["already_paid"]),
    turn(
        "c7",
        6,
        at(9, 10, 4),
        "talk to a human",
        180,
        handoff_queue="customer_service",
        handoff_subject="Customer request: talk to a human",
    ),
    turn(
        "c8",
        2,
        at(9, 16),
        "change the PO on INV-1001 to PO-1",
        350,
        proposed="update_po",
        guard=["ungrounded:po_number"],
    ),
    turn("c9", 2, at(10, 11), "turn off auto renew for C-1002", 180, refusals=["outside_renewal_window"]),
    turn(
        "c9",
        4,
        at(10, 11, 1),
        "turn off auto renewal of C-1002 now",
        220,
        refusals=["outside_renewal_window"],
        guard=["claims_change"],
    ),
]


def rating(conv: str, seq: int, value: int, when: dt.datetime, comment: str = "") -> dict[str, Any]:
    return {
        "conversation_id": conv,
        "message_seq": seq,
        "user_email": USER,
        "rating": value,
        "comment": comment,
        "created_at": when,
        "updated_at": when,
    }


RATINGS = [
    rating("c0", 2, -1, at(2, 9, 5), "before the window"),
    rating("c0", 4, 1, at(4, 9), "Thanks"),  # an old conversation rated in the window
    rating("c1", 2, 1, at(4, 10, 5), "Clear answer"),
    rating("c2", 4, 1, at(5, 9, 10)),
    rating("c4", 4, -1, at(6, 11, 10), f"Useless, card {CARD}"),
    rating("c6", 2, -1, at(8, 13, 5)),
]


def action(n: int, status: str, created: dt.datetime, operation: str = "pay_invoice") -> dict[str, Any]:
    return {
        "id": f"act_{n}",
        "user_email": USER,
        "conversation_id": f"c{n}",
        "channel": "web",
        "operation": operation,
        "args": {},
        "summary": "",
        "status": status,
        "created_at": created,
        "expires_at": created + dt.timedelta(minutes=15),
        "decided_at": None,
        "result": None,
        "bound": {},
    }


ACTIONS = [
    action(0, "executed", at(1, 9)),  # before the window
    action(2, "executed", at(5, 9)),
    action(3, "rejected", at(5, 15)),
    action(4, "expired", at(6, 11)),
    action(8, "pending", at(9, 16), "update_po"),  # past its expiry: abandoned, counted as expired
    action(5, "failed", at(7, 8)),
    action(6, "in_progress", at(8, 13)),
    action(9, "pending", NOW - dt.timedelta(minutes=5), "disable_auto_renew"),  # may still be confirmed
]


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(turns), TURNS)
        conn.execute(insert(feedback), RATINGS)
        conn.execute(insert(pending_actions), ACTIONS)


# What the window's figures must be, worked out by hand from the rows above.
EXPECTED_DAYS = [
    ("2026-03-03", 0, 0),
    ("2026-03-04", 1, 1),
    ("2026-03-05", 2, 3),
    ("2026-03-06", 1, 2),
    ("2026-03-07", 1, 1),
    ("2026-03-08", 1, 1),
    ("2026-03-09", 2, 4),
    ("2026-03-10", 1, 2),
]
EXPECTED_RESOLUTION = {
    "conversations": 9,
    "resolved": 5,  # c1, c2, c5, c8, c9
    "rate": 0.556,
    "handed_off": 2,  # c3, c7
    "thumbs_down": 2,  # c4, c6
    "repeated": 1,  # c4
}
EXPECTED_HANDOFFS = {
    "total": 2,
    "by_queue": {"collector": 1, "customer_service": 1},
    "by_reason": {"Customer request": 1, "Payment / collections question": 1},
}
EXPECTED_PROPOSALS = {"executed": 1, "rejected": 1, "expired": 2, "failed": 1, "in_progress": 1, "pending": 1}
EXPECTED_REFUSALS = {"outside_renewal_window": 2, "already_paid": 1}
EXPECTED_QUALITY = {"agent_turns": 13, "degraded": 1, "guard": {"claims_change": 2, "ungrounded:po_number": 1}}
# agent turns' latencies sorted: 100 120 150 180 180 200 220 250 300 350 400 500 1200 (13; the typed yes is not one)
EXPECTED_LATENCY = {"turns": 13, "p50_ms": 220, "p95_ms": 1200}
EXPECTED_SATISFACTION = {"ratings": 5, "up": 3, "down": 2, "up_share": 0.6}
EXPECTED_COMMENTS = [
    ("2026-03-06T11:10:00+00:00", -1, "Useless, card [card number ending 1111 removed]"),
    ("2026-03-04T10:05:00+00:00", 1, "Clear answer"),
    ("2026-03-04T09:00:00+00:00", 1, "Thanks"),
]
# c4 twice, c5, c7's refund and c6's rated-down answer: bitcoin 3 times, refunds twice.
EXPECTED_GAP_QUESTIONS = 5
EXPECTED_GAPS = [
    (3, (BITCOIN, "can I pay with crypto"), "2026-03-07T08:00:00+00:00"),
    (2, (REFUND, "how do I get a refund for a double payment"), "2026-03-09T10:00:00+00:00"),
]

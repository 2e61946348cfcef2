"""Ratings of assistant replies (issue 17): one per user and reply, replaced when the user rates it again.

A rating is written as an insert, and as an update of the stored row when the unique key (conversation,
reply, user) already holds one: the same two statements on SQLite and PostgreSQL. Two first ratings sent
at once end as one row too: the insert that loses the race fails on the key and updates the winner's row.
Whether the reply is the user's to rate is the runner's question (`Runner.rate`), not the store's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError

from agent.masking import mask
from agent.store import transaction
from agent.store_tables import feedback
from billing.errors import InvalidInput

Rating = Literal["up", "down"]
VALUES: dict[str, int] = {"up": 1, "down": -1}  # how a rating is stored
COMMENT_CHARS = 500


@dataclass(frozen=True)
class Feedback:
    """One user's rating of one assistant reply, as stored (the comment masked)."""

    conversation_id: str
    message_seq: int
    user_email: str
    rating: Rating
    comment: str
    created_at: dt.datetime
    updated_at: dt.datetime


def rating_value(rating: str) -> int:
    """+1 for "up", -1 for "down"; anything else is invalid."""
    if rating not in VALUES:
        raise InvalidInput("rating", mask(str(rating))[:20], 'a rating is "up" or "down"')
    return VALUES[rating]


def clean_comment(comment: str | None) -> str:
    """The comment stripped and masked. Its length is checked as typed; masking may lengthen a card number
    into its note, so the masked text is cut to the column (a cut note still names only four digits)."""
    text = (comment or "").strip()
    if len(text) > COMMENT_CHARS:
        raise InvalidInput("comment", mask(text)[:40] + "…", f"a comment can be at most {COMMENT_CHARS} characters")
    return mask(text)[:COMMENT_CHARS]


class FeedbackStore:
    """Ratings of replies on the shared database engine, beside the conversations they rate."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rate(
        self, conversation_id: str, message_seq: int, user_email: str, rating: str, comment: str | None = None
    ) -> Feedback:
        """Store the user's rating of the reply (validated first: bad input changes nothing); a second
        rating of the same reply replaces the first, keeping when it was first given."""
        value, text, now = rating_value(rating), clean_comment(comment), dt.datetime.now(dt.UTC)
        key = {"conversation_id": conversation_id, "message_seq": message_seq, "user_email": user_email}
        try:
            with transaction(self.engine, write=True) as conn:
                conn.execute(insert(feedback).values(**key, rating=value, comment=text, created_at=now, updated_at=now))
            return Feedback(conversation_id, message_seq, user_email, _rating(value), text, now, now)
        except IntegrityError:  # rated before, or by a request that won the race to insert it
            with transaction(self.engine, write=True) as conn:
                conn.execute(update(feedback).where(*_key(key)).values(rating=value, comment=text, updated_at=now))
                row = _row(conn, key)
            if row is None:  # not the unique key after all: a real error
                raise
            return _feedback(row)

    def ratings(self, conversation_id: str, user_email: str) -> dict[int, Rating]:
        """The user's ratings in one conversation, by reply (`seq`): what a reloaded page shows as pressed."""
        query = select(feedback.c.message_seq, feedback.c.rating).where(
            feedback.c.conversation_id == conversation_id, feedback.c.user_email == user_email
        )
        with transaction(self.engine, write=False) as conn:
            rows = conn.execute(query).all()
        return {row.message_seq: _rating(row.rating) for row in rows}

    def get(self, conversation_id: str, message_seq: int, user_email: str) -> Feedback | None:
        """The user's rating of the reply, if they gave one."""
        key = {"conversation_id": conversation_id, "message_seq": message_seq, "user_email": user_email}
        with transaction(self.engine, write=False) as conn:
            row = _row(conn, key)
        return None if row is None else _feedback(row)


def _key(key: dict[str, object]) -> list[ColumnElement[bool]]:
    return [feedback.c[column] == value for column, value in key.items()]


def _row(conn: Connection, key: dict[str, object]) -> RowMapping | None:
    return conn.execute(select(feedback).where(*_key(key))).mappings().first()


def _rating(value: int) -> Rating:
    return "up" if value > 0 else "down"


def _feedback(row: RowMapping) -> Feedback:
    return Feedback(
        row["conversation_id"],
        row["message_seq"],
        row["user_email"],
        _rating(row["rating"]),
        row["comment"],
        row["created_at"],
        row["updated_at"],
    )

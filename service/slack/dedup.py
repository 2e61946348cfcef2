"""At-most-once handling of Slack deliveries across workers: insert-or-ignore on a unique key.

Slack re-sends an event it thinks was not acknowledged (`X-Slack-Retry-Num`), and one message can
arrive as two events (`app_mention` and `message`). The first worker to insert the key handles it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert

from bootstrap.slack_tables import slack_events


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _insert_ignore(dialect: str) -> Insert | None:
    """An insert that skips a key already present, where the dialect has one (else None: catch the conflict)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(slack_events).on_conflict_do_nothing(index_elements=["key"])
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(slack_events).on_conflict_do_nothing(index_elements=["key"])
    return None


def claim(engine: Engine, key: str) -> bool:
    """True for the first claim of `key` (handle it), False for every later one (a duplicate)."""
    values = {"key": key[:200], "received_at": _now()}
    stmt = _insert_ignore(engine.dialect.name)
    try:
        with engine.begin() as conn:
            if stmt is None:
                conn.execute(insert(slack_events).values(**values))
                return True
            # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING
            return conn.execute(stmt.values(**values).returning(slack_events.c.key)).first() is not None
    except IntegrityError:
        return False


def prune(engine: Engine, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Forget keys older than Slack's retry window (retries stop within about an hour)."""
    with engine.begin() as conn:
        return conn.execute(delete(slack_events).where(slack_events.c.received_at < _now() - older_than)).rowcount

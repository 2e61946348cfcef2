"""The repository over SQLAlchemy Core: one generic implementation for every entity."""

from __future__ import annotations

import datetime as dt
import enum
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import BindParameter, Connection, Select, Table, Update, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from billing.adapters.sql_codec import from_row, to_row
from billing.adapters.sql_tables import TABLES, outbox, payment_intents, pending_actions
from billing.entities import MailStatus, OutboxMail
from billing.errors import ChangedMeanwhile

T = TypeVar("T")


def _value(v: object) -> object:
    return v.value if isinstance(v, enum.Enum) else v


# Statements are built once per shape and reused with bound parameters (`b_*`, never a column's name): building
# one per call, with its cache key, cost more CPU than running it (BENCHMARKS.md, issue 16).
@lru_cache(maxsize=128)
def _by_key(table: Table, key: str, for_update: bool) -> Select[tuple[object, ...]]:
    query = select(table).where(table.c[key] == bindparam("b_key"))
    return query.with_for_update() if for_update else query


@lru_cache(maxsize=256)
def _filtered(table: Table, filters: tuple[tuple[str, bool], ...]) -> Select[tuple[object, ...]]:
    """`filters`: (column, whether the value is a collection) pairs; a collection is an expanding IN."""
    query = select(table)
    for name, many in filters:
        wanted: BindParameter[object] = bindparam("b_" + name, expanding=many)
        query = query.where(table.c[name].in_(wanted) if many else table.c[name] == wanted)
    return query


@lru_cache(maxsize=128)
def _update_by_key(table: Table, key: str) -> Update:
    """The SET clause comes from the parameters each execution passes."""
    return update(table).where(table.c[key] == bindparam("b_key"))


class SqlRepository:
    """Implements `billing.ports.Repository` on one open connection (the unit of work's transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.locks_rows = conn.dialect.name != "sqlite"  # SQLite locks the whole database instead

    def get(self, cls: type[T], key: str, *, for_update: bool = False) -> T | None:
        query = _by_key(TABLES[cls], cls.KEY, for_update and self.locks_rows)  # type: ignore[attr-defined]
        row = self.conn.execute(query, {"b_key": key}).mappings().first()
        return None if row is None else from_row(cls, dict(row))

    def find(self, cls: type[T], **filters: object) -> list[T]:
        shape, values = [], {}
        for name, wanted in filters.items():
            many = isinstance(wanted, (list, tuple, set, frozenset))
            if many and not wanted:
                return []
            shape.append((name, many))
            values["b_" + name] = [_value(w) for w in wanted] if many else _value(wanted)  # type: ignore[attr-defined]
        query = _filtered(TABLES[cls], tuple(shape))
        return [from_row(cls, dict(row)) for row in self.conn.execute(query, values).mappings()]

    def add(self, entity: object) -> None:
        """Insert; a unique key taken by a transaction that committed meanwhile is `ChangedMeanwhile`."""
        table = TABLES[type(entity)]
        try:
            self.conn.execute(insert(table), to_row(entity))
        except IntegrityError as exc:
            if _unique_violation(exc):
                raise ChangedMeanwhile(table.name) from exc
            raise

    def add_all(self, entities: list[object]) -> None:
        """One executemany per table, in the order the tables are declared."""
        rows: dict[type, list[dict[str, object]]] = {}
        for entity in entities:
            rows.setdefault(type(entity), []).append(to_row(entity))
        for cls, table in TABLES.items():
            if rows.get(cls):
                self.conn.execute(insert(table), rows[cls])

    def update(self, entity: object) -> None:
        key = entity.KEY  # type: ignore[attr-defined]
        row = to_row(entity)
        self.conn.execute(_update_by_key(TABLES[type(entity)], key), {**row, "b_key": row.pop(key)})

    def delete(self, entity: object) -> None:
        table, key = TABLES[type(entity)], entity.KEY  # type: ignore[attr-defined]
        self.conn.execute(delete(table).where(table.c[key] == getattr(entity, key)))

    def transition_action(self, action_id: str, from_status: str, to_status: str, decided_at: dt.datetime) -> bool:
        """Conditional UPDATE: of two concurrent transitions exactly one sees the row still pending."""
        result = self.conn.execute(
            update(pending_actions)
            .where(pending_actions.c.id == action_id, pending_actions.c.status == _value(from_status))
            .values(status=_value(to_status), decided_at=decided_at)
        )
        return result.rowcount == 1

    def transition_intent(
        self, intent_id: str, from_states: tuple[str, ...], to_state: str, updated_at: dt.datetime
    ) -> bool:
        """The same for a payment intent: of two processes completing it, exactly one sees it open."""
        result = self.conn.execute(
            update(payment_intents)
            .where(payment_intents.c.id == intent_id, payment_intents.c.state.in_([_value(s) for s in from_states]))
            .values(state=_value(to_state), updated_at=updated_at)
        )
        return result.rowcount == 1

    def claim_mails(self, now: dt.datetime, lease_until: dt.datetime, claim: str, limit: int) -> list[OutboxMail]:
        """Pick the due mails, then claim them, in the caller's (short) transaction. PostgreSQL picks with
        `FOR UPDATE SKIP LOCKED`, so a relay claiming at the same moment takes other rows instead of
        waiting; SQLite serialises writers. The UPDATE repeats the condition, so a row claimed meanwhile
        is never claimed twice. (One UPDATE with the pick as an `IN (subquery)` claimed every due row on
        PostgreSQL in the tests: the planner may rescan the subquery, and its LIMIT then bounds nothing.)"""
        due = (outbox.c.status == MailStatus.QUEUED.value) & or_(
            outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now
        )
        pick = select(outbox.c.id).where(due).order_by(outbox.c.created_at, outbox.c.id).limit(limit)
        if self.locks_rows:
            pick = pick.with_for_update(skip_locked=True)
        ids: list[str] = list(self.conn.execute(pick).scalars())
        if not ids:
            return []
        rows = self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids), due)
            .values(claimed_by=claim, next_attempt_at=lease_until, attempts=outbox.c.attempts + 1)
            .returning(*outbox.c)
        ).mappings()
        return sorted((from_row(OutboxMail, dict(row)) for row in rows), key=lambda m: (m.created_at, m.id))

    def release_mail(self, mail: OutboxMail, claim: str) -> bool:
        """Conditional UPDATE: a relay whose lease ran out does not overwrite what the next claim recorded."""
        row = to_row(mail)
        result = self.conn.execute(
            update(outbox).where(outbox.c.id == row.pop("id"), outbox.c.claimed_by == claim).values(**row)
        )
        return result.rowcount == 1


def _unique_violation(exc: IntegrityError) -> bool:
    """PostgreSQL says so by SQLSTATE 23505; SQLite only in its message."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)

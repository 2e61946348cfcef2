"""The simulated gateway's ledger in a database of its own (SQLite file by default, or PostgreSQL).

The gateway is another system: its table is created by the gateway itself (not by the portal's
migrations), it is written on its own connection in its own short transactions, and it never
takes part in a portal transaction. So what it recorded survives a crash of the portal process at
any moment, exactly like a real processor's records would.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Connection, Engine, MetaData, RowMapping, String, Table, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from billing.adapters.gateway import LedgerEntry
from billing.adapters.sql_types import Money, UTCDateTime
from billing.ports import ChargeRecord

gateway_metadata = MetaData()

gateway_charges = Table(
    "gateway_charges",
    gateway_metadata,
    Column("idempotency_key", String(64), primary_key=True),
    Column("outcome", String(16), nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("charge_id", String(64), nullable=False, index=True),
    Column("reason", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=True),
    Column("settled_at", UTCDateTime, nullable=True),
)


def _entry(row: RowMapping) -> LedgerEntry:
    record = ChargeRecord(
        row["idempotency_key"],
        row["outcome"],
        row["amount"],
        row["currency"],
        row["charge_id"],
        row["reason"],
        row["created_at"],
        row["settled_at"],
    )
    return LedgerEntry(record, row["fingerprint"])


class SqlLedger:
    """Implements `gateway.Ledger` on its own engine; creates its table on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _create_table(engine)

    def _write(self) -> Connection:
        conn = self.engine.connect()
        conn.info["write"] = True  # SQLite: BEGIN IMMEDIATE, writers queue instead of failing
        return conn

    def get(self, key: str) -> LedgerEntry | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(gateway_charges).where(gateway_charges.c.idempotency_key == key)).mappings().first()
            )
        return None if row is None else _entry(row)

    def claim(self, entry: LedgerEntry) -> tuple[LedgerEntry, bool]:
        r = entry.record
        values = {
            "idempotency_key": r.idempotency_key,
            "outcome": r.outcome,
            "amount": r.amount,
            "currency": r.currency,
            "charge_id": r.charge_id,
            "reason": r.reason,
            "fingerprint": entry.fingerprint,
            "created_at": r.created_at,
            "settled_at": r.settled_at,
        }
        try:
            with self._write() as conn, conn.begin():
                conn.execute(insert(gateway_charges).values(**values))
            return entry, True
        except IntegrityError:  # the key is taken: the first request's result stands
            stored = self.get(r.idempotency_key)
            assert stored is not None
            return stored, False

    def mark_settled(self, charge_ids: list[str] | None, at: dt.datetime) -> int:
        query = update(gateway_charges).where(
            gateway_charges.c.outcome == "succeeded", gateway_charges.c.settled_at.is_(None)
        )
        if charge_ids is not None:
            if not charge_ids:
                return 0
            query = query.where(gateway_charges.c.charge_id.in_(charge_ids))
        with self._write() as conn, conn.begin():
            return int(conn.execute(query.values(settled_at=at)).rowcount)

    def entries(self) -> list[LedgerEntry]:
        with self.engine.connect() as conn:
            return [_entry(row) for row in conn.execute(select(gateway_charges)).mappings()]


def _create_table(engine: Engine) -> None:
    """Idempotent; two processes starting at once may race on CREATE TABLE, and the loser finds it there."""
    try:
        with engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                gateway_metadata.create_all(conn, checkfirst=True)
    except DBAPIError:
        if not inspect(engine).has_table("gateway_charges"):
            raise

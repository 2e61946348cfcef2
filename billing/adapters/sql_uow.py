"""Engines and units of work for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Connection, Engine, create_engine, event

from billing.adapters.sql_repository import SqlRepository


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: object) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def _sqlite_transactions(engine: Engine) -> None:
    """Take transaction control from pysqlite so writers can `BEGIN IMMEDIATE`.

    A deferred transaction that reads and then writes fails with "database is locked" when another
    writer got there first; taking the write lock up front makes writers queue instead.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "synchronous=NORMAL", "foreign_keys=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


class SqlUnitOfWork:
    """One transaction on one connection; rolled back unless committed."""

    def __init__(self, engine: Engine, *, write: bool = False) -> None:
        self.engine, self.write = engine, write

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self.engine.connect()
        self.conn.info["write"] = self.write
        self.tx = self.conn.begin()
        self.repo = SqlRepository(self.conn)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.tx.is_active:
                self.tx.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        self.tx.commit()

    def rollback(self) -> None:
        self.tx.rollback()


class SqlUnitOfWorkFactory:
    """`factory(write=True)` -> a new unit of work on the shared engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, write=write)

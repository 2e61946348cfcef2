"""Engines and units of work for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

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
    engine = create_engine(url, pool_size=10, max_overflow=20, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine, idle: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a pooled connection before use when it sat in the pool for `idle` seconds or more.

    A connection that died while idle (a server restart, a proxy's idle time-out) is replaced before a request
    uses it, as `pool_pre_ping` does; but `pool_pre_ping` pings on every checkout, a round trip per transaction
    (seven on a read turn), while a connection given back a moment ago is as alive as the server. Raising
    `DisconnectionError` here makes the pool open a new connection instead (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: DBAPIConnection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle:  # new, or back in the pool a moment ago
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection is gone") from error
        if not alive:
            raise DisconnectionError("the pooled connection is gone")


def _sqlite_transactions(engine: Engine) -> None:
    """Take transaction control from pysqlite so writers can `BEGIN IMMEDIATE`.

    A deferred transaction that reads and then writes fails with "database is locked" when another
    writer got there first; taking the write lock up front makes writers queue instead.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        _switch_to_wal(cur)
        for pragma in ("synchronous=NORMAL", "foreign_keys=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


WAL_TRIES = 100  # x 50 ms: as long as workers starting at once on a new file may hold it


def _switch_to_wal(cur: sqlite3.Cursor) -> None:
    """`PRAGMA journal_mode=WAL`, again while another connection holds the file. Switching needs the file to
    itself, and SQLite answers "database is locked" at once, without the busy timeout, when the switch would
    wait on a connection that waits on it: workers opening a new file at the same moment hit that."""
    for attempt in range(WAL_TRIES):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_TRIES - 1:
                raise
            time.sleep(0.05)


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

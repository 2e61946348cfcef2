"""One lock per job while it runs: a PostgreSQL session advisory lock, taken without waiting.

The lock belongs to a database session, not to a row or a transaction: it needs no table, it never
waits (`pg_try_advisory_lock` answers at once), and PostgreSQL drops it the moment the session ends, so a
worker killed mid-run (kill -9, a lost host) holds nothing once its connection is gone. The session is a
connection of its own in autocommit mode: the job's own transactions run on other connections, and no
transaction stays open for as long as the job runs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)


def lock_key(job: str) -> int:
    """The job's key in PostgreSQL's one 64-bit advisory lock space: stable across processes and hosts
    (Python's `hash` is not), namespaced so another application's keys on the same database do not collide."""
    digest = hashlib.sha256(f"portal-agent/job/{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    """Yields True while this process holds the lock, False (at once) if another session holds it."""
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        held = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            except Exception:  # the session is broken, so the server has dropped the lock with it
                log.warning("could not release a job lock; dropping its connection", exc_info=True)
                conn.invalidate()  # never hand a session that may still hold the lock back to the pool
    finally:
        conn.close()


def job_lock(engine: Engine, job: str) -> AbstractContextManager[bool]:
    """The job's lock on PostgreSQL. SQLite has no lock between processes to offer, and needs none here: its
    scheduler runs each job in one thread of one process, and a second process on the same file is kept
    from running a tick twice by the tick row (`ticks.claim`); the domain's jobs are safe side by side."""
    if engine.dialect.name == "postgresql":
        return advisory_lock(engine, lock_key(job))
    return nullcontext(True)

"""Database lifecycle: engine from settings, schema migrations (Alembic), the billing service."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from billing.adapters.sql_uow import make_engine, normalize_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# PostgreSQL's advisory lock key for migrating: the first 8 bytes of sha256("portal-agent/migrations"), in the
# same namespaced style as the jobs' keys (service/jobs/locks.py), so neither collides with another's.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"portal-agent/migrations").digest()[:8], "big", signed=True)

# A migration file's own lines `revision = '0009'` and `down_revision = '0008'` (or `= None`); a merge's tuple
# of parents does not match, and then the head is left to Alembic.
_REVISION = re.compile(r"^revision\s*=\s*['\"]([\w-]+)['\"]\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(?:None|['\"]([\w-]+)['\"])\s*$", re.MULTILINE)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration's revision id, read from the migration files' text without importing Alembic;
    None when the history is not one plain line (a file it cannot read, a merge, several heads), and then
    Alembic itself works the head out."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.search(source)
        if len(revision) != 1 or down is None:
            return None
        revisions.add(revision[0])
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def current_revisions(engine: Engine) -> list[str] | None:
    """The revisions the database records (Alembic's `alembic_version` table), read with plain SQL; None when
    that table cannot be read, as in a brand-new database. A failure to connect is raised as it is."""
    with engine.connect() as conn:
        conn.info["write"] = False  # a plain read: on SQLite it must not queue behind another's migration
        try:
            return [str(row[0]) for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
        except DBAPIError:  # no such table (a new database): Alembic creates it
            return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on every start.

    A database already at the head is left alone without importing Alembic (0.1 s of imports: mako, its
    DDL machinery) for an upgrade that would do nothing. Any other state (new, older, newer than this code,
    unreadable) goes to Alembic as before, in one transaction, so it migrates or says what is wrong; one
    process at a time."""
    if revision == "head" and (head := head_revision()) is not None and current_revisions(engine) == [head]:
        return
    from alembic import command

    cfg = alembic_config()
    with engine.connect() as conn:
        # Several workers may start at once on a database that needs migrating: the first one takes the lock
        # and migrates, the others wait for it and then find the schema at the head (Alembic reads the version
        # again once the lock is theirs). SQLite: the write lock from the start (BEGIN IMMEDIATE, see
        # sql_uow), waited for up to its busy timeout; PostgreSQL: a transaction-level advisory lock.
        conn.info["write"] = True
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            conn.info["write"] = False  # the flag stays with the pooled connection: its next user reads


def create_engine_for(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(url)


def postgres_unavailable(url: str) -> str | None:
    """None if a PostgreSQL server answers at `url`, else why not (tests skip, benchmarks say so)."""
    try:
        import psycopg

        with psycopg.connect(normalize_url(url).replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to answer means "no server here"
        return f"no PostgreSQL server answers at {url}: {type(exc).__name__}: {exc}".strip()


@contextmanager
def scratch_schema(url: str, prefix: str, *, options: str = "") -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards; yields a URL whose `search_path` is that schema.

    Tests and benchmarks share one database this way without seeing each other's tables.
    `options` adds libpq `-c` settings, already URL-encoded (e.g. `%20-ctimezone%3DAsia/Kolkata`).
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}?options=-csearch_path%3D{schema}{options}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()

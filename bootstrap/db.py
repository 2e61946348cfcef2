"""Database lifecycle: engine from settings, schema migrations (Alembic), the billing service."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from billing.adapters.sql_uow import make_engine, normalize_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run on every start."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


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

"""Integration fixtures: the billing service on a fresh SQLite file and a fresh PostgreSQL schema,
both migrated with the real Alembic migrations (`service.db.upgrade`)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from billing.clock import FixedClock
from billing.demo import seed_demo
from billing.service import BillingService
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from integration_kit import SlowGateway
from service.db import create_engine_for, upgrade

PG_BASE = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# A non-UTC session time zone proves datetimes are normalised, not just passed through.
PG_SESSION_TZ = "Asia/Kolkata"
RUN_ID = uuid.uuid4().hex[:8]


def _pg_unavailable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_BASE.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to answer means "no server here"
        return f"no PostgreSQL server answers at {PG_BASE}: {type(exc).__name__}: {exc}".strip()


PG_SKIP_REASON = _pg_unavailable()


def pytest_report_header(config: pytest.Config) -> str:
    return ("integration: PostgreSQL available at " + PG_BASE) if PG_SKIP_REASON is None else \
        f"integration: PostgreSQL tests SKIPPED — {PG_SKIP_REASON}"


@dataclass
class Backend:
    """A migrated, seeded database and the service over it."""

    name: str
    url: str
    engine: Engine
    clock: FixedClock
    gateway: SlowGateway
    svc: BillingService

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def _sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'portal.db'}"


def _postgres_url(schema: str) -> Iterator[str]:
    if PG_SKIP_REASON:
        print(f"\nSKIP PostgreSQL: {PG_SKIP_REASON}")
        pytest.skip(PG_SKIP_REASON)
    admin = create_engine_for(PG_BASE)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}%20-ctimezone%3D{PG_SESSION_TZ}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    name = request.param
    urls = _sqlite_url(tmp_path) if name == "sqlite" else _postgres_url(f"it_{RUN_ID}_{uuid.uuid4().hex[:8]}")
    url = next(urls)
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        upgrade(engine)  # safe to run on every start
        clock, gateway = FixedClock(), SlowGateway()
        svc = BillingService(SqlUnitOfWorkFactory(engine), clock, gateway)
        assert seed_demo(svc.uow_factory, clock.today(), clock.now())
        yield Backend(name, url, engine, clock, gateway, svc)
    finally:
        engine.dispose()
        next(urls, None)  # drop the PostgreSQL schema

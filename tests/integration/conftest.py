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
from service.db import create_engine_for, postgres_unavailable, scratch_schema, upgrade

PG_BASE = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# A non-UTC session time zone proves datetimes are normalised, not just passed through.
PG_SESSION_TZ = "Asia/Kolkata"
RUN_ID = uuid.uuid4().hex[:8]


PG_SKIP_REASON = postgres_unavailable(PG_BASE)


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


def _postgres_url() -> Iterator[str]:
    if PG_SKIP_REASON:
        print(f"\nSKIP PostgreSQL: {PG_SKIP_REASON}")
        pytest.skip(PG_SKIP_REASON)
    with scratch_schema(PG_BASE, f"it_{RUN_ID}", options=f"%20-ctimezone%3D{PG_SESSION_TZ}") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    name = request.param
    urls = _sqlite_url(tmp_path) if name == "sqlite" else _postgres_url()
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

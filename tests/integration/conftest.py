"""Integration fixtures: the billing service on a fresh SQLite file and a fresh PostgreSQL schema,
both migrated with the real Alembic migrations (`bootstrap.db.upgrade`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from integration_kit import SlowGateway, ledger_at
from sqlalchemy import Engine, text

from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import FixedClock
from billing.demo import seed_demo
from billing.service import BillingService
from bootstrap.db import create_engine_for, postgres_unavailable, scratch_schema, upgrade

PG_BASE = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# A non-UTC session time zone proves datetimes are normalised, not just passed through.
PG_SESSION_TZ = "Asia/Kolkata"
RUN_ID = uuid.uuid4().hex[:8]


PG_SKIP_REASON = postgres_unavailable(PG_BASE)


def pytest_report_header(config: pytest.Config) -> str:
    return (
        ("integration: PostgreSQL available at " + PG_BASE)
        if PG_SKIP_REASON is None
        else f"integration: PostgreSQL tests SKIPPED — {PG_SKIP_REASON}"
    )


@dataclass
class Backend:
    """A migrated, seeded database and the service over it."""

    name: str
    url: str
    engine: Engine
    clock: FixedClock
    gateway: SlowGateway
    svc: BillingService
    gateway_url: str = ""

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql)


def _sqlite_urls(tmp_path: Path) -> Iterator[tuple[str, str]]:
    yield f"sqlite:///{tmp_path / 'portal.db'}", f"sqlite:///{tmp_path / 'gateway.db'}"


def _postgres_urls() -> Iterator[tuple[str, str]]:
    """The portal's schema and, beside it, the gateway's own."""
    if PG_SKIP_REASON:
        print(f"\nSKIP PostgreSQL: {PG_SKIP_REASON}")
        pytest.skip(PG_SKIP_REASON)
    with (
        scratch_schema(PG_BASE, f"it_{RUN_ID}", options=f"%20-ctimezone%3D{PG_SESSION_TZ}") as url,
        scratch_schema(PG_BASE, f"itgw_{RUN_ID}") as gateway_url,
    ):
        yield url, gateway_url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    name = request.param
    urls = _sqlite_urls(tmp_path) if name == "sqlite" else _postgres_urls()
    url, gateway_url = next(urls)
    engine = create_engine_for(url)
    try:
        upgrade(engine)
        upgrade(engine)  # safe to run on every start
        clock = FixedClock()
        ledger = ledger_at(gateway_url)
        gateway = SlowGateway(ledger=ledger, clock=clock)
        svc = BillingService(SqlUnitOfWorkFactory(engine), clock, gateway)
        assert seed_demo(svc.uow_factory, clock.today(), clock.now())
        yield Backend(name, url, engine, clock, gateway, svc, gateway_url)
    finally:
        engine.dispose()
        if "ledger" in locals():
            ledger.engine.dispose()
        next(urls, None)  # drop the PostgreSQL schemas


@pytest.fixture
def demo_cli_env() -> dict[str, str]:
    """Settings a module's CLI tests need from the start (override it in the module)."""
    return {}


@pytest.fixture
def demo_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clear_service_caches: None, demo_cli_env: dict[str, str]
) -> Iterator[Any]:
    """`portal-agent` through typer's runner on a fresh demo world in a temporary data dir (SQLite), with no
    PORTAL_* setting from the environment or a stray .env; `invoke(*args)` returns (result, all output)."""
    from typer.testing import CliRunner

    from service.cli import app

    monkeypatch.chdir(tmp_path)  # no stray .env from the working directory
    for name in list(os.environ):
        if name.startswith("PORTAL_") and not name.startswith("PORTAL_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    for name, value in demo_cli_env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[Any, str]:
        result = runner.invoke(app, list(args))
        return result, result.output + (getattr(result, "stderr", "") if result.stderr_bytes is not None else "")

    result, out = invoke("db", "init", "--demo")
    assert result.exit_code == 0, out
    assert "Demo world created." in out and (tmp_path / "data" / "portal.db").exists()
    yield invoke
    from bootstrap.container import get_container

    get_container().engine.dispose()

"""Insights tests: the seeded week of insights_kit on a migrated database (SQLite, and PostgreSQL where a server
answers); the API tests reuse the service kit (tests/service/service_kit.py)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))  # insights_kit
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))  # service_kit

from insights_kit import seed  # noqa: E402

from bootstrap.db import create_engine_for, postgres_unavailable, scratch_schema, upgrade  # noqa: E402

PG_BASE = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _migrated_and_seeded(url: str) -> Engine:
    engine = create_engine_for(url)
    upgrade(engine)
    seed(engine)
    return engine


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The week of insights_kit in a migrated database (read only: shared by a module's tests)."""
    if request.param == "sqlite":
        engine = _migrated_and_seeded(f"sqlite:///{tmp_path_factory.mktemp('insights') / 'portal.db'}")
        yield engine
        engine.dispose()
        return
    if reason := postgres_unavailable(PG_BASE):
        pytest.skip(reason)
    with scratch_schema(PG_BASE, f"ins_{uuid.uuid4().hex[:6]}") as url:
        engine = _migrated_and_seeded(url)
        yield engine
        engine.dispose()

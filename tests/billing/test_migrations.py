"""The Alembic history builds exactly the schema the code declares: a table or column added to the code
without its migration (or the reverse) fails here, not on an operator's database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bootstrap.db import create_engine_for, upgrade
from bootstrap.migrations.env_metadata import TARGET_METADATA


def test_the_migrations_build_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'schema.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), list(TARGET_METADATA))
    engine.dispose()
    assert diff == []

"""Alembic environment: run with a connection passed in `config.attributes["connection"]`."""

from __future__ import annotations

from alembic import context

from bootstrap.migrations.env_metadata import TARGET_METADATA

config = context.config
target_metadata = list(TARGET_METADATA)


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()

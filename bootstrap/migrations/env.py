"""Alembic environment: run with a connection passed in `config.attributes["connection"]`."""

from __future__ import annotations

from alembic import context

from agent.store_tables import conversation_metadata
from billing.adapters.sql_tables import metadata
from bootstrap.job_tables import job_metadata
from bootstrap.slack_tables import slack_metadata

config = context.config
target_metadata = [metadata, conversation_metadata, slack_metadata, job_metadata]


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()

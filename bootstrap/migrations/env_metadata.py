"""Every table the Alembic history manages, in one list (the environment and the schema test share it)."""

from __future__ import annotations

from sqlalchemy import MetaData

from agent.store_tables import conversation_metadata
from billing.adapters.sql_tables import metadata
from bootstrap.job_tables import job_metadata
from bootstrap.slack_tables import slack_metadata

TARGET_METADATA: tuple[MetaData, ...] = (metadata, conversation_metadata, slack_metadata, job_metadata)

"""Conversation tables: kept beside the billing schema, migrated by the same Alembic history."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Text, UniqueConstraint

from billing.adapters.sql_types import UTCDateTime

conversation_metadata = MetaData()

conversations = Table(
    "conversations",
    conversation_metadata,
    Column("id", String(64), primary_key=True),
    Column("user_email", String(254), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("external_ref", String(200), nullable=True, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("lock_owner", String(64), nullable=True),
    Column("locked_until", UTCDateTime, nullable=True),
)

messages = Table(
    "messages",
    conversation_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("conversation_id", "seq", name="uq_message_seq"),
)

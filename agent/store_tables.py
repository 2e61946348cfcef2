"""Conversation tables: kept beside the billing schema, migrated by the same Alembic history."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text, UniqueConstraint

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
    Column("updated_at", UTCDateTime, nullable=False, index=True),  # the retention purge's cutoff (agent/retention.py)
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

# One row per turn, written with the turn's messages: what operators' insights count (issue 17). Texts are
# masked like the messages; `message_seq` is the reply a user may rate.
turns = Table(
    "turns",
    conversation_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("message_seq", Integer, nullable=False),
    Column("user_email", String(254), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # agent | decision | reask
    Column("question", Text, nullable=False),  # the user's message, masked, cut to QUESTION_CHARS
    Column("latency_ms", Integer, nullable=False),
    Column("model", String(64), nullable=False),
    Column("degraded", Boolean, nullable=False),
    Column("guard", JSON, nullable=False),  # why a model's reply was replaced or a proposal refused
    Column("proposed", String(64), nullable=False),  # the operation proposed this turn, "" for none
    Column("refusals", JSON, nullable=False),  # the domain's error codes of refused tool calls
    Column("handoff_queue", String(32), nullable=False),
    Column("handoff_subject", String(200), nullable=False),
    Column("searched", Boolean, nullable=False),  # the knowledge base was searched
    Column("unanswered", Boolean, nullable=False),  # searched, and the reply could not answer from it
)

# A user's rating of one assistant reply: one row per (conversation, reply, user), updated when re-rated.
feedback = Table(
    "feedback",
    conversation_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("message_seq", Integer, nullable=False),
    Column("user_email", String(254), nullable=False),
    Column("rating", Integer, nullable=False),  # +1 thumbs up, -1 thumbs down
    Column("comment", String(500), nullable=False),  # masked
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False, index=True),
    UniqueConstraint("conversation_id", "message_seq", "user_email", name="uq_feedback_once"),
)

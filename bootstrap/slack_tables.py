"""Slack tables: user links, one-time link codes and the de-duplication keys of delivered events."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

from billing.adapters.sql_types import UTCDateTime

slack_metadata = MetaData()

slack_user_links = Table(
    "slack_user_links",
    slack_metadata,
    Column("slack_user_id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("team_id", String(32), nullable=True),
    Column("method", String(16), nullable=False),  # slack_email | cli | code
    Column("linked_at", UTCDateTime, nullable=False),
)

# Only a hash of each code is stored: a copy of the table cannot be used to link anyone.
slack_link_codes = Table(
    "slack_link_codes",
    slack_metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", String(32), nullable=True),
)

# Wrong link codes per Slack user in the current window: after a few, redeeming is locked for the window.
slack_link_failures = Table(
    "slack_link_failures",
    slack_metadata,
    Column("slack_user_id", String(32), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UTCDateTime, nullable=False),
)

# The primary key is the de-duplication: the first worker to insert a key handles the delivery.
slack_events = Table(
    "slack_events",
    slack_metadata,
    Column("key", String(200), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False, index=True),
)

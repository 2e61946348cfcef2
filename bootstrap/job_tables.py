"""The background jobs' table: one row per job, the last tick a worker claimed and how that run ended.

The row is what makes a tick run once across workers and hosts (`service/jobs/ticks.py`); it also tells an
operator when each job last ran, where, and what it did.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

from billing.adapters.sql_types import UTCDateTime

job_metadata = MetaData()

OUTCOME_CHARS = 300

job_runs = Table(
    "job_runs",
    job_metadata,
    Column("job", String(32), primary_key=True),
    Column("tick", UTCDateTime, nullable=False),  # the start of the last interval slot a worker claimed
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),  # None: running, or its worker died
    Column("worker", String(120), nullable=False),  # host:pid of the claimer
    Column("outcome", String(OUTCOME_CHARS), nullable=False, server_default=""),  # the run's summary or error
)

"""The `job_runs` row of each job: which tick was claimed last, by whom, and how its run ended.

Claiming is one statement (an upsert whose update applies only to an older tick), so of two workers
claiming the same tick at once exactly one gets it, on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, update
from sqlalchemy.dialects import postgresql, sqlite

from bootstrap.job_tables import OUTCOME_CHARS, job_runs

NO_TICK = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # the tick of a row whose only runs were asked for by hand


def claim(engine: Engine, job: str, tick: dt.datetime, worker: str, now: dt.datetime, *, force: bool = False) -> bool:
    """Record that `worker` runs `job` for `tick`, unless that tick (or a later one) was claimed already.

    `force` (a run asked for by hand) records the run whatever was claimed, and leaves the tick as it was:
    it is an extra run, and the scheduled ticks go on as before."""
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(job_runs)
    first_tick = NO_TICK if force else tick
    stmt = insert.values(job=job, tick=first_tick, started_at=now, finished_at=None, worker=worker, outcome="")
    fields = {"started_at": stmt.excluded.started_at, "finished_at": None, "worker": worker, "outcome": ""}
    if force:
        stmt = stmt.on_conflict_do_update(index_elements=[job_runs.c.job], set_=fields)
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=[job_runs.c.job],
            set_={**fields, "tick": stmt.excluded.tick},
            where=job_runs.c.tick < stmt.excluded.tick,
        )
    with engine.connect() as conn:
        conn.info["write"] = True  # SQLite: BEGIN IMMEDIATE, like every writer (billing.adapters.sql_uow)
        with conn.begin():
            return conn.execute(stmt.returning(job_runs.c.job)).first() is not None


def finish(engine: Engine, job: str, worker: str, started_at: dt.datetime, now: dt.datetime, outcome: str) -> None:
    """Record how the run ended, if the row is still this run's (a run that outlived its tick on SQLite may
    find the next run's claim there; that claim keeps its own record)."""
    cut = outcome if len(outcome) <= OUTCOME_CHARS else outcome[: OUTCOME_CHARS - 1] + "…"
    with engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            conn.execute(
                update(job_runs)
                .where(job_runs.c.job == job, job_runs.c.worker == worker, job_runs.c.started_at == started_at)
                .values(finished_at=now, outcome=cut)
            )

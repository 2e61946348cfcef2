"""Jobs beside the HTTP service (PORTAL_JOBS=serve) and what a starting scheduler tells the operator."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from service.jobs.catalog import build_jobs
from service.jobs.job import JOB_NAMES, Job
from service.jobs.scheduler import Scheduler
from service.mail.relay import RelayNotConfigured, delivery_note

if TYPE_CHECKING:
    from bootstrap.container import Container

log = logging.getLogger(__name__)


def describe(jobs: Sequence[Job], dialect: str) -> str:
    """One line: which jobs, how often, and what keeps a tick from running twice on this database."""
    every = ", ".join(f"{job.name} every {job.interval:g} s" for job in jobs)
    if dialect == "postgresql":
        guard = "PostgreSQL advisory locks: any number of workers and hosts run each tick once"
    else:
        guard = "SQLite is one host: run them in one process, serve or a single portal-agent worker"
    return f"Background jobs: {every} ({guard})."


def start_in_serve(container: Container) -> tuple[Scheduler, list[str]]:
    """Start the jobs in this process, the one `portal-agent serve` runs in: the uvicorn supervisor when there
    are several workers, so one scheduler serves them all. Returns it and the lines to show at start.

    A relay that cannot start here (production without PORTAL_SMTP_URL) does not keep the service from
    starting: the other jobs run, mail waits in the outbox, and the log says so."""
    notes = []
    try:
        jobs = build_jobs(container)
        notes.append(delivery_note(container.settings))
    except RelayNotConfigured as problem:
        log.error("the outbox relay does not run in serve: %s; mail waits in the outbox", problem)
        notes.append(f"Outbox relay NOT running: {problem}; mail waits in the outbox.")
        jobs = build_jobs(container, [name for name in JOB_NAMES if name != "relay"])
    scheduler = Scheduler(container.engine, jobs)
    scheduler.start()
    notes.insert(
        0, describe(jobs, container.engine.dialect.name) + " PORTAL_JOBS=off leaves them to portal-agent worker."
    )
    return scheduler, notes

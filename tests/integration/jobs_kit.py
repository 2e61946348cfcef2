"""Helpers of the background jobs' tests: the product's jobs over a test's own service, schedulers that record
every attempt, payments to settle and receipts to deliver."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from smtp_kit import SENDER

from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import FixedClock
from billing.entities import ActionStatus
from billing.operations.registry import command
from billing.principal import Principal
from billing.service import BillingService
from bootstrap.db import create_engine_for
from bootstrap.settings import Settings
from service.jobs.catalog import build_jobs
from service.jobs.job import Job, Outcome, Status
from service.jobs.scheduler import Scheduler

ALICE = Principal("alice@acme.example")
CAROL = Principal("carol@globex.example")
# Three card payments of the demo world: Alice's, and Carol's two overdue invoices (which un-suspend GLOBEX).
PAYMENTS = ((ALICE, "INV-1001"), (CAROL, "INV-2001"), (CAROL, "INV-2002"))


def pay_demo_invoices(svc: BillingService) -> list[str]:
    """Pay the three demo invoices; returns their invoice ids (each now processing, each with a receipt)."""
    for i, (who, invoice) in enumerate(PAYMENTS):
        action = svc.propose(who, f"conv-pay-{i}", command("pay_invoice", {"invoice_id": invoice}))
        assert svc.execute(who, action.id, f"conv-pay-{i}").status == ActionStatus.EXECUTED
    return [invoice for _, invoice in PAYMENTS]


def service_on(url: str, clock: FixedClock, gateway: Any) -> BillingService:
    """A service with its own engine (its own connections), as another worker process would have."""
    return BillingService(SqlUnitOfWorkFactory(create_engine_for(url)), clock, gateway)


def jobs_for(
    svc: BillingService, names: list[str], interval: float = 60.0, transport: Any = None, **settings_values: Any
) -> list[Job]:
    """The product's jobs (`service.jobs.catalog`) over `svc` and its database, every `interval` seconds; other
    settings as `settings_values` (e.g. `portal_retention_days`)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        portal_settle_interval=interval,
        portal_expire_interval=interval,
        portal_reconcile_interval=interval,
        portal_relay_interval=interval,
        portal_purge_interval=interval,
        portal_mail_from=SENDER,
        **settings_values,
    )
    container = SimpleNamespace(settings=settings, billing=svc, engine=svc.uow_factory.engine)
    return build_jobs(container, names, transport=transport)  # type: ignore[arg-type]


@dataclass
class Attempt:
    worker: str
    job: str
    tick: dt.datetime
    status: Status


@dataclass
class Attempts:
    """Every attempt of every recording scheduler, in order."""

    items: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ran(self, job: str) -> list[Attempt]:
        with self.lock:
            return [a for a in self.items if a.job == job and a.status == Status.RAN]

    def of(self, worker: str, job: str) -> list[Attempt]:
        with self.lock:
            return [a for a in self.items if a.worker == worker and a.job == job]


class RecordingScheduler(Scheduler):
    """The real scheduler; every tick it attempts is written down with what came of it."""

    def __init__(self, *args: Any, attempts: Attempts, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attempts = attempts

    def run_tick(self, job: Job, tick: dt.datetime) -> Outcome:
        outcome = super().run_tick(job, tick)
        with self.attempts.lock:
            self.attempts.items.append(Attempt(self.worker, job.name, tick, outcome.status))
        return outcome


def counting_job(name: str, interval: float, *, hold: threading.Event | None = None, work: float = 0.0) -> Any:
    """A job that counts its runs; `hold` keeps a run going until set, `work` is how long a run takes."""
    runs: list[str] = []

    def run() -> str:
        runs.append(threading.current_thread().name)
        if hold is not None:
            assert hold.wait(30), "the test never let the job finish"
        if work:
            threading.Event().wait(work)
        return f"run {len(runs)}"

    return Job(name, interval, run), runs

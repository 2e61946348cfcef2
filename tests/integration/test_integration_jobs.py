"""The background jobs' scheduler on SQLite and PostgreSQL: each tick of each job runs once however many
schedulers share the database, a job running on one worker is skipped by the others (PostgreSQL advisory
lock), and two schedulers running side by side settle each payment once."""

from __future__ import annotations

import datetime as dt
import threading
import time

from jobs_kit import Attempts, RecordingScheduler, counting_job, jobs_for, pay_demo_invoices, service_on
from sqlalchemy import select, text

from billing.entities import Account, AccountStatus, AuditEntry, Invoice, InvoiceStatus, Payment
from bootstrap.job_tables import job_runs
from service.jobs.job import Status, tick_of
from service.jobs.locks import lock_key
from service.jobs.scheduler import Scheduler
from service.jobs.ticks import NO_TICK


def _all(backend, cls, **filters):
    with backend.svc.uow_factory() as uow:
        return uow.repo.find(cls, **filters)


def _row(backend, job: str):
    with backend.engine.connect() as conn:
        return conn.execute(select(job_runs).where(job_runs.c.job == job)).mappings().one()


def _engines(backend, n: int):
    """One engine per scheduler, as separate processes would have."""
    from bootstrap.db import create_engine_for

    return [create_engine_for(backend.url) for _ in range(n)]


def test_a_tick_runs_once_whichever_scheduler_comes_first(backend):
    job, runs = counting_job("count", 60)
    engines = _engines(backend, 2)
    try:
        a, b = (Scheduler(e, [job], worker=w) for e, w in zip(engines, "ab"))
        tick = tick_of(time.time(), job.interval)
        later = tick + dt.timedelta(seconds=job.interval)

        assert a.run_tick(job, tick).status == Status.RAN
        assert b.run_tick(job, tick).status == Status.DONE_ELSEWHERE  # woke a moment later
        assert a.run_tick(job, tick).status == Status.DONE_ELSEWHERE
        assert b.run_tick(job, later).status == Status.RAN
        assert a.run_tick(job, tick).status == Status.DONE_ELSEWHERE  # a clock behind cannot run a past tick
        assert len(runs) == 2
        row = _row(backend, "count")
        assert (row["tick"], row["worker"], row["outcome"]) == (later, "b", "run 2") and row["finished_at"]

        # A run asked for by hand (`worker --once`) runs, and leaves the scheduled ticks as they were.
        assert a.run_now(job).status == Status.RAN and len(runs) == 3
        assert (_row(backend, "count")["tick"], _row(backend, "count")["worker"]) == (later, "a")
        assert b.run_tick(job, later).status == Status.DONE_ELSEWHERE
    finally:
        for e in engines:
            e.dispose()


def test_a_run_by_hand_before_any_tick_leaves_the_first_tick_to_the_schedule(backend):
    job, runs = counting_job("count", 60)
    scheduler = Scheduler(backend.engine, [job], worker="a")
    assert scheduler.run_now(job).status == Status.RAN
    assert _row(backend, "count")["tick"] == NO_TICK
    assert scheduler.run_tick(job, tick_of(time.time(), job.interval)).status == Status.RAN and len(runs) == 2


def test_a_job_running_on_one_worker_is_skipped_by_the_others_on_postgresql(backend):
    """PostgreSQL: the job's advisory lock keeps a second worker out while the first runs it, without holding
    up the second worker's other jobs. SQLite has no lock between processes (one host, one scheduler): the tick
    row alone keeps a tick from running twice there, and a later tick may run beside a long one."""
    hold = threading.Event()
    slow, slow_runs = counting_job("slow", 60, hold=hold)
    other, other_runs = counting_job("other", 60)
    engines = _engines(backend, 2)
    try:
        a, b = Scheduler(engines[0], [slow], worker="a"), Scheduler(engines[1], [slow, other], worker="b")
        tick = tick_of(time.time(), 60)
        first = threading.Thread(target=a.run_tick, args=(slow, tick))
        first.start()
        deadline = time.monotonic() + 20
        while not slow_runs and time.monotonic() < deadline:
            time.sleep(0.01)
        next_tick = tick + dt.timedelta(seconds=60)
        expected = Status.RUNNING_ELSEWHERE if backend.name == "postgresql" else Status.RAN
        if backend.name == "sqlite":
            hold.set()  # the second run would wait on the same event
        assert b.run_tick(slow, next_tick).status == expected
        assert b.run_tick(other, tick).status == Status.RAN  # one lock per job
        hold.set()
        first.join(20)
        if backend.name == "postgresql":
            assert b.run_tick(slow, next_tick).status == Status.RAN  # the lock went with the run
        assert len(slow_runs) == 2 and len(other_runs) == 1
    finally:
        hold.set()
        for e in engines:
            e.dispose()


def test_job_locks_are_stable_per_job_and_distinct():
    keys = {name: lock_key(name) for name in ("settle", "expire", "reconcile", "relay")}
    assert len(set(keys.values())) == 4 and all(-(2**63) <= k < 2**63 for k in keys.values())
    assert keys["settle"] == lock_key("settle")  # the same in every process (not Python's salted hash)


def test_two_schedulers_side_by_side_run_each_tick_once_and_settle_each_payment_once(backend):
    """Two schedulers (own connection pools, as two worker processes) run the real settlement job and a
    counting job every 0.25 s for 3 s: every tick of each job is attempted by both, and run by one."""
    invoices = pay_demo_invoices(backend.svc)
    backend.clock.advance(hours=25)  # the gateway has settled the charges
    interval, attempts = 0.25, Attempts()
    services = [service_on(backend.url, backend.clock, backend.gateway) for _ in range(2)]
    schedulers = []
    for worker, svc in zip("ab", services):
        count, _ = counting_job("count", interval, work=0.02)
        jobs = [*jobs_for(svc, ["settle"], interval), count]
        schedulers.append(RecordingScheduler(svc.uow_factory.engine, jobs, worker=worker, attempts=attempts))
    try:
        for s in schedulers:
            s.start()
        time.sleep(3.0)
    finally:
        for s in schedulers:
            s.stop()
        for svc in services:
            svc.uow_factory.engine.dispose()

    for job in ("settle", "count"):
        ran = [a.tick for a in attempts.ran(job)]
        assert len(ran) == len(set(ran)), f"a tick of {job} ran twice"
        both = set.intersection(*({a.tick for a in attempts.of(w, job)} for w in "ab"))
        assert len(both) >= 8, f"the two schedulers attempted only {len(both)} common ticks of {job}"
        assert both <= set(ran), f"a tick of {job} both attempted was run by neither"
    audits = _all(backend, AuditEntry, operation="settle_payment")
    assert sorted(a.args["invoice_id"] for a in audits) == sorted(invoices)  # one settlement per payment
    assert {p.status for p in _all(backend, Payment)} == {"settled"}
    assert {i.status for i in _all(backend, Invoice, id=invoices)} == {InvoiceStatus.PAID}
    assert _all(backend, Account, id="GLOBEX")[0].status == AccountStatus.ACTIVE
    split = {w: len([a for a in attempts.items if a.worker == w and a.status == Status.RAN]) for w in "ab"}
    skipped = {s.value: len([a for a in attempts.items if a.status == s]) for s in Status if s != Status.RAN}
    print(f"\njobs on {backend.name}: {len(attempts.ran('count'))} count ticks, runs split {split}, skipped {skipped}")


def test_job_runs_is_created_by_the_migrations(backend):
    assert backend.scalar("SELECT count(*) FROM job_runs") == 0
    with backend.engine.connect() as conn:
        columns = set(conn.execute(text("SELECT * FROM job_runs")).keys())
    assert columns == {"job", "tick", "started_at", "finished_at", "worker", "outcome"}

"""kill -9 of a `portal-agent worker` process in the middle of a job, on SQLite and PostgreSQL: nothing is lost
and nothing is done twice. The next worker's next tick finds the job free (the dead worker's advisory lock
went with its connection), settles what the dead one did not commit, once, and delivers the outbox; the
receipts are counted at a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jobs_kit import jobs_for, pay_demo_invoices
from smtp_kit import DOMAIN, SENDER, queue, smtp_server, transport
from sqlalchemy import select

from billing.entities import Account, AccountStatus, AuditEntry, Invoice, InvoiceStatus, MailStatus, OutboxMail, Payment
from bootstrap.job_tables import job_runs
from service.jobs.job import Job, Outcome, Status, tick_of
from service.jobs.scheduler import Scheduler

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _all(backend, cls, **filters):
    with backend.svc.uow_factory() as uow:
        return sorted(uow.repo.find(cls, **filters), key=lambda e: e.id)


def _worker_command(backend, tmp_path: Path, point: str, job: str, **env: str) -> tuple[list[str], dict[str, str]]:
    """The real `portal-agent worker --jobs JOB` on the test's database, killed at `point` (jobs_worker.py)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OPENAI_", "SLACK_"))}
    clean.update(
        {
            "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")]),
            "PORTAL_DATA_DIR": str(tmp_path / "worker-data"),
            "PORTAL_DATABASE_URL": backend.url,
            "PORTAL_GATEWAY_URL": backend.gateway_url,
            "PORTAL_MAIL_FROM": SENDER,
            "PORTAL_LOG_LEVEL": "WARNING",
            **env,
        }
    )
    return [sys.executable, str(HERE / "jobs_worker.py"), point, "worker", "--jobs", job], clean


def _worker(backend, tmp_path: Path, point: str, job: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The worker, run until it kills itself at `point`."""
    args, env = _worker_command(backend, tmp_path, point, job, **env)
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    return done


def _dead_run(backend, job: str) -> dict:
    """The dead worker's `job_runs` row: claimed, never finished."""
    with backend.engine.connect() as conn:
        conn.info["write"] = False  # a plain read: on SQLite it must not queue behind a live worker's writes
        row = dict(conn.execute(select(job_runs).where(job_runs.c.job == job)).mappings().one())
    assert row["finished_at"] is None and row["outcome"] == "", row
    return row


def _next_tick(scheduler: Scheduler, job: Job, after: dt.datetime) -> tuple[Outcome, float]:
    """The surviving worker's next tick of `job`; on PostgreSQL it waits (at most 10 s) until the server has
    noticed the dead worker's connection closed, and returns how long that took."""
    started = time.monotonic()
    tick = max(tick_of(time.time(), job.interval), after + dt.timedelta(seconds=job.interval))
    while True:
        outcome = scheduler.run_tick(job, tick)
        if outcome.status != Status.RUNNING_ELSEWHERE or time.monotonic() - started > 10:
            return outcome, time.monotonic() - started
        time.sleep(0.05)
        tick += dt.timedelta(seconds=job.interval)


def _real_time(backend, **delta: float) -> None:
    """The worker processes run on the real clock; the test's own service follows it."""
    backend.clock.current = dt.datetime.now(dt.UTC) + dt.timedelta(**delta)


@pytest.mark.parametrize("point", ["settle-before-commit", "settle-after-commit"])
def test_a_worker_killed_during_settlement_loses_nothing_and_doubles_nothing(backend, tmp_path, point):
    _real_time(backend, days=-2)
    invoices = pay_demo_invoices(backend.svc)
    _real_time(backend)  # a day and more later: the gateway has settled the three charges
    worker = _worker(backend, tmp_path, point, "settle", PORTAL_SETTLE_INTERVAL="0.5")

    committed = point == "settle-after-commit"
    assert {p.status for p in _all(backend, Payment)} == {"settled" if committed else "processing"}
    assert len(_all(backend, AuditEntry, operation="settle_payment")) == (3 if committed else 0)
    dead = _dead_run(backend, "settle")
    assert re.fullmatch(r".+:\d+", dead["worker"]) and worker.stdout == ""  # host:pid of the dead worker

    [job] = jobs_for(backend.svc, ["settle"], interval=0.5)
    survivor = Scheduler(backend.engine, [job], worker="survivor")
    outcome, waited = _next_tick(survivor, job, dead["tick"])
    assert outcome.status == Status.RAN, outcome
    assert outcome.summary == ("" if committed else f"settled {', '.join(invoices)}")
    assert _next_tick(survivor, job, dead["tick"] + dt.timedelta(seconds=1))[0].summary == ""  # nothing left

    audits = _all(backend, AuditEntry, operation="settle_payment")
    assert sorted(a.args["invoice_id"] for a in audits) == sorted(invoices)  # once per payment
    assert {p.status for p in _all(backend, Payment)} == {"settled"} and len(_all(backend, Payment)) == 3
    assert {(i.status, str(i.balance)) for i in _all(backend, Invoice, id=invoices)} == {(InvoiceStatus.PAID, "0.00")}
    assert _all(backend, Account, id="GLOBEX")[0].status == AccountStatus.ACTIVE
    print(f"\nworker kill -9 {point} on {backend.name}: the next worker ran after {waited:.2f} s, 3 settlements")


def test_a_worker_killed_from_outside_holds_its_job_until_it_dies_and_not_a_moment_longer(backend, tmp_path):
    """kill -9 sent from outside while the worker is inside its settlement transaction. On PostgreSQL another
    worker's tick is skipped while the worker lives (the advisory lock), and runs as soon as it is dead."""
    _real_time(backend, days=-2)
    invoices = pay_demo_invoices(backend.svc)
    _real_time(backend)
    mark = tmp_path / "inside-settlement"
    args, env = _worker_command(
        backend, tmp_path, "settle-hang", "settle", PORTAL_SETTLE_INTERVAL="0.5", JOBS_WORKER_MARK=str(mark)
    )
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not mark.exists() and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        assert mark.exists(), "the worker never reached its settlement"
        [job] = jobs_for(backend.svc, ["settle"], interval=0.5)
        survivor = Scheduler(backend.engine, [job], worker="survivor")
        claimed = _dead_run(backend, "settle")["tick"]
        if backend.name == "postgresql":
            later = claimed + dt.timedelta(seconds=job.interval)
            assert survivor.run_tick(job, later).status == Status.RUNNING_ELSEWHERE  # it lives: hands off
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert {p.status for p in _all(backend, Payment)} == {"processing"}  # its transaction died with it

    outcome, waited = _next_tick(survivor, job, claimed + dt.timedelta(seconds=job.interval))
    assert (outcome.status, outcome.summary) == (Status.RAN, f"settled {', '.join(invoices)}")
    audits = _all(backend, AuditEntry, operation="settle_payment")
    assert sorted(a.args["invoice_id"] for a in audits) == sorted(invoices)
    print(f"\nworker kill -9 from outside on {backend.name}: the next worker ran {waited:.2f} s after the kill")


@pytest.mark.parametrize("point", ["relay-before-send:3", "relay-after-send:3"])
def test_a_worker_killed_during_the_relay_loses_nothing_and_repeats_at_most_the_mail_in_flight(
    backend, tmp_path, point
):
    _real_time(backend, days=-2)
    pay_demo_invoices(backend.svc)  # three receipts
    _real_time(backend, days=-1)
    queue(backend.svc.uow_factory, backend.clock, 2)  # and two notices behind them
    ids = [m.id for m in sorted(_all(backend, OutboxMail), key=lambda m: (m.created_at, m.id))]
    receipts = {m.id for m in _all(backend, OutboxMail, kind="payment_receipt")}
    assert len(ids) == 5 and len(receipts) == 3
    accepted_by_dead = 3 if point.startswith("relay-after-send") else 2

    with smtp_server() as server:
        _worker(backend, tmp_path, point, "relay", PORTAL_SMTP_URL=server.url, PORTAL_RELAY_INTERVAL="0.5")
        delivered = server.recorder.message_ids()
        assert delivered == [f"<{i}@{DOMAIN}>" for i in ids[:accepted_by_dead]]
        statuses = {m.id: m.status for m in _all(backend, OutboxMail)}
        assert [statuses[i] for i in ids] == [MailStatus.SENT] * 2 + [MailStatus.QUEUED] * 3
        dead = _dead_run(backend, "relay")

        _real_time(backend)
        [job] = jobs_for(backend.svc, ["relay"], interval=0.5, transport=transport(server.url))
        survivor = Scheduler(backend.engine, [job], worker="survivor")
        outcome, waited = _next_tick(survivor, job, dead["tick"])
        assert (outcome.status, outcome.summary) == (Status.RAN, "")  # the dead worker's claim still holds
        _real_time(backend, minutes=11)  # ... until its lease runs out
        outcome, _ = _next_tick(survivor, job, dead["tick"] + dt.timedelta(seconds=1))
        assert outcome.summary.startswith("Sent 3 mail(s)"), outcome

    delivered = server.recorder.message_ids()
    assert sorted(set(delivered)) == sorted(f"<{i}@{DOMAIN}>" for i in ids)  # nothing lost
    repeats = sorted(m for m in set(delivered) if delivered.count(m) > 1)
    assert repeats == ([f"<{ids[2]}@{DOMAIN}>"] if accepted_by_dead == 3 else [])  # the one in flight, if any
    receipt_copies = [m for m in delivered if m.strip("<>").partition("@")[0] in receipts]
    assert {m.status for m in _all(backend, OutboxMail)} == {MailStatus.SENT}
    print(
        f"\nworker kill -9 {point} on {backend.name}: {len(delivered)} messages for {len(ids)} mails "
        f"({len(receipt_copies)} for 3 receipts), repeats {len(repeats)}, next worker ran after {waited:.2f} s"
    )

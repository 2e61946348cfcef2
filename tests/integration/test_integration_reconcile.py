"""Reconciliation on SQLite and PostgreSQL: two processes reconciling at the same moment record each
payment's outcome once (one payment, one receipt, one audit row each), and the gateway's ledger and
the recorded payments agree afterwards."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from billing.entities import (
    ActionStatus,
    AuditEntry,
    IntentState,
    Invoice,
    InvoiceStatus,
    OutboxMail,
    Payment,
    PaymentIntent,
    PendingAction,
)
from billing.operations.registry import command
from billing.principal import Principal

ALICE = Principal("alice@acme.example")
HERE = Path(__file__).parent
REPO = HERE.parent.parent
CHARGED = ["INV-R1", "INV-R2", "INV-R3", "INV-R4"]  # the gateway charged them; the answer was lost
NEVER_ARRIVED = "INV-R5"  # the gateway could not be reached: it never saw the key


def _all(backend, cls, **filters):
    with backend.svc.uow_factory() as uow:
        return uow.repo.find(cls, **filters)


def _in_progress_payments(backend) -> None:
    svc, today = backend.svc, backend.clock.today()
    with svc.uow_factory(write=True) as uow:
        for iid in CHARGED + [NEVER_ARRIVED]:
            uow.repo.add(
                Invoice(
                    iid,
                    "C-1001",
                    Decimal("100.00"),
                    Decimal("100.00"),
                    "USD",
                    InvoiceStatus.OPEN,
                    today,
                    today + dt.timedelta(days=10),
                )
            )
        uow.commit()
    card = backend.gateway.tokenize("4000 0000 0000 3220", 12, 2030, "123")  # charged, then a time-out
    form = svc.propose(
        ALICE,
        "form",
        command(
            "update_card",
            {
                "contract_id": "C-1001",
                "token": card.token,
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": 12,
                "exp_year": 2030,
            },
        ),
    )
    svc.execute(ALICE, form.id, "form")
    for iid in CHARGED + [NEVER_ARRIVED]:
        backend.gateway.unreachable = iid == NEVER_ARRIVED
        action = svc.propose(ALICE, f"conv-{iid}", command("pay_invoice", {"invoice_id": iid}))
        assert svc.execute(ALICE, action.id, f"conv-{iid}").status == ActionStatus.IN_PROGRESS
    backend.gateway.unreachable = False
    assert {i.state for i in _all(backend, PaymentIntent)} == {IntentState.UNKNOWN}


def _race(backend, tmp_path) -> list[dict]:
    sync = tmp_path / "sync"
    sync.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")])}
    args = [
        sys.executable,
        str(HERE / "reconcile_worker.py"),
        backend.url,
        backend.gateway_url,
        backend.clock.now().isoformat(),
        str(sync),
    ]
    procs = [
        subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 60
    while len(list(sync.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    (sync / "go").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    return [json.loads(out) for out, _ in outputs]


def test_two_processes_reconciling_at_once_record_each_outcome_once(backend, tmp_path):
    _in_progress_payments(backend)
    reports = _race(backend, tmp_path)

    succeeded = [iid for r in reports for iid in r["succeeded"]]
    declined = [iid for r in reports for iid in r["declined"]]
    assert sorted(succeeded) == CHARGED and declined == [NEVER_ARRIVED]  # each once, by one process or the other
    assert sum(r["checked"] for r in reports) == len(succeeded) + len(declined) + sum(
        r["completed_elsewhere"] + len(r["unanswered"]) for r in reports
    )
    payments = _all(backend, Payment)
    assert sorted(p.invoice_id for p in payments) == CHARGED
    charges = {r.idempotency_key: r for r in backend.gateway.records() if r.succeeded}
    assert sorted(charges) == sorted(p.action_id for p in payments)  # gateway charges = recorded payments
    for p in payments:
        assert (p.amount, p.gateway_charge_id) == (charges[p.action_id].amount, charges[p.action_id].charge_id)
        assert len(_all(backend, OutboxMail, kind="payment_receipt", ref=p.id)) == 1
        assert [a.outcome for a in _all(backend, AuditEntry, action_id=p.action_id)] == ["executed"]
    [voided] = [r for r in backend.gateway.records() if r.outcome == "voided"]
    failed = next(a for a in _all(backend, PendingAction, operation="pay_invoice") if a.id == voided.idempotency_key)
    assert (failed.status, failed.args["invoice_id"]) == (ActionStatus.FAILED, NEVER_ARRIVED)
    assert {i.state for i in _all(backend, PaymentIntent)} == {IntentState.SUCCEEDED, IntentState.DECLINED}
    assert backend.svc.reconcile(older_than=dt.timedelta(0)).checked == 0

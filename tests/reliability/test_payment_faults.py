"""Fault injection for Pay Now (issue 20), on SQLite and PostgreSQL.

A worker process confirms a card payment and is killed with kill -9 at one step
(`payment_fault_worker.py`: after the intent, after the gateway call, before, during and after the
outcome commit, or not at all), with a card that is charged, one that is declined and one that is
charged but whose answer times out. Then, as after a restart: the customer tries to pay again,
reconciliation runs, the customer pays again if the invoice is payable, and reconciliation runs once
more. For every run the gateway's own ledger (its own SQLite file, or its own PostgreSQL schema) is
compared with the portal's records: charges = payments (same keys, same amounts), at most one charge
per invoice, one receipt per payment, no payment left in progress, no invoice without a way forward.
"""

from __future__ import annotations

import collections
import datetime as dt
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from payment_fault_worker import POINTS
from rkit import HERE, PG_SKIP, ROOT, pg_schema, report

from billing.adapters.gateway import SimulatedGateway
from billing.adapters.gateway_sql import SqlLedger
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import SystemClock
from billing.demo import seed_demo
from billing.entities import (
    OPEN_INTENT_STATES,
    ActionStatus,
    Card,
    Contract,
    ContractContact,
    Invoice,
    InvoiceStatus,
    OutboxMail,
    Payment,
    PaymentIntent,
    PendingAction,
)
from billing.errors import InvoiceNotPayable
from billing.operations.registry import command
from billing.principal import Principal
from billing.service import BillingService
from bootstrap.db import create_engine_for, upgrade

ALICE = Principal("alice@acme.example", "web")
WORKER = HERE / "payment_fault_worker.py"
CARDS = {"charged": "4242 4242 4242 4242", "declined": "4000 0000 0000 0002", "timeout": "4000 0000 0000 3220"}
NOW = dt.timedelta(0)  # reconciliation right away: the worker is dead, nothing is still in flight


@dataclass
class Bench:
    """The portal's database and the gateway's ledger, with a service over them (the restarted process)."""

    kind: str
    url: str
    gateway_url: str
    svc: BillingService

    def all(self, cls: type, **filters: object) -> list:
        with self.svc.uow_factory() as uow:
            return uow.repo.find(cls, **filters)


@contextmanager
def databases(kind: str, tmp_path: Path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}", f"sqlite:///{tmp_path / 'gateway.db'}"
        return
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    with pg_schema("relpay") as url, pg_schema("relpaygw") as gateway_url:  # the gateway in a schema of its own
        yield url, gateway_url


@pytest.fixture(params=["sqlite", "postgresql"])
def bench(request, tmp_path: Path):
    with databases(request.param, tmp_path) as (url, gateway_url):
        engine, clock = create_engine_for(url), SystemClock()
        upgrade(engine)
        ledger = SqlLedger(create_engine_for(gateway_url))
        svc = BillingService(SqlUnitOfWorkFactory(engine), clock, SimulatedGateway(ledger, clock))
        assert seed_demo(svc.uow_factory, clock.today(), clock.now())
        _contracts(svc)
        try:
            yield Bench(request.param, url, gateway_url, svc)
        finally:
            engine.dispose()
            ledger.engine.dispose()


def _contracts(svc: BillingService) -> None:
    """One contract of Alice's per test card."""
    with svc.uow_factory(write=True) as uow:
        base = uow.repo.get(Contract, "C-1001")
        assert base is not None
        for name, number in CARDS.items():
            token = svc.gateway.tokenize(number, 12, 2030, "123")
            uow.repo.add(
                Contract(
                    f"C-F-{name}",
                    "ACME",
                    base.status,
                    False,
                    base.end_date,
                    "USD",
                    True,
                    base.billing_address,
                    base.billing_contact,
                    Card(token.token, token.brand, token.last4, 12, 2030),
                )
            )
            uow.repo.add(ContractContact(f"cc-f-{name}", f"C-F-{name}", ALICE.email, ["card_holder"]))
        uow.commit()


def _invoice(bench: Bench, card: str, n: int) -> Invoice:
    today = dt.date.today()
    invoice = Invoice(
        f"INV-F{n:03d}",
        f"C-F-{card}",
        Decimal("100.00") + n,
        Decimal("100.00") + n,
        "USD",
        InvoiceStatus.OPEN,
        today,
        today + dt.timedelta(days=10),
    )
    with bench.svc.uow_factory(write=True) as uow:
        uow.repo.add(invoice)
        uow.commit()
    return invoice


def _worker(bench: Bench, invoice_id: str, point: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, str(WORKER), bench.url, bench.gateway_url, ALICE.email, invoice_id, point],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = done.stdout.split()
    assert lines and lines[0].startswith("act_"), (done.returncode, done.stdout, done.stderr[-2000:])
    return lines[0], done.returncode


def _state(bench: Bench, action_id: str) -> str:
    [action] = bench.all(PendingAction, id=action_id)
    intents = bench.all(PaymentIntent, action_id=action_id)
    return f"{action.status.value}/{intents[0].state.value if intents else '-'}/{len(bench.all(Payment, action_id=action_id))}"


def _pay_again(bench: Bench, invoice_id: str, n: int) -> str:
    """The customer tries again: refused while a payment is under way, otherwise a live payment."""
    try:
        action = bench.svc.propose(ALICE, f"again-{invoice_id}-{n}", command("pay_invoice", {"invoice_id": invoice_id}))
    except InvoiceNotPayable as refused:
        return f"refused:{refused.reason}"
    return f"paid:{bench.svc.execute(ALICE, action.id, action.conversation_id).status.value}"


def _expected_refusal(bench: Bench, invoice_id: str) -> str | None:
    """What paying again must answer, from the recorded state alone."""
    if bench.all(PaymentIntent, invoice_id=invoice_id, state=list(OPEN_INTENT_STATES)):
        return "refused:payment_in_progress"
    if bench.all(Payment, invoice_id=invoice_id):
        return "refused:payment_processing"
    return None


def _check_invoice(bench: Bench, invoice: Invoice, card: str) -> dict[str, int]:
    """The invariants of the issue, for one invoice after reconciliation."""
    keys = {a.id for a in bench.all(PendingAction, operation="pay_invoice") if a.args["invoice_id"] == invoice.id}
    charges = [r for r in bench.svc.gateway.records() if r.idempotency_key in keys and r.succeeded]
    payments = bench.all(Payment, invoice_id=invoice.id)
    assert sorted((c.idempotency_key, c.amount, c.charge_id) for c in charges) == sorted(
        (p.action_id, p.amount, p.gateway_charge_id) for p in payments
    ), (charges, payments)  # charges = payments
    assert len(charges) == (0 if card == "declined" else 1)  # charged once, however often it was tried
    assert all(p.amount == invoice.amount for p in payments)
    for p in payments:
        assert len(bench.all(OutboxMail, kind="payment_receipt", ref=p.id)) == 1
    assert not bench.all(PaymentIntent, invoice_id=invoice.id, state=list(OPEN_INTENT_STATES))
    actions = [a for a in bench.all(PendingAction, operation="pay_invoice") if a.id in keys]
    assert all(a.status in (ActionStatus.EXECUTED, ActionStatus.FAILED) for a in actions), actions
    assert {a.id for a in actions if a.status == ActionStatus.EXECUTED} == {p.action_id for p in payments}
    view = bench.svc.get_invoice(ALICE, invoice.id).to_json()  # a way forward: processing (paid), or payable again
    assert (view["status"], view["payable"]) == (("open", True) if card == "declined" else ("processing", False))
    return {"charges": len(charges), "payments": len(payments), "attempts": len(keys)}


def _run(bench: Bench, card: str, point: str, n: int) -> dict:
    invoice = _invoice(bench, card, n)
    action_id, code = _worker(bench, invoice.id, point)
    assert code == (0 if point == "none" else -9), code  # killed at the point (or ran to its end)
    after_crash = _state(bench, action_id)
    again = _pay_again(bench, invoice.id, 1)
    expected = _expected_refusal(bench, invoice.id) if again.startswith("refused") else None
    assert again == expected or (expected is None and again.startswith("paid")), (again, after_crash)
    first = bench.svc.reconcile(older_than=NOW)
    later = _pay_again(bench, invoice.id, 2)  # payable again only if nothing was charged
    bench.svc.reconcile(older_than=NOW)  # completes a second attempt whose answer timed out
    figures = _check_invoice(bench, invoice, card)
    return {
        "card": card,
        "point": point,
        "after_crash": after_crash,
        "pay_again": again,
        "pay_later": later,
        "reconciled": "succeeded" if first.succeeded else "declined" if first.declined else "-",
        **figures,
    }


def _matrix() -> list[tuple[str, str]]:
    """Every card at every kill point (each point is deterministic, so once each is every case)."""
    return [(card, point) for card in CARDS for point in (*POINTS, "none")]


def _summary(bench: Bench, runs: list[dict]) -> dict:
    """The whole ledger against the whole database, after every run."""
    ledger = [r for r in bench.svc.gateway.records() if r.succeeded]
    payments = bench.all(Payment)
    assert sorted((r.idempotency_key, r.amount) for r in ledger) == sorted((p.action_id, p.amount) for p in payments)
    receipts = bench.all(OutboxMail, kind="payment_receipt")
    assert sorted(m.ref for m in receipts) == sorted(p.id for p in payments)  # exactly one receipt per payment
    per_invoice = collections.Counter(p.invoice_id for p in payments)
    double = [iid for iid, n in per_invoice.items() if n > 1]
    stuck = {i.invoice_id for i in bench.all(PaymentIntent, state=list(OPEN_INTENT_STATES))}
    assert double == [] and stuck == set()
    return {
        "database": bench.kind,
        "runs": len(runs),
        "kill_points": dict(collections.Counter(r["point"] for r in runs)),
        "gateway_charges": len(ledger),
        "payments": len(payments),
        "receipts": len(receipts),
        "confirmed_actions": sum(r["attempts"] for r in runs),
        "invoices_charged_twice": len(double),
        "payments_left_in_progress": len(stuck),
        "after_crash": dict(
            sorted(collections.Counter(f"{r['point']}:{r['card']}:{r['after_crash']}" for r in runs).items())
        ),
        "pay_again_before_reconciliation": dict(collections.Counter(r["pay_again"] for r in runs)),
        "reconciliation": dict(collections.Counter(r["reconciled"] for r in runs)),
        "pay_again_after_reconciliation": dict(collections.Counter(r["pay_later"] for r in runs)),
    }


def test_kill9_at_every_step_of_a_payment_charges_once_and_records_every_charge(bench):
    runs = [_run(bench, card, point, n) for n, (card, point) in enumerate(_matrix(), 1)]
    report(f"payment_faults_{bench.kind}", **_summary(bench, runs))

"""The jobs' domain work racing itself and the user, on SQLite and PostgreSQL: two settlement runs at the same
moment settle a payment once; the expiry job and a confirm at the same moment decide the action once."""

from __future__ import annotations

import threading
import time

import pytest

import billing.settlement
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.entities import ActionStatus, AuditEntry, Invoice, InvoiceStatus, Payment
from billing.errors import ActionAlreadyDecided
from billing.operations.registry import command
from billing.principal import Principal
from billing.service import BillingService
from bootstrap.db import create_engine_for

ALICE = Principal("alice@acme.example")


def _all(backend, cls, **filters):
    with backend.svc.uow_factory() as uow:
        return uow.repo.find(cls, **filters)


def _second_service(backend) -> BillingService:
    """Another process's service: its own engine and connections, the same database and gateway."""
    return BillingService(
        SqlUnitOfWorkFactory(create_engine_for(backend.url)), backend.clock, backend.gateway, backend.svc.action_ttl
    )


def test_two_settlement_runs_at_once_settle_a_payment_once(backend, monkeypatch):
    action = backend.svc.propose(ALICE, "conv-s", command("pay_invoice", {"invoice_id": "INV-1001"}))
    assert backend.svc.execute(ALICE, action.id, "conv-s").status == ActionStatus.EXECUTED
    backend.clock.advance(hours=24)
    other = _second_service(backend)

    # The first run stops inside its transaction, its payment settled but not committed, until the second
    # run has read the same payment as processing and is waiting on it.
    first_inside, second_started = threading.Event(), threading.Event()
    unsuspend = billing.settlement.unsuspend_if_covered

    def paused(repo, account_id, today):
        if threading.current_thread().name == "first":
            first_inside.set()
            assert second_started.wait(20)
            time.sleep(0.5)  # the second run reaches its lock meanwhile
        return unsuspend(repo, account_id, today)

    monkeypatch.setattr(billing.settlement, "unsuspend_if_covered", paused)
    reports: dict[str, object] = {}

    def settle(name: str, svc: BillingService) -> None:
        reports[name] = svc.settle()

    first = threading.Thread(target=settle, args=("first", backend.svc), name="first")
    first.start()
    assert first_inside.wait(20)
    second = threading.Thread(target=settle, args=("second", other), name="second")
    second.start()
    second_started.set()
    first.join(30)
    second.join(30)
    other.uow_factory.engine.dispose()  # type: ignore[attr-defined]

    assert reports["first"].settled == ["INV-1001"] and reports["second"].settled == []
    [payment] = _all(backend, Payment, invoice_id="INV-1001")
    [invoice] = _all(backend, Invoice, id="INV-1001")
    assert (payment.status, invoice.status, str(invoice.balance)) == ("settled", InvoiceStatus.PAID, "0.00")
    assert len(_all(backend, AuditEntry, operation="settle_payment")) == 1


@pytest.mark.parametrize("first", ["expiry", "confirm"])
def test_expiry_and_a_late_confirm_decide_the_action_once(backend, first):
    action = backend.svc.propose(ALICE, "conv-e", command("pay_invoice", {"invoice_id": "INV-1001"}))
    backend.clock.advance(minutes=16)
    other = _second_service(backend)
    try:
        if first == "expiry":
            assert other.expire_actions() == [action.id]
            with pytest.raises(ActionAlreadyDecided) as err:
                backend.svc.execute(ALICE, action.id, "conv-e")
        else:
            with pytest.raises(ActionAlreadyDecided) as err:
                backend.svc.execute(ALICE, action.id, "conv-e")
            assert other.expire_actions() == []
    finally:
        other.uow_factory.engine.dispose()  # type: ignore[attr-defined]
    assert (err.value.status, err.value.result) == ("expired", {"reason": "expired"})
    assert [a.outcome for a in _all(backend, AuditEntry, action_id=action.id)] == ["expired"]
    assert _all(backend, Payment) == [] and backend.gateway.charge_calls == 0

"""Pay Now in three steps (intent, gateway call outside the transaction, outcome) and reconciliation:
an answer that is lost, a process that dies between the steps, and a reconciliation that races the
request that charged. Every case ends with the gateway's ledger and the recorded payments agreeing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from billing_kit import ALICE, BOB, audits, executed, get, intents, mails, payments

from billing.entities import ActionStatus, IntentState, Invoice, InvoiceStatus, PendingAction
from billing.errors import ActionAlreadyDecided, InvoiceNotPayable
from billing.operations.registry import command
from billing.ports import ChargeRefused

TIMEOUT_AFTER_CHARGE = "4000 0000 0000 3220"


class ProcessDied(BaseException):
    """Stands for kill -9: not an `Exception`, so nothing on the way out records anything."""


def _card(svc, gateway, number):
    token = gateway.tokenize(number, 12, 2030, "123")
    executed(
        svc,
        ALICE,
        "update_card",
        {
            "contract_id": "C-1001",
            "token": token.token,
            "brand": token.brand,
            "last4": token.last4,
            "exp_month": 12,
            "exp_year": 2030,
        },
        "card-form",
    )


def _pay(svc, who=ALICE, conv="conv-1"):
    return svc.propose(who, conv, command("pay_invoice", {"invoice_id": "INV-1001"}))


def _agree(store, gateway):
    """The invariant of issue 20: every successful charge is exactly one recorded payment (same key,
    same amount) with exactly one receipt, and no payment exists without its charge."""
    charges = {r.idempotency_key: r for r in gateway.records() if r.succeeded}
    paid = {p.action_id: p for p in payments(store)}
    assert set(charges) == set(paid), (charges, paid)
    for key, payment in paid.items():
        assert (payment.amount, payment.currency, payment.gateway_charge_id) == (
            charges[key].amount,
            charges[key].currency,
            charges[key].charge_id,
        )
        assert len(mails(store, kind="payment_receipt", ref=payment.id)) == 1
    return len(paid)


def test_the_intent_is_committed_before_the_gateway_is_called(svc, store, gateway, monkeypatch):
    seen = {}
    real = gateway.charge

    def charge(token, amount, currency, idempotency_key):
        [intent] = intents(store)  # committed: visible in the shared store while the gateway is called
        seen.update(
            state=intent.state,
            key=intent.action_id,
            amount=intent.amount,
            action=get(store, PendingAction, idempotency_key).status,
            payable=svc.get_invoice(BOB, "INV-1001").to_json()["not_payable_reason"],
        )
        return real(token, amount, currency, idempotency_key)

    monkeypatch.setattr(gateway, "charge", charge)
    action = _pay(svc)
    done = svc.execute(ALICE, action.id, "conv-1")
    assert seen == {
        "state": IntentState.PENDING,
        "key": action.id,
        "amount": Decimal("1200.00"),
        "action": ActionStatus.IN_PROGRESS,
        "payable": "payment_in_progress",
    }
    assert done.status == ActionStatus.EXECUTED and _agree(store, gateway) == 1


def test_timeout_after_charge_is_in_progress_then_one_payment_after_reconciliation(svc, store, gateway, clock):
    _card(svc, gateway, TIMEOUT_AFTER_CHARGE)
    action = _pay(svc)
    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.IN_PROGRESS and done.result["status"] == "payment_in_progress"
    assert [(i.state, i.action_id) for i in intents(store)] == [(IntentState.UNKNOWN, action.id)]
    assert (
        payments(store) == []
        and mails(store, kind="payment_receipt") == []
        and audits(store, operation="pay_invoice") == []
    )
    view = svc.get_invoice(ALICE, "INV-1001").to_json()
    assert (view["status"], view["payable"], view["not_payable_reason"]) == ("open", False, "payment_in_progress")
    with pytest.raises(InvoiceNotPayable) as refused:  # no new payment can start
        _pay(svc, BOB, "conv-b")
    assert refused.value.reason == "payment_in_progress" and "do not pay it another way" in refused.value.message
    with pytest.raises(ActionAlreadyDecided) as again:  # confirming again does not charge again
        svc.execute(ALICE, action.id, "conv-1")
    assert again.value.status == "in_progress" and "being confirmed" in again.value.message

    assert svc.reconcile().checked == 0  # too recent: the request may still be talking to the gateway
    clock.advance(minutes=2)
    report = svc.reconcile()
    assert (report.checked, report.succeeded, report.declined) == (1, ["INV-1001"], [])
    stored = get(store, PendingAction, action.id)
    assert stored.status == ActionStatus.EXECUTED and stored.result["recorded_by"] == "reconciliation"
    assert stored.result["confirmation_number"] == payments(store)[0].confirmation_number
    assert [a.outcome for a in audits(store, operation="pay_invoice")] == ["executed"]
    assert get(store, Invoice, "INV-1001").status == InvoiceStatus.PROCESSING
    assert _agree(store, gateway) == 1 and gateway.charge_calls == 1
    assert svc.reconcile().checked == 0  # nothing twice


def test_unreachable_gateway_is_unknown_until_it_answers_then_voided_and_payable_again(svc, store, gateway, clock):
    gateway.unreachable = True
    action = _pay(svc)
    assert svc.execute(ALICE, action.id, "conv-1").status == ActionStatus.IN_PROGRESS
    clock.advance(minutes=2)
    assert svc.reconcile().unanswered == ["INV-1001"]  # still no answer: left as it is, asked again later
    assert intents(store)[0].state == IntentState.UNKNOWN

    gateway.unreachable = False
    assert svc.reconcile().declined == ["INV-1001"]  # the gateway never saw the key: voided, nothing charged
    failed = get(store, PendingAction, action.id)
    assert (failed.status, failed.result["error"]) == (ActionStatus.FAILED, "PaymentFailed")
    assert "nothing was charged" in failed.result["message"]
    with pytest.raises(ChargeRefused):  # a request with that key arriving late cannot charge any more
        gateway.charge("tok_ok_demo_visa_4242", Decimal("1200.00"), "USD", action.id)
    assert svc.get_invoice(ALICE, "INV-1001").to_json()["payable"] is True
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"}, "conv-2")  # pay again: a new action
    assert _agree(store, gateway) == 1


@pytest.mark.parametrize("charged", [False, True], ids=["died-before-the-charge", "died-after-the-charge"])
def test_pay_die_pay_again_is_charged_once(svc, store, gateway, clock, monkeypatch, charged):
    real = gateway.charge

    def dying(token, amount, currency, idempotency_key):
        if charged:
            real(token, amount, currency, idempotency_key)
        raise ProcessDied

    monkeypatch.setattr(gateway, "charge", dying)
    action = _pay(svc)
    with pytest.raises(ProcessDied):
        svc.execute(ALICE, action.id, "conv-1")
    monkeypatch.setattr(gateway, "charge", real)  # "restart"
    assert get(store, PendingAction, action.id).status == ActionStatus.IN_PROGRESS
    with pytest.raises(InvoiceNotPayable):  # pay again right away: refused, the first one is in progress
        _pay(svc, ALICE, "conv-2")
    clock.advance(minutes=2)
    report = svc.reconcile()
    assert (report.succeeded, report.declined) == ((["INV-1001"], []) if charged else ([], ["INV-1001"]))
    if not charged:  # nothing was taken, so the customer pays again and is charged then
        executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"}, "conv-3")
    assert _agree(store, gateway) == 1 and len([r for r in gateway.records() if r.succeeded]) == 1
    assert get(store, Invoice, "INV-1001").status == InvoiceStatus.PROCESSING


@pytest.mark.parametrize("charge_first", [True, False], ids=["charged-then-reconciled", "reconciled-then-charged"])
def test_reconciliation_racing_the_request_records_one_outcome(svc, store, gateway, monkeypatch, charge_first):
    """Reconciliation runs while the request is still at the gateway (delay 0): the void makes a
    charge that arrives after it impossible, and the outcome is recorded once, by whoever is first."""
    real, reports = gateway.charge, []

    def racing(token, amount, currency, idempotency_key):
        if charge_first:
            made = real(token, amount, currency, idempotency_key)
            reports.append(svc.reconcile(older_than=dt.timedelta(0)))
            return made
        reports.append(svc.reconcile(older_than=dt.timedelta(0)))
        return real(token, amount, currency, idempotency_key)

    monkeypatch.setattr(gateway, "charge", racing)
    action = _pay(svc)
    done = svc.execute(ALICE, action.id, "conv-1")
    expected = ActionStatus.EXECUTED if charge_first else ActionStatus.FAILED
    assert done.status == get(store, PendingAction, action.id).status == expected
    assert (reports[0].succeeded, reports[0].declined) == ((["INV-1001"], []) if charge_first else ([], ["INV-1001"]))
    assert len(audits(store, operation="pay_invoice")) == 1
    assert _agree(store, gateway) == (1 if charge_first else 0)


def test_reconciliation_needs_no_user_session_and_audits_as_the_confirming_user(svc, store, gateway, clock):
    _card(svc, gateway, TIMEOUT_AFTER_CHARGE)
    action = svc.propose(BOB, "conv-b", command("pay_invoice", {"invoice_id": "INV-1001"}))
    svc.execute(BOB, action.id, "conv-b")
    clock.advance(minutes=5)
    svc.reconcile()
    [audit] = audits(store, operation="pay_invoice")
    assert (audit.actor_email, audit.channel, audit.conversation_id, audit.outcome) == (
        "bob@acme.example",
        "web",
        "conv-b",
        "executed",
    )
    assert mails(store, kind="payment_receipt")[0].to == "bob@acme.example"

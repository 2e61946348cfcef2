"""Pay Now: every reason an invoice is not payable, the happy path, gateway failures, un-suspension, settlement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from billing_kit import ALICE, BOB, CAROL, add, audits, edit, executed, get, intents, mails, payments

from billing.entities import (
    Account,
    AccountStatus,
    ActionStatus,
    Contract,
    IntentState,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentIntent,
)
from billing.errors import NO_OTHER_WAY, InvoiceNotPayable
from billing.money import to_amount
from billing.operations.registry import command


def _invoice(store, clock, iid="INV-1900", cid="C-1001", amount="100.00", currency="USD", **extra) -> Invoice:
    today = clock.today()
    invoice = Invoice(
        iid,
        cid,
        to_amount(amount),
        to_amount(extra.pop("balance", amount)),
        currency,
        extra.pop("status", InvoiceStatus.OPEN),
        today - dt.timedelta(days=10),
        extra.pop("due_date", today + dt.timedelta(days=20)),
        **extra,
    )
    add(store, invoice)
    return invoice


# --- every reason, one invoice each --------------------------------------------------------------


def _paid(store, clock):
    return "INV-1002"  # seeded paid


def _void(store, clock):
    return _invoice(store, clock, status=InvoiceStatus.VOID).id


def _processing_status(store, clock):
    return _invoice(store, clock, status=InvoiceStatus.PROCESSING).id


def _processing_payment_row(store, clock):
    """Stored status still open, but a processing payment exists (e.g. a partial one)."""
    inv = _invoice(store, clock)
    now = clock.now()
    add(
        store,
        Payment(
            "pay_x",
            "PC-XXXXXXXX",
            inv.id,
            "ACME",
            Decimal("10.00"),
            "USD",
            "processing",
            "ch_x",
            "Visa",
            "4242",
            "act_x",
            now,
            now + dt.timedelta(hours=24),
        ),
    )
    return inv.id


def _payment_in_progress(store, clock, state=IntentState.PENDING):
    """A confirmed card payment whose outcome the gateway has not given yet."""
    inv = _invoice(store, clock)
    now = clock.now()
    add(
        store,
        PaymentIntent(
            "pi_x",
            "act_x",
            inv.id,
            "ACME",
            "alice@acme.example",
            inv.balance,
            "USD",
            "tok_ok_x",
            "Visa",
            "4242",
            state,
            now,
            now,
        ),
    )
    return inv.id


def _payment_unknown(store, clock):
    return _payment_in_progress(store, clock, IntentState.UNKNOWN)


def _no_balance(store, clock):
    return _invoice(store, clock, balance="0.00").id


def _disputed(store, clock):
    return _invoice(store, clock, disputed=True).id


def _unsupported_currency(store, clock):
    return _invoice(store, clock, currency="JPY", amount="10000.00").id


def _over_limit(store, clock):
    return "INV-1003"  # seeded USD 75,000.00


def _just_over_limit(store, clock):
    return _invoice(store, clock, amount="50000.01").id


def _card_not_allowed(store, clock):
    return _invoice(store, clock, cid="C-1002").id  # C-1002 is invoice/wire only; not disputed here


def _no_card(store, clock):
    edit(store, Contract, "C-1001", card=None)
    return "INV-1001"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_paid, "already_paid"),
        (_void, "void"),
        (_processing_status, "payment_processing"),
        (_processing_payment_row, "payment_processing"),
        (_payment_in_progress, "payment_in_progress"),
        (_payment_unknown, "payment_in_progress"),
        (_no_balance, "no_balance"),
        (_disputed, "disputed"),
        (_unsupported_currency, "unsupported_currency"),
        (_over_limit, "over_card_limit"),
        (_just_over_limit, "over_card_limit"),
        (_card_not_allowed, "card_not_allowed"),
        (_no_card, "no_card_on_file"),
    ],
)
def test_not_payable_reason_is_shown_and_refused(svc, store, clock, make, reason):
    invoice_id = make(store, clock)
    view = svc.get_invoice(ALICE, invoice_id).to_json()
    assert (view["payable"], view["not_payable_reason"]) == (False, reason)
    with pytest.raises(InvoiceNotPayable) as err:
        svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": invoice_id}))
    assert (err.value.invoice_id, err.value.reason) == (invoice_id, reason)
    if reason in NO_OTHER_WAY:  # already paid, or a payment under way: paying another way would pay twice
        assert "payment instructions" not in err.value.message and view["not_payable_detail"] in err.value.message
    else:
        assert "payment instructions" in err.value.message
    assert payments(store, invoice_id) == [] or reason == "payment_processing"


def test_balance_exactly_at_card_limit_is_payable(svc, store, clock):
    inv = _invoice(store, clock, amount="50000.00")
    assert svc.get_invoice(ALICE, inv.id).to_json()["payable"] is True
    executed(svc, ALICE, "pay_invoice", {"invoice_id": inv.id})


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "CAD", "AUD"])
def test_supported_currencies_are_payable(svc, store, clock, currency):
    inv = _invoice(store, clock, currency=currency)
    assert svc.get_invoice(ALICE, inv.id).to_json()["payable"] is True


@pytest.mark.parametrize(("due_in", "status"), [(1, "open"), (0, "open"), (-1, "overdue"), (-40, "overdue")])
def test_overdue_is_derived_from_the_due_date(svc, store, clock, due_in, status):
    edit(store, Invoice, "INV-1001", due_date=clock.today() + dt.timedelta(days=due_in))
    view = svc.get_invoice(ALICE, "INV-1001").to_json()
    assert view["status"] == status
    assert view["payable"] is True  # overdue invoices can be paid
    assert get(store, Invoice, "INV-1001").status == InvoiceStatus.OPEN  # never stored


def test_overdue_moves_with_the_clock_and_status_filter(svc, clock):
    assert [i["id"] for i in [v.to_json() for v in svc.list_invoices(ALICE, status="overdue")]] == []
    clock.advance(days=16)  # INV-1001 was due in 15 days
    assert [i["id"] for i in [v.to_json() for v in svc.list_invoices(ALICE, status="overdue")]] == ["INV-1001"]
    assert svc.get_invoice(CAROL, "INV-2001").to_json()["status"] == "overdue"


# --- happy path -------------------------------------------------------------------------------


def test_pay_charges_full_balance_with_card_on_file_and_queues_receipt(svc, store, gateway):
    action = svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": " inv-1001 "}))
    assert action.args == {"invoice_id": "INV-1001"}
    assert action.summary == "Pay USD 1,200.00 on INV-1001 with Visa ending 4242"
    assert (payments(store), mails(store), gateway.charge_calls) == ([], [], 0)  # propose changes nothing

    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.EXECUTED
    [payment] = payments(store)
    assert (payment.amount, payment.currency, payment.card_last4, payment.status, payment.action_id) == (
        Decimal("1200.00"),
        "USD",
        "4242",
        "processing",
        action.id,
    )
    assert done.result["confirmation_number"] == payment.confirmation_number
    assert svc.get_invoice(ALICE, "INV-1001").to_json()["status"] == "processing"
    [receipt] = mails(store, kind="payment_receipt")
    assert receipt.to == "alice@acme.example" and payment.confirmation_number in receipt.body
    assert "not a live document" in receipt.body
    [audit] = audits(store, operation="pay_invoice")
    assert (audit.outcome, audit.actor_email, audit.conversation_id, audit.action_id, audit.args) == (
        "executed",
        "alice@acme.example",
        "conv-1",
        action.id,
        {"invoice_id": "INV-1001"},
    )
    assert audit.result["confirmation_number"] == payment.confirmation_number
    [intent] = intents(store)
    assert (intent.state, intent.action_id, intent.amount, intent.charge_id) == (
        IntentState.SUCCEEDED,
        action.id,
        Decimal("1200.00"),
        payment.gateway_charge_id,
    )
    [charge] = gateway.records()  # the gateway's own ledger: one charge, under the action id, same amount
    assert (charge.outcome, charge.idempotency_key, charge.amount, charge.currency, charge.charge_id) == (
        "succeeded",
        action.id,
        payment.amount,
        "USD",
        payment.gateway_charge_id,
    )


def test_bob_billing_contact_can_pay_his_contracts_invoice(svc, store):
    executed(svc, BOB, "pay_invoice", {"invoice_id": "INV-1001"})
    assert payments(store)[0].invoice_id == "INV-1001"
    assert mails(store, kind="payment_receipt")[0].to == "bob@acme.example"


# --- failures at execution ----------------------------------------------------------------------


def _card_from_form(svc, gateway, number):
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
    return token


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("4000 0000 0000 0002", "the card was declined"),
        ("4000 0000 0000 0119", "payment service error"),
    ],
)
def test_gateway_decline_or_error_fails_the_action_and_changes_nothing(svc, store, gateway, number, why):
    _card_from_form(svc, gateway, number)
    action = svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    before = get(store, Invoice, "INV-1001")
    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.FAILED
    assert done.result["error"] == "PaymentFailed" and why in done.result["reason"]
    assert get(store, Invoice, "INV-1001") == before
    assert payments(store) == [] and mails(store, kind="payment_receipt") == []
    [audit] = audits(store, operation="pay_invoice")
    assert (audit.outcome, audit.action_id) == ("failed", action.id)
    assert get(store, type(action), action.id).status == ActionStatus.FAILED
    [intent] = intents(store)
    assert (intent.state, intent.failure_reason) == (IntentState.DECLINED, done.result["reason"])
    assert [(r.outcome, r.idempotency_key) for r in gateway.records()] == [("refused", action.id)]
    assert svc.get_invoice(ALICE, "INV-1001").to_json()["payable"] is True  # nothing was taken: it can be paid again


def test_balance_changed_between_propose_and_execute_fails_without_charging(svc, store, gateway):
    action = svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    edit(store, Invoice, "INV-1001", balance=Decimal("700.00"))  # e.g. a wire arrived meanwhile
    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.FAILED and done.result["reason"] == "balance_changed"
    assert payments(store) == [] and gateway.charge_calls == 0
    assert get(store, Invoice, "INV-1001").status == InvoiceStatus.OPEN
    assert [a.outcome for a in audits(store, operation="pay_invoice")] == ["failed"]


def test_invoice_that_became_unpayable_fails_at_execution(svc, store):
    action = svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": "INV-1001"}))
    edit(store, Invoice, "INV-1001", disputed=True)
    done = svc.execute(ALICE, action.id, "conv-1")
    assert (done.status, done.result["reason"]) == (ActionStatus.FAILED, "disputed")
    assert payments(store) == []


def test_second_pending_payment_for_same_invoice_fails_as_processing(svc, store):
    first = svc.propose(ALICE, "conv-a", command("pay_invoice", {"invoice_id": "INV-1001"}))
    second = svc.propose(BOB, "conv-b", command("pay_invoice", {"invoice_id": "INV-1001"}))
    assert svc.execute(ALICE, first.id, "conv-a").status == ActionStatus.EXECUTED
    done = svc.execute(BOB, second.id, "conv-b")
    assert (done.status, done.result["reason"]) == (ActionStatus.FAILED, "payment_processing")
    assert len(payments(store)) == 1


# --- suspension and settlement -------------------------------------------------------------------


def _account_status(store, aid="GLOBEX"):
    return get(store, Account, aid).status


def test_suspended_account_is_unsuspended_when_last_overdue_invoice_is_paid(svc, store):
    assert svc.me(CAROL).to_json()["account_status"] == "suspended"
    first = executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2001"})
    assert first.result["account_unsuspended"] is False
    assert _account_status(store) == AccountStatus.SUSPENDED  # INV-2002 is still overdue
    second = executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2002"})
    assert second.result["account_unsuspended"] is True
    assert _account_status(store) == AccountStatus.ACTIVE
    assert svc.me(CAROL).to_json()["account_status"] == "active"


def test_unsuspension_counts_every_contract_of_the_account(svc, store, clock):
    add(
        store,
        Contract(
            "C-2002",
            "GLOBEX",
            get(store, Contract, "C-2001").status,
            False,
            clock.today() + dt.timedelta(days=100),
            "GBP",
            False,
            get(store, Contract, "C-2001").billing_address,
            get(store, Contract, "C-2001").billing_contact,
        ),
        Invoice(
            "INV-2101",
            "C-2002",
            Decimal("10.00"),
            Decimal("10.00"),
            "GBP",
            InvoiceStatus.OPEN,
            clock.today() - dt.timedelta(days=60),
            clock.today() - dt.timedelta(days=30),
        ),
    )
    executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2001"})
    executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2002"})
    assert _account_status(store) == AccountStatus.SUSPENDED  # INV-2101 on C-2002 is overdue too


def test_settlement_only_after_24_hours(svc, store, clock):
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    clock.advance(hours=23, minutes=59)
    assert svc.settle().settled == []
    assert svc.get_invoice(ALICE, "INV-1001").to_json()["status"] == "processing"
    clock.advance(minutes=1)
    assert svc.settle().settled == ["INV-1001"]
    view = svc.get_invoice(ALICE, "INV-1001").to_json()
    assert (view["status"], view["balance"], view["not_payable_reason"]) == ("paid", "0.00", "already_paid")
    [payment] = payments(store)
    assert (payment.status, payment.settled_at) == ("settled", clock.now())
    assert [a.outcome for a in audits(store, operation="settle_payment")] == ["executed"]
    assert svc.settle().settled == []  # nothing twice


def test_settle_all_settles_immediately(svc, store):
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    assert svc.settle().settled == []
    assert svc.settle(everything=True).settled == ["INV-1001"]
    assert get(store, Invoice, "INV-1001").status == InvoiceStatus.PAID


def test_settlement_unsuspends_when_it_covers_the_overdue_balance(svc, store):
    executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2001"})
    executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2002"})
    edit(store, Account, "GLOBEX", status=AccountStatus.SUSPENDED)  # suspended again by collections meanwhile
    report = svc.settle(everything=True)
    assert sorted(report.settled) == ["INV-2001", "INV-2002"] and report.unsuspended == ["GLOBEX"]
    assert _account_status(store) == AccountStatus.ACTIVE


def test_settlement_leaves_account_suspended_while_overdue_remains(svc, store):
    executed(svc, CAROL, "pay_invoice", {"invoice_id": "INV-2001"})
    report = svc.settle(everything=True)
    assert report.settled == ["INV-2001"] and report.unsuspended == []
    assert _account_status(store) == AccountStatus.SUSPENDED


def test_settlement_marks_paid_only_what_the_gateway_reports_settled(svc, store, clock, gateway):
    """A payment row older than 24 hours is not enough: its charge must be settled at the gateway."""
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    inv = _invoice(store, clock, iid="INV-1950")
    old = clock.now() - dt.timedelta(hours=48)
    add(
        store,
        Payment(
            "pay_nocharge",
            "PC-NOCHARGE",
            inv.id,
            "ACME",
            inv.balance,
            "USD",
            "processing",
            "ch_unknown",
            "Visa",
            "4242",
            "act_nocharge",
            old,
            old + dt.timedelta(hours=24),
        ),
    )
    gateway.settlement_delay = dt.timedelta(hours=48)  # this processor is slow to settle
    clock.advance(hours=25)
    assert svc.settle().settled == []
    assert svc.settle(everything=True).settled == ["INV-1001"]  # the batch settles the real charge only
    assert get(store, Payment, "pay_nocharge").status == "processing"
    assert svc.settle(everything=True).settled == []


def test_settlement_leaves_a_payment_the_gateway_settled_for_another_amount(svc, store, gateway):
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    [payment] = payments(store)
    edit(store, Payment, payment.id, amount=Decimal("1100.00"))  # the books disagree with the gateway
    report = svc.settle(everything=True)
    assert (report.settled, report.mismatched) == ([], [payment.id])
    assert get(store, Invoice, "INV-1001").status == InvoiceStatus.PROCESSING

"""The two-phase protocol: propose changes nothing; execute once; reject; expiry; ownership; supersession."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_kit import ALICE, BOB, audits, get, mails, payments

from billing.entities import ActionStatus, Invoice, PendingAction
from billing.errors import ActionAlreadyDecided, ActionNotFound, InvalidInput
from billing.operations.registry import command
from billing.principal import Principal
from billing.service import BillingService


def _pay(svc, who=ALICE, conv="conv-1", invoice="INV-1001"):
    return svc.propose(who, conv, command("pay_invoice", {"invoice_id": invoice}))


def test_propose_records_a_pending_action_and_changes_nothing(svc, store, clock, gateway):
    before = {cls: store.all(cls) for cls in (Invoice,)}
    action = _pay(svc)
    assert (action.status, action.user_email, action.conversation_id, action.operation, action.channel) == (
        ActionStatus.PENDING,
        "alice@acme.example",
        "conv-1",
        "pay_invoice",
        "web",
    )
    assert action.expires_at == clock.now() + dt.timedelta(minutes=15)
    assert {cls: store.all(cls) for cls in before} == before
    assert payments(store) == [] and mails(store) == [] and audits(store) == [] and gateway.charge_calls == 0
    assert [a.id for a in svc.pending_actions(ALICE, "conv-1")] == [action.id]
    assert get(store, PendingAction, action.id).status == ActionStatus.PENDING


def test_execute_once_then_already_decided_with_recorded_result(svc, store, gateway):
    action = _pay(svc)
    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.EXECUTED
    with pytest.raises(ActionAlreadyDecided) as err:
        svc.execute(ALICE, action.id, "conv-1")
    assert (err.value.status, err.value.result) == ("executed", done.result)
    with pytest.raises(ActionAlreadyDecided):
        svc.reject(ALICE, action.id, "conv-1")
    assert len(payments(store)) == 1 and gateway.charge_calls == 1
    assert len(mails(store, kind="payment_receipt")) == 1
    assert [a.outcome for a in audits(store)] == ["executed"]
    assert svc.pending_actions(ALICE, "conv-1") == []


def test_reject(svc, store):
    action = _pay(svc)
    rejected = svc.reject(ALICE, action.id, "conv-1")
    assert rejected.status == ActionStatus.REJECTED
    with pytest.raises(ActionAlreadyDecided) as err:
        svc.execute(ALICE, action.id, "conv-1")
    assert err.value.status == "rejected"
    assert payments(store) == []
    assert [(a.outcome, a.action_id) for a in audits(store)] == [("rejected", action.id)]


@pytest.mark.parametrize("decide", ["execute", "reject"])
def test_expired_action_cannot_be_decided(svc, store, clock, gateway, decide):
    action = _pay(svc)
    clock.advance(minutes=15)
    with pytest.raises(ActionAlreadyDecided) as err:
        getattr(svc, decide)(ALICE, action.id, "conv-1")
    assert (err.value.status, err.value.result) == ("expired", {"reason": "expired"})
    assert "expired" in err.value.message
    assert payments(store) == [] and gateway.charge_calls == 0
    assert get(store, Invoice, "INV-1001").status.value == "open"
    assert get(store, PendingAction, action.id).status == ActionStatus.EXPIRED
    assert [a.outcome for a in audits(store)] == ["expired"]
    with pytest.raises(ActionAlreadyDecided) as again:
        svc.execute(ALICE, action.id, "conv-1")
    assert again.value.status == "expired"


def test_action_just_before_expiry_still_executes(svc, clock):
    action = _pay(svc)
    clock.advance(minutes=14, seconds=59)
    assert svc.pending_actions(ALICE, "conv-1")[0].id == action.id
    assert svc.execute(ALICE, action.id, "conv-1").status == ActionStatus.EXECUTED


def test_custom_ttl(store, clock, gateway):
    svc = BillingService(store, clock, gateway, action_ttl=dt.timedelta(minutes=2))
    action = _pay(svc)
    clock.advance(minutes=2)
    assert svc.pending_actions(ALICE, "conv-1") == []
    with pytest.raises(ActionAlreadyDecided):
        svc.execute(ALICE, action.id)


def test_another_users_action_is_not_found(svc, store):
    action = _pay(svc)
    for decide in (svc.execute, svc.reject):
        with pytest.raises(ActionNotFound):
            decide(BOB, action.id, "conv-1")
        with pytest.raises(ActionNotFound):
            decide(BOB, action.id)
    assert svc.get_action(BOB, action.id) is None
    assert get(store, PendingAction, action.id).status == ActionStatus.PENDING
    assert payments(store) == [] and audits(store) == []


def test_wrong_conversation_is_not_found(svc, store):
    action = _pay(svc)
    with pytest.raises(ActionNotFound):
        svc.execute(ALICE, action.id, "conv-other")
    assert get(store, PendingAction, action.id).status == ActionStatus.PENDING
    assert svc.execute(ALICE, action.id, "conv-1").status == ActionStatus.EXECUTED


def test_unknown_action_is_not_found(svc):
    with pytest.raises(ActionNotFound):
        svc.execute(ALICE, "act_nope", "conv-1")


def test_new_proposal_supersedes_the_pending_one(svc, store):
    old = _pay(svc)
    new = svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-2"}))
    assert get(store, PendingAction, old.id).status == ActionStatus.REJECTED
    assert get(store, PendingAction, old.id).result == {"reason": "superseded"}
    assert [a.id for a in svc.pending_actions(ALICE, "conv-1")] == [new.id]
    with pytest.raises(ActionAlreadyDecided) as err:
        svc.execute(ALICE, old.id, "conv-1")
    assert err.value.status == "rejected"
    assert payments(store) == []


def test_proposal_in_another_conversation_does_not_supersede(svc):
    first = _pay(svc, conv="conv-1")
    second = svc.propose(ALICE, "conv-2", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-2"}))
    assert [a.id for a in svc.pending_actions(ALICE, "conv-1")] == [first.id]
    assert [a.id for a in svc.pending_actions(ALICE, "conv-2")] == [second.id]


def test_identical_reproposal_returns_the_same_action(svc, store):
    first = _pay(svc)
    again = svc.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": " inv-1001"}))
    assert again.id == first.id
    assert len(store.all(PendingAction)) == 1


def test_invalid_proposal_keeps_the_pending_one(svc):
    first = _pay(svc)
    with pytest.raises(InvalidInput):
        svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "bad#po"}))
    assert [a.id for a in svc.pending_actions(ALICE, "conv-1")] == [first.id]


def test_unknown_operation_is_invalid(svc):
    with pytest.raises(InvalidInput) as err:
        svc.propose(ALICE, "conv-1", command("delete_everything", {}))
    assert err.value.field == "operation"


def test_reproposal_after_expiry_is_a_new_action(svc, store, clock):
    first = _pay(svc)
    clock.advance(minutes=16)
    second = _pay(svc)
    assert second.id != first.id
    assert get(store, PendingAction, first.id).status == ActionStatus.EXPIRED
    assert svc.execute(ALICE, second.id, "conv-1").status == ActionStatus.EXECUTED


def test_reproposal_after_balance_change_shows_the_new_amount(svc, store):
    from decimal import Decimal

    from billing_kit import edit

    first = _pay(svc)
    edit(store, Invoice, "INV-1001", balance=Decimal("700.00"))
    second = _pay(svc)
    assert second.summary.startswith("Pay USD 700.00")
    assert second.id != first.id
    assert svc.execute(ALICE, second.id, "conv-1").status == ActionStatus.EXECUTED
    assert payments(store)[0].amount == Decimal("700.00")


def test_audit_row_names_actor_channel_conversation(svc, store):
    slack_alice = Principal("Alice@Acme.example", "slack")
    action = svc.propose(
        slack_alice, "C123:1700000000.1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-2"})
    )
    svc.execute(slack_alice, action.id, "C123:1700000000.1")
    [audit] = audits(store)
    assert (
        audit.actor_email,
        audit.channel,
        audit.conversation_id,
        audit.operation,
        audit.outcome,
        audit.args,
        audit.action_id,
    ) == (
        "alice@acme.example",
        "slack",
        "C123:1700000000.1",
        "update_po_number",
        "executed",
        {"invoice_id": "INV-1001", "po_number": "PO-2"},
        action.id,
    )
    assert audit.result["po_number"] == "PO-2"
    assert [m.kind for m in mails(store)] == ["po_changed"]


OPERATIONS = [
    ("pay_invoice", {"invoice_id": "INV-1001"}, "payment_receipt"),
    ("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-2"}, "po_changed"),
    ("update_billing_address", {"contract_id": "C-1001", "city": "Oakland"}, "billing_info_changed"),
    ("update_billing_contact", {"contract_id": "C-1001", "phone": "+1 415 555 0111"}, "billing_info_changed"),
    (
        "update_card",
        {
            "contract_id": "C-1001",
            "token": "tok_ok_new",
            "brand": "Visa",
            "last4": "1111",
            "exp_month": 12,
            "exp_year": 2030,
        },
        "billing_info_changed",
    ),
    ("disable_auto_renew", {"contract_id": "C-1001"}, "billing_info_changed"),
    ("add_portal_user", {"name": "Frank", "email": "frank@acme.example", "contract_ids": ["C-1001"]}, "invitation"),
    ("grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1001"]}, "access_granted"),
    ("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]}, "access_removed"),
]


@pytest.mark.parametrize(("operation", "args", "mail_kind"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_every_operation_is_two_phase_audited_and_mailed(svc, store, operation, args, mail_kind):
    snapshot = {cls: store.all(cls) for cls in list(store.tables) if cls is not PendingAction}
    action = svc.propose(ALICE, "conv-1", command(operation, args))
    assert {cls: store.all(cls) for cls in snapshot} == snapshot  # nothing but the pending action
    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.status == ActionStatus.EXECUTED
    [audit] = audits(store, action_id=action.id)
    assert (audit.outcome, audit.operation, audit.result) == ("executed", operation, done.result)
    assert [m.kind for m in mails(store)] == [mail_kind]
    with pytest.raises(ActionAlreadyDecided):
        svc.execute(ALICE, action.id, "conv-1")
    assert len(audits(store)) == 1 and len(mails(store)) == 1

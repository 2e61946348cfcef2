"""The expiry job (`BillingService.expire_actions`): pending actions past their time end `expired`, audited as
the system's doing, once; a later confirm or reject gets the same `expired` answer as one made after the
deadline without the job."""

from __future__ import annotations

import pytest
from billing_kit import ALICE, BOB, audits, get

from billing.entities import ActionStatus, Invoice, PendingAction
from billing.errors import ActionAlreadyDecided
from billing.operations.registry import command


def _pay(svc, principal=ALICE, invoice="INV-1001", conversation="conv-1") -> PendingAction:
    return svc.propose(principal, conversation, command("pay_invoice", {"invoice_id": invoice}))


def test_only_actions_past_their_time_expire_and_each_is_audited_once(svc, store, clock):
    old = _pay(svc)
    clock.advance(minutes=10)
    young = _pay(svc, BOB, conversation="conv-2")
    assert svc.expire_actions() == []  # neither is due yet

    clock.advance(minutes=5)  # `old` is exactly at its deadline, `young` has 10 minutes left
    assert svc.expire_actions() == [old.id]
    stored = get(store, PendingAction, old.id)
    assert (stored.status, stored.result, stored.decided_at) == (
        ActionStatus.EXPIRED,
        {"reason": "expired"},
        clock.now(),
    )
    assert get(store, PendingAction, young.id).status == ActionStatus.PENDING
    [audit] = audits(store)
    assert (audit.actor_email, audit.channel, audit.outcome, audit.action_id) == ("system", "job", "expired", old.id)
    assert (audit.conversation_id, audit.operation, audit.args) == ("conv-1", "pay_invoice", {"invoice_id": "INV-1001"})

    assert svc.expire_actions() == []  # nothing twice
    assert len(audits(store)) == 1


@pytest.mark.parametrize("decide", ["execute", "reject"])
def test_a_decision_after_the_job_gets_the_existing_expired_error(svc, store, clock, gateway, decide):
    action = _pay(svc)
    clock.advance(minutes=16)
    assert svc.expire_actions() == [action.id]
    with pytest.raises(ActionAlreadyDecided) as err:
        getattr(svc, decide)(ALICE, action.id, "conv-1")
    assert (err.value.status, err.value.result) == ("expired", {"reason": "expired"})
    assert "was already expired" in err.value.message
    assert gateway.charge_calls == 0 and get(store, Invoice, "INV-1001").status.value == "open"
    assert [a.outcome for a in audits(store)] == ["expired"]  # the refused decision changed nothing


def test_an_action_decided_before_the_job_is_left_as_it_is(svc, store, clock):
    rejected = _pay(svc, BOB, conversation="conv-2")
    svc.reject(BOB, rejected.id, "conv-2")
    executed = _pay(svc)
    svc.execute(ALICE, executed.id, "conv-1")
    clock.advance(hours=1)
    assert svc.expire_actions() == []
    assert get(store, PendingAction, executed.id).status == ActionStatus.EXECUTED
    assert get(store, PendingAction, rejected.id).status == ActionStatus.REJECTED

"""Every write tool only proposes; only a human decision executes, exactly once."""

from __future__ import annotations

import pytest

from agent.scripted import call, say
from billing.errors import ActionAlreadyDecided, ActionNotFound, NotFound
from tests.agent.conftest import ALICE, BOB, CAROL
from tests.agent.snapshots import changed_tables, snapshot
from tools.registry import PROPOSING_TOOLS

# (principal, tool, args, tables the execution must change)
WRITES = [
    (ALICE, "pay_invoice", {"invoice_id": "INV-1001"}, {"invoices", "payments", "payment_intents", "outbox"}),
    (ALICE, "update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-9000"}, {"invoices", "outbox"}),
    (
        ALICE,
        "update_billing_address",
        {"contract_id": "C-1001", "line1": "1 New Road", "postal_code": "94107"},
        {"contracts", "outbox"},
    ),
    (ALICE, "update_billing_contact", {"contract_id": "C-1001", "phone": "+1 415 555 0199"}, {"contracts", "outbox"}),
    (ALICE, "disable_auto_renew", {"contract_id": "C-1001"}, {"contracts", "outbox"}),
    (
        ALICE,
        "add_portal_user",
        {"name": "Frank Fox", "email": "frank@acme.example", "contract_ids": ["C-1001"]},
        {"portal_users", "contract_contacts", "outbox"},
    ),
    (
        ALICE,
        "grant_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]},
        {"contract_contacts", "outbox"},
    ),
    (
        ALICE,
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
        {"contract_contacts", "outbox"},
    ),
]


def test_every_proposing_tool_is_covered():
    assert {w[1] for w in WRITES} == PROPOSING_TOOLS


@pytest.mark.parametrize("who,tool,args,changes", WRITES, ids=[w[1] for w in WRITES])
def test_write_tool_proposes_then_executes_once(world, who, tool, args, changes):
    runner, _ = world.scripted(call(tool, **args), say("Please confirm."))
    conv = runner.start_conversation(who)
    before = snapshot(world.engine)

    # The user's words hold every value the proposal carries (tools/grounding.py).
    values = " ".join(" ".join(v) if isinstance(v, list) else str(v) for v in args.values())
    turn = runner.run_turn(who, conv.id, f"please do {tool}: {values}")

    assert turn.pending_action and turn.pending_action["tool"] == tool
    assert snapshot(world.engine) == before, "a proposal must change nothing"
    result = runner.decide(who, conv.id, turn.pending_action["id"], approve=True)
    assert result.status == "executed", result.result
    assert changed_tables(before, snapshot(world.engine)) == changes
    after_first = snapshot(world.engine)
    with pytest.raises(ActionAlreadyDecided) as second:
        runner.decide(who, conv.id, turn.pending_action["id"], approve=True)
    assert second.value.status == "executed" and second.value.result == result.result
    assert snapshot(world.engine) == after_first


def test_yes_in_the_same_message_is_not_a_confirmation(world):
    runner, _ = world.scripted(call("pay_invoice", invoice_id="INV-1001"), say("Please confirm."))
    conv = runner.start_conversation(ALICE)
    before = snapshot(world.engine)
    turn = runner.run_turn(ALICE, conv.id, "Pay INV-1001. Yes, I confirm, go ahead, no need to ask.")
    assert turn.pending_action is not None and turn.decided_action is None
    assert snapshot(world.engine) == before


def test_typed_yes_right_after_the_proposal_executes(world):
    runner, model = world.scripted(call("pay_invoice", invoice_id="INV-1001"), say("Please confirm."))
    conv = runner.start_conversation(ALICE)
    runner.run_turn(ALICE, conv.id, "pay INV-1001")
    turn = runner.run_turn(ALICE, conv.id, "Yes, go ahead!")
    assert turn.decided_action["status"] == "executed"
    assert "Confirmation number: PC-" in turn.reply and "24 hours" in turn.reply and "receipt" in turn.reply
    assert len(model.requests) == 2, "the decision is the service's: the model is not called"
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "processing"


@pytest.mark.parametrize("how", ["typed", "button"])
def test_reject_changes_nothing(world, how):
    runner, _ = world.scripted(call("disable_auto_renew", contract_id="C-1001"), say("Please confirm."))
    conv = runner.start_conversation(ALICE)
    turn = runner.run_turn(ALICE, conv.id, "turn off auto renew on C-1001")
    before = snapshot(world.engine)
    if how == "typed":
        status = runner.run_turn(ALICE, conv.id, "no").decided_action["status"]
    else:
        status = runner.decide(ALICE, conv.id, turn.pending_action["id"], approve=False).status
    assert status == "rejected"
    assert snapshot(world.engine) == before
    assert world.billing.get_contract(ALICE, "C-1001").to_json()["auto_renew"] is True


def test_expired_action_changes_nothing(world):
    runner, _ = world.scripted(call("pay_invoice", invoice_id="INV-1001"), say("Please confirm."))
    conv = runner.start_conversation(ALICE)
    turn = runner.run_turn(ALICE, conv.id, "pay INV-1001")
    world.clock.advance(minutes=16)
    before = snapshot(world.engine)
    with pytest.raises(ActionAlreadyDecided) as expired:
        runner.decide(ALICE, conv.id, turn.pending_action["id"], approve=True)
    assert expired.value.status == "expired"
    assert snapshot(world.engine) == before


def test_another_user_cannot_decide(world):
    runner, _ = world.scripted(call("pay_invoice", invoice_id="INV-1001"), say("Please confirm."))
    conv = runner.start_conversation(ALICE)
    turn = runner.run_turn(ALICE, conv.id, "pay INV-1001")
    with pytest.raises(NotFound):  # bob cannot even see alice's conversation
        runner.decide(BOB, conv.id, turn.pending_action["id"], approve=True)
    bob_conv = runner.start_conversation(BOB)
    with pytest.raises(ActionNotFound):  # nor decide her action from his own conversation
        runner.decide(BOB, bob_conv.id, turn.pending_action["id"], approve=True)
    with pytest.raises(NotFound):
        runner.run_turn(CAROL, conv.id, "yes")
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "open"


def test_a_new_message_cancels_the_pending_action(world):
    runner, _ = world.scripted(
        call("pay_invoice", invoice_id="INV-1001"), say("Please confirm."), say("Sure, here is something else.")
    )
    conv = runner.start_conversation(ALICE)
    turn = runner.run_turn(ALICE, conv.id, "pay INV-1001")
    other = runner.run_turn(ALICE, conv.id, "actually, show me INV-1003 instead")
    assert "cancelled" in other.reply and other.pending_action is None
    with pytest.raises(ActionAlreadyDecided):
        runner.decide(ALICE, conv.id, turn.pending_action["id"], approve=True)
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "open"


def test_yes_without_a_pending_action_goes_to_the_model_and_changes_nothing(world):
    runner, model = world.scripted(say("There is nothing waiting for your confirmation."))
    conv = runner.start_conversation(ALICE)
    before = snapshot(world.engine)
    turn = runner.run_turn(ALICE, conv.id, "yes")
    assert turn.decided_action is None and len(model.requests) == 1
    assert snapshot(world.engine) == before


def test_refusals_reach_the_model_with_their_reason(world):
    runner, model = world.scripted(call("disable_auto_renew", contract_id="C-1002"), say("Not possible."))
    conv = runner.start_conversation(ALICE)
    turn = runner.run_turn(ALICE, conv.id, "turn off auto renew for C-1002")
    tool_result = model.requests[1][-1].content
    assert '"error":"too_close"' in tool_result and "Account Executive" in tool_result
    assert turn.pending_action is None and turn.tool_calls == [
        {"name": "disable_auto_renew", "args": {"contract_id": "C-1002"}, "ok": False}
    ]


def test_support_case_needs_no_confirmation_and_is_reported(world):
    runner, _ = world.scripted(
        call(
            "create_support_case",
            queue="collector",
            subject="Payment plan",
            summary="Customer asks about a payment plan.",
        ),
        say("Case opened."),
    )
    conv = runner.start_conversation(CAROL)
    turn = runner.run_turn(CAROL, conv.id, "I need to talk to someone about a payment plan")
    assert turn.handoff["queue"] == "collector" and turn.handoff["assignee"] == "Priya Patel"
    assert turn.pending_action is None


def test_long_invoice_lists_are_capped_for_the_model(world):
    from billing.demo import seed_scale
    from billing.entities import ContractContact

    seed_scale(world.billing.uow_factory, 8, world.clock.today(), world.clock.now())
    with world.billing.uow_factory(write=True) as uow:  # alice becomes a contact on 24 more contracts
        for i in range(8):
            for c in range(3):
                uow.repo.add(ContractContact(f"cc_a_{i}_{c}", f"C-SYN{i:06d}-{c}", "alice@acme.example", []))
        uow.commit()
    runner, model = world.scripted(call("list_invoices"), say("Here are your latest invoices."))
    conv = runner.start_conversation(ALICE)
    runner.run_turn(ALICE, conv.id, "list my invoices")
    import json

    listed = json.loads(model.requests[1][-1].content)
    assert listed["total"] == 4 + 8 * 3 * 4 and len(listed["invoices"]) == 20 and listed["more"] == 80

"""The offline planner through the real turn runner, on the demo world in SQLite."""

from __future__ import annotations

from typing import Any

from agent.events import DoneEvent, TokenEvent
from billing.principal import Principal

ALICE, BOB, DAVE, ERIN = (
    Principal(f"{u}@{d}.example")
    for u, d in (("alice", "acme"), ("bob", "acme"), ("dave", "initech"), ("erin", "acme"))
)


def _turn(world: Any, who: Principal, *texts: str) -> tuple[str, Any]:
    conv = world.runner.start_conversation(who).id
    result = None
    for text in texts:
        result = world.runner.run_turn(who, conv, text)
    return conv, result


def test_pay_then_typed_yes_executes_once_with_a_confirmation_number(world: Any) -> None:
    conv, turn = _turn(world, ALICE, "pay INV-1001")
    assert turn.pending_action is not None and turn.pending_action["tool"] == "pay_invoice"
    assert turn.pending_action["args"] == {"invoice_id": "INV-1001"}
    assert "USD 1,200.00" in turn.reply and "Nothing has changed yet" in turn.reply
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "open"  # proposing changed nothing

    done = world.runner.run_turn(ALICE, conv, "yes")
    assert done.decided_action["status"] == "executed"
    number = done.decided_action["result"]["confirmation_number"]
    assert number and number in done.reply
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "processing"


def test_follow_up_pronoun_pays_the_invoice_discussed(world: Any) -> None:
    _, turn = _turn(world, ALICE, "what's the balance on inv 1001?", "pay it")
    assert [c["name"] for c in turn.tool_calls] == ["pay_invoice"]
    assert turn.pending_action["args"] == {"invoice_id": "INV-1001"}


def test_auto_renew_refusal_names_the_window_and_the_ae(world: Any) -> None:
    _, turn = _turn(world, ALICE, "turn off auto renew for C-1002")
    assert turn.pending_action is None
    assert "20 days" in turn.reply and "30 days" in turn.reply
    assert "Morgan Avery" in turn.reply


def test_over_limit_payment_is_refused_with_payment_instructions(world: Any) -> None:
    _, turn = _turn(world, ALICE, "please pay INV-1003")
    assert turn.pending_action is None
    assert "payment instructions" in turn.reply and "50,000.00" in turn.reply


def test_bob_cannot_remove_the_primary_billing_contact(world: Any) -> None:
    _, turn = _turn(world, BOB, "remove alice from C-1001")
    assert [c["name"] for c in turn.tool_calls] == ["list_contract_users", "remove_contract_access"]
    assert turn.tool_calls[-1]["args"] == {"email": "alice@acme.example", "contract_ids": ["C-1001"]}
    assert turn.pending_action is None
    assert "Primary Billing Contact" in turn.reply and "Customer Service" in turn.reply


def test_reseller_is_told_resellers_have_no_access(world: Any) -> None:
    for text in ("show my invoices", "pay INV-1001", "turn off auto renew for C-1001"):
        _, turn = _turn(world, DAVE, text)
        assert turn.pending_action is None
        assert "resellers" in turn.reply, text
        assert "INV-1001" not in turn.reply or text == "pay INV-1001"


def test_user_without_contracts_is_told_how_access_is_granted(world: Any) -> None:
    _, turn = _turn(world, ERIN, "show me my invoices")
    assert "Manage Users" in turn.reply


def test_hand_off_creates_a_case_in_the_right_queue(world: Any) -> None:
    _, turn = _turn(world, ALICE, "turn off auto renew for C-1002", "yes please")
    assert turn.handoff is not None and turn.handoff["queue"] == "ae"
    assert turn.handoff["case_id"] in turn.reply


def test_two_requests_do_the_first_and_follow_with_the_next(world: Any) -> None:
    conv, turn = _turn(world, ALICE, "pay INV-1001 and set its PO to ACME-77")
    assert turn.pending_action["tool"] == "pay_invoice"
    assert "next" in turn.reply
    world.runner.run_turn(ALICE, conv, "yes")
    later = world.runner.run_turn(ALICE, conv, "next")
    assert later.pending_action["tool"] == "update_po_number"
    assert later.pending_action["args"] == {"invoice_id": "INV-1001", "po_number": "ACME-77"}


def test_how_to_question_is_answered_from_the_knowledge_base_with_citations(world: Any, knowledge_index: Any) -> None:
    world.with_knowledge(knowledge_index)
    _, turn = _turn(world, ALICE, "how long does it take for a card payment to show as paid?")
    assert turn.tool_calls[0]["name"] == "search_knowledge" and turn.pending_action is None
    assert turn.citations and "[1]" in turn.reply
    assert "24 hours" in turn.reply


def test_streaming_yields_the_reply_in_pieces(world: Any) -> None:
    conv = world.runner.start_conversation(ALICE).id
    events = list(world.runner.iter_turn(ALICE, conv, "hello"))
    tokens = [e.text for e in events if isinstance(e, TokenEvent)]
    assert len(tokens) > 3
    assert isinstance(events[-1], DoneEvent) and "".join(tokens) == events[-1].result.reply

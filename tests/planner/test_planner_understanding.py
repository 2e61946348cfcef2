"""Understanding fixes, through the real runner: masked card numbers, PO values taken whole, questions
that are not slot fills, corrections, follow-ups, address parts, questions about the portal, and
questions the help articles do not answer."""

from __future__ import annotations

from typing import Any

from billing.principal import Principal

ALICE = Principal("alice@acme.example")


def _turns(world: Any, *texts: str) -> list[Any]:
    conv = world.runner.start_conversation(ALICE).id
    return [world.runner.run_turn(ALICE, conv, text) for text in texts]


def test_a_typed_card_number_gets_the_secure_form_never_a_user_question(world: Any) -> None:
    (turn,) = _turns(world, "My new card is 4111 1111 1111 1111, expiry 12/29. Put it on C-1001 please.")
    assert [c["name"] for c in turn.tool_calls] == ["card_update_form"]
    assert "never take card numbers" in turn.reply and "4111" not in turn.reply
    (turn,) = _turns(world, "Pay INV-1001 with card 5555-5555-5555-4444 instead of the one on file")
    assert [c["name"] for c in turn.tool_calls] == ["get_invoice", "card_update_form"]
    assert turn.pending_action is None


def test_the_po_value_reaches_the_domain_as_typed(world: Any) -> None:
    (turn,) = _turns(world, "Change the PO on INV-1001 to PO#77!*")
    assert turn.tool_calls[-1]["args"] == {"invoice_id": "INV-1001", "po_number": "PO#77!*"}
    assert turn.pending_action is None and "allowed" in turn.reply


def test_a_question_after_a_proposal_is_a_question(world: Any) -> None:
    first, second = _turns(world, "pay INV-1001", "Actually, what is the PO number on INV-1001?")
    assert first.pending_action["tool"] == "pay_invoice"
    assert [c["name"] for c in second.tool_calls] == ["get_invoice"] and second.pending_action is None
    assert "PO-7781" in second.reply


def test_a_corrected_po_is_proposed_again(world: Any) -> None:
    _, turn = _turns(world, "Please put PO number 4500-AA on invoice INV-1003", "Actually, make it 4500-BB instead")
    assert turn.pending_action["args"] == {"invoice_id": "INV-1003", "po_number": "4500-BB"}


def test_its_status_after_a_payment_reads_that_invoice(world: Any) -> None:
    conv = world.runner.start_conversation(ALICE).id
    world.runner.run_turn(ALICE, conv, "pay INV-1001")
    world.runner.run_turn(ALICE, conv, "yes")
    turn = world.runner.run_turn(ALICE, conv, "What is its status now?")
    assert [(c["name"], c["args"]) for c in turn.tool_calls] == [("get_invoice", {"invoice_id": "INV-1001"})]
    assert "processing" in turn.reply


def test_address_parts_named_around_the_street_are_all_taken(world: Any) -> None:
    (turn,) = _turns(
        world,
        "Please update the billing address of C-1001: the street is now 500 Howard Street and the postal code is 94107",
    )
    assert turn.pending_action["args"]["postal_code"] == "94107"
    _, _, turn = _turns(
        world,
        "Please change the billing address of C-1001",
        "the street is now 500 Howard Street",
        "and the postal code is 94107",
    )
    assert {"line1": "500 Howard Street", "postal_code": "94107"}.items() <= turn.pending_action["args"].items()


def test_questions_about_rules_search_the_help_articles(world: Any, knowledge_index: Any) -> None:
    world.with_knowledge(knowledge_index)
    for question, fact in (
        ("What characters are allowed in a PO number, and how long can it be?", "40"),
        ("When am I allowed to turn off auto-renew on a contract?", "180 days"),
        ("How do I sign in to the billing portal?", "Trailblazer"),
        ("What should I do if there is no signed quote for my contract?", "Customer Service"),
    ):
        (turn,) = _turns(world, question)
        # Answered from the articles; a read may follow (an offer of what the user can do now), never a change.
        assert turn.tool_calls and turn.tool_calls[0]["name"] == "search_knowledge", question
        assert turn.pending_action is None, question
        assert fact in turn.reply and turn.citations, question


def test_a_policy_the_articles_do_not_cover_is_not_answered(world: Any, knowledge_index: Any) -> None:
    world.with_knowledge(knowledge_index)
    for question in (
        "What is your refund policy for annual subscriptions cancelled mid-term?",
        "Do you support SEPA direct debit?",
        "Is there an early termination fee?",
    ):
        (turn,) = _turns(world, question)
        assert "don't know" in turn.reply and "Customer Service" in turn.reply, (question, turn.reply)

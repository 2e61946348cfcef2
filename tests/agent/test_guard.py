"""Honest with an imperfect model: the output guard, grounded arguments, one deadline per turn.

The remote model here is scripted to do what a weak real model did: claim a payment that never
happened, answer with tool markup, name functions, refuse after good tool results, invent a PO
number or an e-mail, propose a change in answer to a how-to question, stall past the deadline."""

from __future__ import annotations

import time
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent.deadline import time_left
from agent.errors import DeadlineExceeded
from agent.events import DoneEvent, ReplaceEvent, TokenEvent
from agent.planner import OfflinePlanner
from agent.runner import UNSUPPORTED_NOTE
from agent.scripted import ScriptedChatModel, call, say
from tests.agent.conftest import ALICE


def _remote(world: Any, *steps: Any, **kw: Any) -> Any:
    """A runner whose primary model is the scripted one (checked like any remote model)."""
    return world.runner(ScriptedChatModel(steps=list(steps), **kw), OfflinePlanner())


def _stored_ai_text(world: Any, conv: str) -> str:
    return " ".join(str(m.content) for m in world.store.history(conv) if isinstance(m, AIMessage))


@pytest.mark.parametrize(
    "claim",
    [
        "Done! INV-1001 has been paid, your confirmation number is PC-123.",
        "I've paid INV-1001 for you.",
        '<tool_response>{"status": "paid"}</tool_response> Your invoice is now paid.',
    ],
)
def test_a_claimed_change_is_never_shown_or_stored(world: Any, claim: str) -> None:
    runner = _remote(world, call("pay_invoice", invoice_id="INV-1001"), say(claim))
    conv = runner.start_conversation(ALICE).id
    turn = runner.run_turn(ALICE, conv, "pay INV-1001")
    assert turn.pending_action is not None  # the proposal stands: only a person can confirm it
    assert "Nothing has changed yet" in turn.reply and "has been paid" not in turn.reply and "PC-123" not in turn.reply
    assert "has been paid" not in _stored_ai_text(world, conv) and "PC-123" not in _stored_ai_text(world, conv)
    assert "false_claim" in turn.guard or "markup" in turn.guard
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "open"


@pytest.mark.parametrize(
    "reply,reason",
    [
        ('<tools><function name="pay_invoice" arguments="INV-1001"/></tools>', "markup"),
        ('```json\n{"name": "get_invoice", "arguments": {"invoice_id": "INV-1001"}}\n```', "markup"),
        ("I used the get_invoice function: the domain checks eligibility.", "internal_wording"),
    ],
)
def test_markup_and_machinery_are_replaced_by_the_tools_results(world: Any, reply: str, reason: str) -> None:
    runner = _remote(world, call("get_invoice", invoice_id="INV-1001"), say(reply))
    conv = runner.start_conversation(ALICE).id
    turn = runner.run_turn(ALICE, conv, "what's on INV-1001?")
    assert reason in turn.guard
    assert "INV-1001 (contract C-1001) is **open**" in turn.reply
    assert "<" not in turn.reply and "get_invoice" not in turn.reply and "function" not in turn.reply


def test_a_refusal_after_good_results_is_replaced_by_the_results(world: Any) -> None:
    runner = _remote(world, call("list_invoices"), say("I cannot help with that."))
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "show my invoices")
    assert turn.guard == ["refused_after_results"] and "INV-1003" in turn.reply and "cannot help" not in turn.reply


def test_an_honest_reply_passes_untouched(world: Any) -> None:
    runner = _remote(world, call("get_invoice", invoice_id="INV-1001"), say("INV-1001 is open: USD 1,200.00."))
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "what's on INV-1001?")
    assert turn.guard == [] and turn.reply == "INV-1001 is open: USD 1,200.00."


def test_streaming_never_shows_an_unsafe_sentence_and_sends_the_replacement(world: Any) -> None:
    runner = _remote(
        world,
        call("pay_invoice", invoice_id="INV-1001"),
        say("Sure thing. I've paid INV-1001 for you. Anything else?"),
        stream_words=True,
    )
    events = list(runner.iter_turn(ALICE, runner.start_conversation(ALICE).id, "pay INV-1001"))
    shown = "".join(e.text for e in events if isinstance(e, TokenEvent))
    assert "Sure thing." in shown and "paid" not in shown and "Anything else" not in shown
    (replace,) = [e for e in events if isinstance(e, ReplaceEvent)]
    assert "Nothing has changed yet" in replace.reply and replace.reasons == ("false_claim",)
    assert isinstance(events[-1], DoneEvent)
    done = events[-1].result
    assert done.reply == replace.reply and done.pending_action is not None


def test_a_safe_streamed_reply_is_shown_sentence_by_sentence(world: Any) -> None:
    runner = _remote(world, say("The portal keeps your invoices. You can download each one."), stream_words=True)
    events = list(runner.iter_turn(ALICE, runner.start_conversation(ALICE).id, "hello"))
    tokens = [e.text for e in events if isinstance(e, TokenEvent)]
    assert tokens == ["The portal keeps your invoices. ", "You can download each one."]
    assert not [e for e in events if isinstance(e, ReplaceEvent)]


@pytest.mark.parametrize(
    "question,made_up",
    [
        ("what do we owe right now?", "You owe USD 99.00, due tomorrow."),
        (
            "how long until a card payment shows as paid?",
            "It usually takes a few days for the invoice to show as paid.",
        ),
    ],
)
def test_a_question_answered_without_looking_anything_up_is_answered_by_the_built_in_assistant(
    world: Any, question: str, made_up: str
) -> None:
    runner = _remote(world, say(made_up), stream_words=True)
    events = list(runner.iter_turn(ALICE, runner.start_conversation(ALICE).id, question))
    assert isinstance(events[-1], DoneEvent)
    done = events[-1].result
    assert done.degraded and done.guard == ["unsupported_answer"] and done.reply.startswith(UNSUPPORTED_NOTE)
    assert made_up not in done.reply and done.tool_calls  # the built-in assistant looked it up
    assert ReplaceEvent(reply="", reasons=("unsupported_answer",)) in events


def test_a_typed_card_number_is_always_answered_with_the_secure_form(world: Any) -> None:
    runner = _remote(world, say("Yes"))
    turn = runner.run_turn(
        ALICE,
        runner.start_conversation(ALICE).id,
        "My new card is 4111 1111 1111 1111, expiry 12/29. Put it on C-1001 please",
    )
    assert turn.guard == ["unsupported_answer"] and [link["kind"] for link in turn.links] == ["card_form"]
    assert "4111 1111" not in turn.reply and turn.pending_action is None


def test_small_talk_needs_no_lookup(world: Any) -> None:
    runner = _remote(world, say("Hello! How can I help with your billing today?"))
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "hi there")
    assert turn.guard == [] and not turn.degraded and turn.reply.startswith("Hello!")


# -- grounded arguments ------------------------------------------------------------------------------------


def test_a_po_number_the_user_never_typed_is_not_proposed(world: Any) -> None:
    runner = _remote(
        world, call("update_po_number", invoice_id="INV-1001", po_number="PO-1234"), say("Please confirm the new PO.")
    )
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "how do I change the PO on INV-1001?")
    assert turn.pending_action is None and "ungrounded:po_number" in turn.guard
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["po_number"] == "PO-7781"


def test_an_invented_e_mail_is_not_proposed_but_one_from_a_tool_result_is(world: Any) -> None:
    runner = _remote(
        world, call("remove_contract_access", email="bob@example.com", contract_ids=["C-1001"]), say("Confirm?")
    )
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "remove bob from C-1001")
    assert turn.pending_action is None and "ungrounded:email" in turn.guard
    runner = _remote(
        world,
        call("list_contract_users", contract_id="C-1001"),
        call("remove_contract_access", email="bob@acme.example", contract_ids=["C-1001"]),
        say("Here is the change for you to confirm: remove bob@acme.example from C-1001."),
    )
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "remove bob from C-1001")
    assert turn.pending_action["args"] == {"email": "bob@acme.example", "contract_ids": ["C-1001"]}


def test_values_the_user_typed_earlier_in_the_conversation_are_grounded(world: Any) -> None:
    runner = _remote(
        world,
        say("Which invoice?"),
        call("update_po_number", invoice_id="INV-1003", po_number="4500/77"),
        say("Please confirm."),
    )
    conv = runner.start_conversation(ALICE).id
    runner.run_turn(ALICE, conv, "the PO should be 4500/77")
    turn = runner.run_turn(ALICE, conv, "invoice 1003")
    assert turn.pending_action["args"] == {"invoice_id": "INV-1003", "po_number": "4500/77"}


def test_a_proposal_made_for_a_how_to_question_is_withdrawn_and_offered(world: Any) -> None:
    runner = _remote(world, call("pay_invoice", invoice_id="INV-1001"), say("Please confirm the payment."))
    conv = runner.start_conversation(ALICE).id
    turn = runner.run_turn(ALICE, conv, "how do I pay INV-1001 by card?")
    assert turn.pending_action is None and "proposal_for_question" in turn.guard
    assert "just ask" in turn.reply and world.billing.pending_actions(ALICE, conv) == []


# -- one deadline per turn ---------------------------------------------------------------------------------


def test_each_model_call_gets_what_is_left_of_the_deadline(world: Any) -> None:
    seen: list[dict[str, Any]] = []

    class Timed(ScriptedChatModel):
        def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
            seen.append(kw)
            return super()._generate(messages, stop, run_manager, **kw)

    runner = world.runner(
        Timed(steps=[call("list_invoices"), say("Here they are.")]), OfflinePlanner(), turn_deadline=30
    )
    runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "show my invoices")
    assert len(seen) == 2 and all(28 < kw["timeout"] <= 30 for kw in seen) and seen[1]["timeout"] <= seen[0]["timeout"]
    assert time_left(None) is None
    with pytest.raises(DeadlineExceeded):
        time_left(time.monotonic() + 0.5)


def test_a_turn_past_its_deadline_falls_back_and_says_so(world: Any) -> None:
    runner = world.runner(ScriptedChatModel(steps=[say("too late")]), OfflinePlanner(), turn_deadline=0.5)
    turn = runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "show my invoices")
    assert turn.degraded and turn.reply.startswith("(The assistant model is unavailable") and "INV-1001" in turn.reply


# -- settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,timeout,retries,deadline",
    [
        ("http://127.0.0.1:8082/v1", 120.0, 0, 240.0),
        ("http://localhost:11434/v1", 120.0, 0, 240.0),
        ("https://api.openai.com/v1", 30.0, 2, 60.0),
        (None, 30.0, 2, 60.0),
    ],
)
def test_local_servers_get_long_timeouts_and_no_retries(
    url: str | None, timeout: float, retries: int, deadline: float
) -> None:
    from bootstrap.container import model_config
    from bootstrap.settings import Settings

    cfg = model_config(Settings(_env_file=None, portal_llm="openai", openai_base_url=url))
    assert (cfg.timeout, cfg.max_retries, cfg.turn_deadline) == (timeout, retries, deadline)
    explicit = model_config(
        Settings(
            _env_file=None,
            openai_base_url=url,
            portal_model_retries=3,
            portal_model_timeout=5,
            portal_model_max_tokens=99,
        )
    )
    assert (explicit.max_retries, explicit.timeout, explicit.max_tokens) == (3, 5.0, 99)


def test_the_first_request_fits_small_models() -> None:
    from agent.budget import message_tokens, tools_tokens
    from agent.prompts import policy_prompt
    from knowledge.tokens import count_tokens
    from tools.registry import ALL_TOOLS

    first = count_tokens(policy_prompt()) + tools_tokens(ALL_TOOLS) + message_tokens(HumanMessage("pay INV-1001"))
    assert first <= 1500, first

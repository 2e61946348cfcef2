"""Card numbers never reach the model, the transcript or the logs; history fits the token budget."""

from __future__ import annotations

import logging

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from sqlalchemy import select

from agent.budget import fit_history, message_tokens
from agent.masking import mask
from agent.scripted import call, say
from agent.store_tables import messages
from tests.agent.conftest import ALICE
from tools.registry import ALL_TOOLS

CARDS = ["4242 4242 4242 4242", "4111-1111-1111-1111", "5555555555554444", "378282246310005"]


@pytest.mark.parametrize("card", CARDS)
def test_mask_removes_luhn_valid_numbers(card):
    masked = mask(f"my card is {card}, exp 12/29")
    assert card not in masked and card.replace(" ", "").replace("-", "") not in masked.replace(" ", "")
    assert f"ending {card[-4:]}" in masked


@pytest.mark.parametrize(
    "text", ["INV-1001", "PO 1234-5678-9012", "call +1 415 555 0100", "4242 4242 4242 4241", "order 1234567890123"]
)
def test_mask_keeps_ids_phone_numbers_and_non_luhn_digits(text):
    assert mask(text) == text


def test_mask_removes_secrets():
    assert "sk-" not in mask("key sk-abcdefghijklmnopqrstuvwx123")
    assert "xoxb" not in mask("token xoxb-1234567890-abcdefghij")


def test_card_number_never_reaches_model_store_or_logs(world, caplog):
    caplog.set_level(logging.DEBUG)
    runner, model = world.scripted(say("I can't take card numbers in chat; use the secure form."))
    conv = runner.start_conversation(ALICE)
    result = runner.run_turn(ALICE, conv.id, "please charge 4242 4242 4242 4242 exp 12/29 cvc 123")
    sent = " ".join(str(m.content) for m in model.requests[0])
    with world.engine.connect() as conn:
        stored = " ".join(str(r) for r in conn.execute(select(messages.c.content, messages.c.data)))
    for text in (sent, stored, caplog.text, result.reply, str(runner.store.transcript(conv.id))):
        assert "4242 4242 4242 4242" not in text and "4242424242424242" not in text
    assert "[card number ending 4242 removed]" in sent


def test_no_tool_takes_an_identity_argument():
    identity = {"user", "email_of_user", "principal", "as_user", "actor", "user_email", "acting_user"}
    for tool in ALL_TOOLS:
        params = set(tool.tool_call_schema.model_json_schema().get("properties", {}))
        assert not params & identity, tool.name
        assert "runtime" not in params, tool.name


def _turn(i: int) -> list:
    return [
        HumanMessage(f"question {i} " + "word " * 50),
        AIMessage("", tool_calls=[{"name": "get_invoice", "args": {"invoice_id": "INV-1001"}, "id": f"c{i}"}]),
        ToolMessage('{"x": "' + "data " * 200 + '"}', tool_call_id=f"c{i}"),
        AIMessage(f"answer {i} " + "word " * 50),
    ]


def test_history_is_compacted_then_trimmed_to_the_budget():
    history = [m for i in range(30) for m in _turn(i)]
    kept = fit_history(history, 1500)
    assert sum(message_tokens(m) for m in kept) <= 1500
    assert kept[-1].content.startswith("answer 29") and isinstance(kept[0], HumanMessage)
    assert any(isinstance(m, ToolMessage) for m in kept[-4:]), "the last turns keep their tool results"
    older = kept[:-8]
    assert older and not any(isinstance(m, ToolMessage) for m in older), "older turns are compacted"


def test_budget_holds_over_a_long_conversation(world):
    runner, model = world.scripted(
        *[s for _ in range(25) for s in (call("list_invoices"), say("Here they are."))], token_budget=3000
    )
    conv = runner.start_conversation(ALICE)
    for i in range(25):
        runner.run_turn(ALICE, conv.id, f"list my invoices please ({i})")
    from knowledge.tokens import count_tokens

    last_request = model.requests[-2]  # the request that started the last turn
    assert sum(message_tokens(m) for m in last_request[1:]) <= 3000 - count_tokens(str(last_request[0].content))
    assert len(last_request) < 25 * 2


def test_a_first_message_counts_no_tokens_and_the_next_one_fits_its_history(world):
    # A first message has no history to fit: a one-off `ask` need not load the tokenizer (issue 16).
    runner, model = world.scripted(say("Hello."), say("Hello again."))
    conv = runner.start_conversation(ALICE)
    runner.run_turn(ALICE, conv.id, "hi")
    assert "fixed_tokens" not in vars(runner)
    runner.run_turn(ALICE, conv.id, "hi again")
    assert "fixed_tokens" in vars(runner)
    assert [m.content for m in model.requests[-1] if isinstance(m, HumanMessage)] == ["hi", "hi again"]

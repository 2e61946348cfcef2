"""Every turn is recorded with its messages (the `turns` table operators' insights count): what was asked,
what it led to (a proposal, a refusal, a hand-off, a decision) and whether the articles could answer it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from agent.store_tables import turns
from billing.principal import Principal

ALICE = Principal("alice@acme.example", "eval")
CARD = "4111 1111 1111 1111"


def _records(world: Any, conversation_id: str) -> list[dict[str, Any]]:
    with world.runner.store.engine.connect() as conn:
        rows = conn.execute(select(turns).where(turns.c.conversation_id == conversation_id).order_by(turns.c.id))
        return [dict(r) for r in rows.mappings()]


def _run(world: Any, *texts: str) -> tuple[str, list[Any], list[dict[str, Any]]]:
    conv = world.runner.start_conversation(ALICE).id
    results = [world.runner.run_turn(ALICE, conv, t) for t in texts]
    return conv, results, _records(world, conv)


def test_each_turn_is_recorded_once_and_its_reply_is_the_message_a_user_rates(world: Any) -> None:
    conv, results, records = _run(world, "pay INV-1001", "hmm maybe", "yes")
    assert [r["kind"] for r in records] == ["agent", "reask", "decision"]
    assert [r["proposed"] for r in records] == ["pay_invoice", "", ""]
    replies = {line["seq"]: line for line in world.runner.store.transcript(conv) if line["role"] == "assistant"}
    for result, record in zip(results, records, strict=True):
        assert result.message_id == record["message_seq"]
        assert replies[record["message_seq"]]["content"] in result.reply
    assert all(r["user_email"] == ALICE.email and r["channel"] == "eval" for r in records)


def test_refusals_and_hand_offs_are_recorded_with_their_reason_and_queue(world: Any) -> None:
    _, _, records = _run(world, "pay INV-1002", "I want to talk to a person from collections about a payment plan")
    assert records[0]["refusals"] == ["already_paid"] and records[0]["handoff_queue"] == ""
    assert records[1]["handoff_queue"] == "collector" and "person from collections" in records[1]["handoff_subject"]


def test_a_question_the_articles_cannot_answer_is_a_knowledge_gap_and_one_they_answer_is_not(
    world: Any, knowledge_index: Any
) -> None:
    world.with_knowledge(knowledge_index)
    _, results, records = _run(world, "how do I log in?", "do you accept bitcoin?")
    assert results[0].citations and records[0]["searched"] and not records[0]["unanswered"]
    assert records[1]["searched"] and records[1]["unanswered"]


def test_the_recorded_question_is_masked(world: Any) -> None:
    _, _, records = _run(world, f"my new card is {CARD}, put it on C-1001")
    assert CARD.replace(" ", "") not in records[0]["question"].replace(" ", "")
    assert "1111" in records[0]["question"]  # the last four stay, as everywhere else

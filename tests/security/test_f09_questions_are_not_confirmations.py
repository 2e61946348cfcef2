"""Finding 9: the typed-decision matcher accepted questions: "correct?", "ok?", "confirm?" executed
the pending action. A question is not a confirmation (and not a refusal either)."""

from __future__ import annotations

import pytest
from skit import served

from agent.confirm import decision

QUESTIONS = [
    "correct?",
    "ok?",
    "confirm?",
    "yes?",
    "go ahead?",
    "okay ?",
    "sure??",
    "yes?!",
    "Correct ？",
    "is that right?",
    "is that right",
    "is it correct",
    "are you sure",
    "really",
    "right?",
    "¿yes",
    "no?",
    "cancel?",
    "what?",
    "can you confirm",
    "should I confirm",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_decides_nothing(text):
    assert decision(text) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("yes", True),
        ("ok", True),
        ("correct", True),
        ("Confirm.", True),
        ("go ahead!", True),
        ("no", False),
        ("cancel", False),
        ("do it", True),
    ],
)
def test_plain_answers_still_decide(text, expected):
    assert decision(text) is expected


@pytest.mark.parametrize("text", ["correct?", "ok?", "confirm?", "is that right?"])
async def test_a_question_after_a_proposal_pays_nothing(tmp_path, text):
    async with served(tmp_path, portal_env="production") as (world, client):
        alice = world.auth("alice")
        conv = (await client.post("/v1/conversations", headers=alice)).json()["conversation_id"]
        turn = (
            await client.post(f"/v1/conversations/{conv}/messages", json={"text": "pay INV-1001"}, headers=alice)
        ).json()
        assert turn["pending_action"]["tool"] == "pay_invoice"
        r = await client.post(f"/v1/conversations/{conv}/messages", json={"text": text}, headers=alice)
        assert r.status_code == 200 and r.json().get("decided_action") is None
        invoice = (await client.get("/v1/invoices/INV-1001", headers=alice)).json()
        assert invoice["status"] == "open" and invoice["balance"] == "1200.00"

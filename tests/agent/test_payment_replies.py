"""What the user is told while a card payment's outcome is unknown (the gateway's answer was lost):
"being confirmed", never "paid", never "failed", never "pay it another way" — through the button, a
typed yes, the invoice read and a second attempt, with the offline planner on the real runner."""

from __future__ import annotations

import datetime as dt

from agent.planner import OfflinePlanner
from billing.operations.registry import command
from tests.agent.conftest import ALICE, BOB

TIMEOUT_AFTER_CHARGE = "4000 0000 0000 3220"
NEVER = (
    "Done:",
    "was accepted",
    "did not go through (",
    "I could not complete",
    "payment instructions",
    "Nothing was changed",
)  # the executed and failed replies, and the advice to pay another way


def _timeout_card(world) -> None:
    card = world.billing.gateway.tokenize(TIMEOUT_AFTER_CHARGE, 12, 2030, "123")
    form = world.billing.propose(
        ALICE,
        "form",
        command(
            "update_card",
            {
                "contract_id": "C-1001",
                "token": card.token,
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": 12,
                "exp_year": 2030,
            },
        ),
    )
    world.billing.execute(ALICE, form.id)


def _honest(reply: str) -> None:
    assert "being confirmed" in reply, reply
    assert not [w for w in NEVER if w in reply], reply


def test_button_and_follow_ups_while_the_payment_is_being_confirmed(world):
    _timeout_card(world)
    runner = world.runner(OfflinePlanner())
    conv = runner.start_conversation(ALICE).id
    turn = runner.run_turn(ALICE, conv, "pay INV-1001")
    result = runner.decide(ALICE, conv, turn.pending_action["id"], approve=True)
    assert (result.status, result.result["status"]) == ("in_progress", "payment_in_progress")
    _honest(result.reply)
    assert "Visa ending 3220" in result.reply and "USD 1,200.00" in result.reply

    shown = runner.run_turn(ALICE, conv, "show me INV-1001")
    _honest(shown.reply)
    again = runner.run_turn(BOB, runner.start_conversation(BOB).id, "pay INV-1001")
    assert again.pending_action is None
    _honest(again.reply)

    world.clock.advance(minutes=2)
    assert world.billing.reconcile().succeeded == ["INV-1001"]
    after = runner.run_turn(ALICE, conv, "show me INV-1001")
    assert "**processing**" in after.reply and "being confirmed" not in after.reply


def test_typed_yes_gets_the_same_honest_reply(world):
    _timeout_card(world)
    runner = world.runner(OfflinePlanner())
    conv = runner.start_conversation(ALICE).id
    runner.run_turn(ALICE, conv, "pay INV-1001")
    done = runner.run_turn(ALICE, conv, "yes")
    assert done.decided_action["status"] == "in_progress"
    _honest(done.reply)
    assert world.billing.reconcile(older_than=dt.timedelta(0)).succeeded == ["INV-1001"]

"""The user simulator (used with a real model): it keeps going until the goal's end state holds.
Here both sides are scripted chat models, so the stop rule is tested without any model request."""

from __future__ import annotations

from typing import Any

from agent.scripted import ScriptedChatModel, call, say
from evals.simulator import DONE, NOT_DONE
from evals.variants import Variant

GOAL = """
scenarios:
  - id: pay-by-goal
    user: alice@acme.example
    goal: Pay invoice INV-1001 with the card on file.
    max_turns: 8
    expect:
      changes:
        - update: {table: invoices, id: INV-1001, set: {status: processing}}
        - insert: {table: payments, where: {invoice_id: INV-1001}}
"""


def agent(_scenario: Any) -> tuple[ScriptedChatModel, None]:
    return ScriptedChatModel(
        steps=[
            say("Which invoice would you like to pay?"),
            say("Sorry, which invoice?"),
            call("pay_invoice", invoice_id="INV-1001"),
            say("Pay USD 1,200.00? Confirm."),
        ]
    ), None


def test_simulated_user_does_not_stop_after_yes_or_a_premature_done(run_variant: Any, scenarios_from: Any) -> None:
    user = ScriptedChatModel(
        steps=[
            say("Pay my invoice please"),
            say("yes"),
            say(DONE),
            say("INV-1001 please"),
            say("[CONFIRM]"),
            say("never reached"),
        ]
    )
    run = run_variant(Variant("sim", agent, make_user_model=lambda: user), scenarios_from(GOAL))
    trial = run.suites[0].scenarios[0].trials[0]
    assert trial.passed, trial.failures
    assert trial.end_diff["_stop"] == "goal_met"
    assert [s.kind for s in trial.steps] == ["say", "say", "say", "confirm"]
    assert any(NOT_DONE in str(m.content) for m in user.requests[-1])  # it was told the goal was not met
    assert user.steps == [say("never reached")]  # it stopped as soon as the payment was executed


def test_simulated_user_stops_at_the_turn_limit_and_fails(run_variant: Any, scenarios_from: Any) -> None:
    user = ScriptedChatModel(steps=[say("hello")] * 3 + [say(DONE)] * 10)
    lazy = Variant("sim", lambda _s: (ScriptedChatModel(steps=[say("Hi!")] * 10), None), make_user_model=lambda: user)
    trial = run_variant(lazy, scenarios_from(GOAL)).suites[0].scenarios[0].trials[0]
    assert trial.end_diff["_stop"] == "turn_limit" and not trial.passed
    assert len(trial.steps) == 3 and "end_state" in trial.failures

"""The customer batches (evals/customers/) through the offline planner, and the scorer's outcome checks.

Each batch was scored once blind before it was folded into the corpus (EVALS.md has those figures);
since then it is tuning data, so the floors here only guard against regressions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from evals.customers import outcome, score_batch, summary

BATCHES = Path(__file__).resolve().parents[2] / "evals" / "customers"
# Outcome per batch when the planner was last changed (folded in, so no longer blind), minus a margin.
FLOORS = {
    "batch-1.yaml": 0.91,
    "batch-2.yaml": 0.91,
    "batch-3.yaml": 0.94,
    "batch-4.yaml": 0.91,
    "batch-5.yaml": 0.92,
    "batch-6.yaml": 0.88,
    "batch-7.yaml": 0.91,
    "batch-8.yaml": 0.92,
    "batch-9.yaml": 0.90,
    "batch-10.yaml": 0.91,
    "batch-11.yaml": 0.89,
    "batch-12.yaml": 0.96,
    "batch-13.yaml": 0.95,
    "batch-14.yaml": 0.96,
    "batch-15.yaml": 0.94,
    "batch-16.yaml": 0.92,
    "batch-17.yaml": 0.95,
    "batch-18.yaml": 0.92,
    "batch-19.yaml": 0.93,
    "batch-20.yaml": 0.93,
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_a_customer_batch_stays_at_its_level(name: str, eval_knowledge: Any) -> None:
    figures = summary(score_batch(BATCHES / name, dt.date(2026, 6, 15), knowledge=eval_knowledge))
    assert figures["turns"] >= 200
    assert figures["outcome"] >= FLOORS[name], figures


def test_every_batch_in_the_folder_has_a_floor() -> None:
    assert {p.name for p in BATCHES.glob("*.yaml")} == set(FLOORS)


PROPOSED = {
    "pending_action": {"id": "act_1", "tool": "pay_invoice", "args": {"invoice_id": "INV-1001"}},
    "reply": "Here is what I'll do",
    "tool_calls": [],
}


def test_the_outcome_checks_fail_what_they_should() -> None:
    assert outcome({"propose": "pay_invoice", "args": {"invoice_id": "INV-1001"}}, PROPOSED)[0]
    assert not outcome({"propose": "pay_invoice", "args": {"invoice_id": "INV-1002"}}, PROPOSED)[0]
    assert not outcome("answer", PROPOSED)[0]  # a proposal is not an answer
    assert outcome("answer", PROPOSED, waiting="act_1")[0] is False  # and no citations either
    cited = {**PROPOSED, "citations": [{"source": "knowledge/docs/x.md"}], "reply": "It takes 24 hours [1]"}
    assert outcome("answer", cited, waiting="act_1")[0]  # the proposal was already waiting before the turn
    assert not outcome("reask", {"reply": "ok", "tool_calls": []})[0]
    assert not outcome({"handoff": "collector"}, {"handoff": {"queue": "ae"}, "reply": ""})[0]
    assert not outcome("decline", {"reply": "Sorry, I can only help with billing", "tool_calls": [{"name": "x"}]})[0]

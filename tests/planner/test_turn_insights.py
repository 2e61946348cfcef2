"""Real turns of the offline planner add up in the operators' insights: what the recorder writes (agent/
turn_record.py) is what service/insights counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from billing.principal import Principal
from service.insights.report import build_report
from service.insights.window import Window

ALICE = Principal("alice@acme.example", "eval")


def test_real_turns_add_up_in_the_insights(world: Any, knowledge_index: Any) -> None:
    world.with_knowledge(knowledge_index)
    start = dt.datetime.now(dt.UTC)
    for texts in (
        ["how do I log in?"],
        ["do you accept bitcoin?", "do you accept bitcoin?"],
        ["pay INV-1002", "I want to talk to a person from collections about a payment plan"],
    ):
        conv = world.runner.start_conversation(ALICE).id
        for text in texts:
            world.runner.run_turn(ALICE, conv, text)
    now = dt.datetime.now(dt.UTC)
    # Turns are stamped with the real time; this world's billing clock is pinned, so proposals are not asked about.
    report = build_report(world.runner.store.engine, Window(start, now + dt.timedelta(seconds=1)), now)
    r = report.resolution
    assert (r.conversations, r.resolved, r.handed_off, r.thumbs_down, r.repeated) == (3, 1, 1, 0, 1)
    assert report.handoffs.by_queue == {"collector": 1}
    assert report.handoffs.by_reason == {"Payment / collections question": 1}
    assert report.refusals == {"already_paid": 1}
    assert report.latency.turns == 5 and report.quality.degraded == 0
    assert report.knowledge_gaps.questions == 2
    assert [(g.count, g.examples) for g in report.knowledge_gaps.groups] == [(2, ("do you accept bitcoin?",))]

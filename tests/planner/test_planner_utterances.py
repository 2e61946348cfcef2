"""Table-driven accuracy of the offline planner: one message in, the tool call (and arguments) out.

The utterances (planner_cases.py) were written as customers write, before tuning. The floors
below are what was measured; a regression under them fails the run.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any

from langchain_core.messages import HumanMessage
from planner_cases import MULTI, SINGLE
from planner_helpers import conversation, first_call

SINGLE_FLOOR = 0.95
MULTI_FLOOR = 0.95


def _matches(expected_tool: str | None, expected_args: dict[str, Any], message: Any) -> bool:
    name, args = first_call(message)
    if name != expected_tool:
        return False
    if expected_tool is None:
        return bool(message.content)
    return all(args.get(k) == v for k, v in expected_args.items())


def _report(title: str, results: dict[str, list[bool]]) -> float:
    print(f"\n{title}")
    for cap, oks in sorted(results.items()):
        print(f"  {cap:14s} {sum(oks):3d}/{len(oks):3d}  {100 * sum(oks) / len(oks):5.1f}%")
    total = [ok for oks in results.values() for ok in oks]
    overall = sum(total) / len(total)
    print(f"  {'overall':14s} {sum(total):3d}/{len(total):3d}  {100 * overall:5.1f}%")
    return overall


def test_table_covers_every_capability() -> None:
    per_cap: dict[str, int] = defaultdict(int)
    for cap, *_ in SINGLE:
        per_cap[cap] += 1
    assert len(SINGLE) + len(MULTI) >= 150
    assert len(MULTI) >= 20
    assert all(n >= 5 for n in per_cap.values()), per_cap


def test_single_turn_accuracy(planner: Any) -> None:
    results: dict[str, list[bool]] = defaultdict(list)
    failures = []
    latencies = []
    for cap, text, tool, args in SINGLE:
        started = time.perf_counter()
        message = planner.invoke([HumanMessage(text)])
        latencies.append(time.perf_counter() - started)
        ok = _matches(tool, args, message)
        results[cap].append(ok)
        if not ok:
            failures.append((cap, text, tool, args, first_call(message), message.content[:80]))
    overall = _report("single-turn accuracy per capability", results)
    print(f"  median planner latency per turn: {1000 * statistics.median(latencies[1:]):.1f} ms")
    for f in failures:
        print("  MISS", f)
    assert overall >= SINGLE_FLOOR, failures


USER_OF = {"no_contracts": "erin@acme.example", "reseller": "dave@initech.example"}


def test_multi_turn_accuracy(knowledge_index: Any) -> None:
    """The user turns of each conversation through the real runner, each on a fresh demo world: the
    dialogue state is the planner's own, so what the last turn does depends on what the earlier turns did."""
    import datetime as dt

    from agent.planner import OfflinePlanner
    from billing.principal import Principal
    from bootstrap.container import build_runner
    from evals.world import Worlds
    from tools.registry import HANDOFF_TOOLS, PROPOSING_TOOLS

    worlds = Worlds()
    results: dict[str, list[bool]] = defaultdict(list)
    failures = []
    for cap, steps, tool, args, must_say in MULTI:
        world = worlds.fresh(dt.date(2026, 3, 2))
        runner = build_runner(world.container, model=OfflinePlanner(), knowledge=knowledge_index)
        principal = Principal(USER_OF.get(cap, "alice@acme.example"), "web")
        conv = runner.start_conversation(principal).id
        turn = None
        for step in steps:
            if step[0] == "user":
                turn = runner.run_turn(principal, conv, step[1])
        world.close()
        assert turn is not None
        calls = turn.tool_calls + (
            [{"name": turn.pending_action["tool"], "args": turn.pending_action["args"]}] if turn.pending_action else []
        )
        if tool is None and must_say:  # what the reply must say (a proposal's summary, a refusal's reason)
            ok = True
        elif tool is None:
            ok = not any(c["name"] in PROPOSING_TOOLS | HANDOFF_TOOLS and c.get("ok") for c in turn.tool_calls)
        else:
            ok = any(c["name"] == tool and all(c["args"].get(k) == v for k, v in args.items()) for c in calls)
        ok = ok and all(s in turn.reply for s in must_say)
        results[cap].append(ok)
        if not ok:
            failures.append((cap, steps[-1][:2], tool, args, [c["name"] for c in calls], turn.reply[:160]))
    worlds.cleanup()
    overall = _report("multi-turn accuracy per kind", results)
    for f in failures:
        print("  MISS", f)
    assert overall >= MULTI_FLOOR, failures


# Written for an earlier planner (its first blind run: 46/54). The planner built on dialogue acts met
# them unseen: 49/54 (90.7 %); the floor guards that figure.
HELD_OUT_FLOOR = 0.9


def test_held_out_accuracy(planner: Any) -> None:
    from planner_cases import HELD_OUT

    results: dict[str, list[bool]] = defaultdict(list)
    failures = []
    for cap, text, tool, args in HELD_OUT:
        message = planner.invoke([HumanMessage(text)])
        ok = _matches(tool, args, message)
        results[cap].append(ok)
        if not ok:
            failures.append((cap, text, tool, args, first_call(message), message.content[:80]))
    overall = _report("held-out accuracy per capability", results)
    for f in failures:
        print("  MISS", f)
    assert overall >= HELD_OUT_FLOOR, failures


def test_same_conversation_gives_the_same_message(planner: Any) -> None:
    from planner_cases import MULTI

    from agent.planner import OfflinePlanner

    fresh = OfflinePlanner()
    for _, steps, *_ in MULTI[:8]:
        a, b = planner.invoke(conversation(steps)), fresh.invoke(conversation(steps))
        assert (a.content, a.tool_calls) == (b.content, b.tool_calls)


def test_questions_about_changes_never_call_a_write_tool(planner: Any) -> None:
    from tools.registry import HANDOFF_TOOLS, PROPOSING_TOOLS

    for text in (
        "how do I pay an invoice?",
        "can I change the billing country?",
        "how do I remove a user?",
        "what happens if I turn off auto renew?",
        "is it possible to add a PO number to a paid invoice?",
    ):
        name, _ = first_call(planner.invoke([HumanMessage(text)]))
        assert name not in PROPOSING_TOOLS | HANDOFF_TOOLS, (text, name)

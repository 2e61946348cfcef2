"""Model faults: the runner against the loopback mock model at 20 % faults (429, 500, timeouts,
truncated streams, malformed JSON, bad tool arguments, other accounts' ids), the offline planner as
the fallback. Every turn gets a reply; a failed model is flagged as degraded; only a confirmed action
changes billing state, and each one changes it exactly once."""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import pytest
from rkit import changed_tables, report, snapshot

from agent.events import DoneEvent
from agent.models import ModelConfig, build_models
from agent.runner import DEGRADED_NOTE
from bench.mock_model import MockConfig, MockModelServer
from billing.errors import ActionAlreadyDecided
from billing.principal import Principal

ALICE = Principal("alice@acme.example", "eval")
PO = re.compile(r"PO number of (INV-\d+) to (\S+)", re.I)


def po_route(text: str) -> tuple[str, str] | None:
    """The mock model also knows PO updates (so many distinct confirmed mutations can happen)."""
    m = PO.search(text)
    return ("update_po_number", json.dumps({"invoice_id": m.group(1), "po_number": m.group(2)})) if m else None


def cycle(i: int) -> list[str]:
    return [
        "show INV-1001",
        f"set the PO number of INV-1001 to PO-R{i}",
        "yes",
        "pay INV-1003",
        "list my invoices",
        "pay INV-1001",
        "no",
        f"set the PO number of INV-1001 to PO-X{i} yes",
        "hello",
        "what are my contracts",
    ]


def turn(runner, conversation_id: str, text: str, streamed: bool):
    """One turn as the JSON API runs it (`run_turn`) or as the SSE API streams it (`iter_turn`)."""
    if not streamed:
        return runner.run_turn(ALICE, conversation_id, text)
    events = list(runner.iter_turn(ALICE, conversation_id, text))
    assert isinstance(events[-1], DoneEvent)
    return events[-1].result


def run_faulty_turns(world, turns: int, fault_rate: float = 0.2, seed: int = 11) -> dict:
    figures: Counter = Counter()
    executed_ids: list[str] = []
    config = MockConfig(latency_ms=5, fault_rate=fault_rate, timeout_sleep_s=1.5, seed=seed, route=po_route)
    with MockModelServer(config) as base_url:
        primary, fallback = build_models(
            ModelConfig("openai", "mock-model", "sk-test-not-a-real-key-0000000", base_url, timeout=0.5)
        )  # max_retries as configured (2)
        runner = world.runner(primary, fallback)
        texts = [t for i in range(turns // 10 + 1) for t in cycle(i)][:turns]
        started = time.monotonic()
        conv = None
        for n, text in enumerate(texts):
            if n % 10 == 0:
                conv = runner.start_conversation(ALICE)
            before, counts_before = snapshot(world.engine), Counter(_counts(base_url))
            streamed = (n // 10) % 2 == 0  # SSE clients stream (truncation is a stream fault); JSON ones do not
            result = turn(runner, conv.id, text, streamed)
            after, counts_after = snapshot(world.engine), Counter(_counts(base_url))
            injected = counts_after - counts_before
            figures["turns"] += 1
            figures["degraded"] += bool(result.degraded)
            for fault, k in injected.items():
                if fault != "requests":
                    figures[f"fault_{fault}"] += k
            figures["model_requests"] += injected["requests"]

            # Every turn answers, and a model failure is said, never silent.
            assert isinstance(result.reply, str) and result.reply.strip(), (text, result)
            assert result.degraded == result.reply.startswith(DEGRADED_NOTE), result.reply
            if injected["malformed"] or (streamed and injected["truncated"]):
                assert result.degraded, (text, dict(injected), result.reply)
            figures["streamed_turns"] += streamed
            figures["fault_truncated_in_streams"] += injected["truncated"] if streamed else 0

            # Only a typed confirmation right after a proposal changes billing state.
            decided = result.decided_action or {}
            changed = changed_tables(before, after)
            if decided.get("status") == "executed":
                figures["executed"] += 1
                executed_ids.append(decided["id"])
                po = world.billing.get_action(ALICE, decided["id"]).args["po_number"]
                assert "invoices" in changed and set(changed) <= {"invoices", "outbox"} and po.startswith("PO-R"), (
                    changed,
                    po,
                )
                assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["po_number"] == po
                with pytest.raises(ActionAlreadyDecided):  # the button pressed after the typed yes
                    runner.decide(ALICE, conv.id, decided["id"], True)
                assert snapshot(world.engine) == after
            else:
                assert changed == [], (text, changed, result.reply)
            figures["proposals"] += bool(result.pending_action)
        figures["seconds"] = round(time.monotonic() - started, 1)

    # No duplicate mutation: each executed action is audited once; nothing paid without a "yes".
    with world.engine.connect() as conn:
        audit = conn.exec_driver_sql(
            "SELECT action_id, count(*) FROM audit_log WHERE outcome = 'executed' GROUP BY action_id"
        ).all()
        payments = conn.exec_driver_sql("SELECT count(*) FROM payments").scalar()
    assert sorted(a for a, _ in audit) == sorted(executed_ids) and all(k == 1 for _, k in audit)
    assert payments == 0 and world.gateway.charge_calls == 0
    assert figures["executed"] >= turns // 20, figures  # confirmations really happened
    return dict(figures)


def _counts(base_url: str) -> dict:
    import httpx

    return {
        k: v
        # Generous: the mock answers at once, but on two shared cores under a full test run a read of its counters
        # has waited more than 5 s for the CPU (a failed run said nothing about the product).
        for k, v in httpx.get(base_url.removesuffix("/v1") + "/stats", timeout=30).json().items()
        if isinstance(v, int)
    }


def test_40_turns_at_20_percent_faults(world):
    figures = run_faulty_turns(world, 40)
    assert figures["turns"] == 40 and sum(v for k, v in figures.items() if k.startswith("fault_")) > 0
    report("model_faults_40", **figures)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_500_turns_at_20_percent_faults(world):
    figures = run_faulty_turns(world, 500)
    assert figures["degraded"] > 0 and figures["fault_truncated_in_streams"] > 0 and figures["fault_timeout"] > 0
    report("model_faults_500", **figures)

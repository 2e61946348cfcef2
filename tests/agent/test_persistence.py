"""Conversations and pending actions live in the database: other processes continue them;
turns of one conversation never interleave."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest
from langchain_core.messages import HumanMessage

from agent.scripted import say
from tests.agent.conftest import ALICE

CHILD = textwrap.dedent("""
    import json, sys
    from agent.runner import Runner
    from agent.scripted import ScriptedChatModel, call, say
    from agent.store import ConversationStore
    from billing.adapters.gateway import SimulatedGateway
    from billing.adapters.sql_uow import SqlUnitOfWorkFactory
    from billing.clock import FixedClock
    from billing.principal import Principal
    from billing.service import BillingService
    from bootstrap.db import create_engine_for
    from tools.links import LinkSigner

    url, step, conv_id = sys.argv[1], sys.argv[2], sys.argv[3]
    engine = create_engine_for(url)
    billing = BillingService(SqlUnitOfWorkFactory(engine), FixedClock(), SimulatedGateway())
    model = ScriptedChatModel(steps=[call("pay_invoice", invoice_id="INV-1001"), say("Please confirm.")])
    runner = Runner(billing, ConversationStore(engine), LinkSigner("s" * 40), model)
    alice = Principal("alice@acme.example", "eval")
    if step == "propose":
        conv_id = runner.start_conversation(alice).id
        turn = runner.run_turn(alice, conv_id, "pay INV-1001")
        print(json.dumps({"conv": conv_id, "action": turn.pending_action["id"]}))
    else:
        turn = runner.run_turn(alice, conv_id, "yes")
        print(json.dumps(turn.decided_action))
""")


def _child(*args: str) -> dict:
    import json

    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_propose_in_one_process_confirm_in_another(world):
    proposed = _child(world.url, "propose", "")
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "open"
    decided = _child(world.url, "confirm", proposed["conv"])
    assert decided["id"] == proposed["action"] and decided["status"] == "executed"
    assert decided["result"]["confirmation_number"].startswith("PC-")
    assert world.billing.get_invoice(ALICE, "INV-1001").to_json()["status"] == "processing"
    transcript = world.store.transcript(proposed["conv"])
    assert [m["role"] for m in transcript] == ["user", "assistant", "user", "assistant"]


def test_concurrent_turns_in_one_conversation_are_serialised(world):
    def slow(text: str):
        def step(messages):
            time.sleep(0.3)
            return say(f"answer to {messages[-1].content}")

        return step

    runner, model = world.scripted(slow("a"), slow("b"))
    conv = runner.start_conversation(ALICE)
    threads = [threading.Thread(target=runner.run_turn, args=(ALICE, conv.id, f"message {i}")) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    transcript = [m["content"] for m in world.store.transcript(conv.id)]
    assert len(transcript) == 4
    first, second = transcript[0], transcript[2]
    assert transcript == [first, f"answer to {first}", second, f"answer to {second}"], "turns interleaved"
    # the second turn saw the first one: it ran after it, not beside it
    assert sorted(len(r) for r in model.requests) == [2, 4]


def test_warm_up_loads_models_and_the_index_before_the_first_message(world):
    class Knowledge:
        queries: list[str] = []

        def search(self, query, k=4):
            self.queries.append(query)
            return []

    class Warmable:
        warmed = 0

        def warm_up(self):
            Warmable.warmed += 1

    knowledge = Knowledge()
    runner, _ = world.scripted(say("hi"), knowledge=knowledge)
    runner.fallback = Warmable()  # any model with a warm_up hook
    assert "fixed_tokens" not in vars(runner), "the prompt's tokens are counted on first use, not at build"
    runner.warm_up()
    assert Warmable.warmed == 1 and len(knowledge.queries) == 1
    assert "fixed_tokens" in vars(runner), "the warm-up counts them, so the first message does not load tiktoken"


def test_a_channel_thread_has_one_conversation_even_when_two_workers_start_it_at_once(world, monkeypatch):
    store = world.store
    first = store.find_or_create("alice@acme.example", "slack", "slack:T1:C1:1.0")
    assert store.find_or_create("alice@acme.example", "slack", "slack:T1:C1:1.0") == first
    # The race: this worker looked (nothing yet), another one inserted, this insert hits the unique key.
    real, looks = store.find_by_ref, []

    def racing(ref: str):  # the first look finds nothing: the other worker's row is not there yet
        looks.append(ref)
        return None if len(looks) == 1 else real(ref)

    monkeypatch.setattr(store, "find_by_ref", racing)
    other = store.create("bob@acme.example", "slack", "slack:T1:C1:2.0")
    assert store.find_or_create("alice@acme.example", "slack", "slack:T1:C1:2.0") == other
    assert len(looks) == 2  # it looked, its insert hit the unique key, it looked again


def test_a_lock_is_never_released_with_another_conversations_messages(world):
    first, other = world.store.create(ALICE.email, "web"), world.store.create(ALICE.email, "web")
    with world.store.locked(first.id, user_email=ALICE.email) as held:
        with pytest.raises(ValueError, match="lock of"):
            world.store.append(other.id, [HumanMessage("hello")], release=held)
        assert not held.released
    assert world.store.transcript(other.id) == []

"""Concurrency: `portal-agent serve --workers 3` on a fresh PostgreSQL schema, the mock model on loopback.

50 simultaneous confirms of one action execute it once (49 clear 409s); two messages of one
conversation sent at once are answered one after the other; a conversation (and its pending action)
started on one worker continues on another."""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
from rkit import Server, auth, init_database, needs_postgres, pg_schema, report, server_env
from sqlalchemy import text

from bench.mock_model import MockConfig, MockModelServer
from bootstrap.db import create_engine_for

pytestmark = [needs_postgres, pytest.mark.postgres]
ALICE, CAROL = "alice@acme.example", "carol@globex.example"
MODEL_LATENCY_MS = 300


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    data = tmp_path_factory.mktemp("cluster")
    with MockModelServer(MockConfig(latency_ms=MODEL_LATENCY_MS)) as model_url, pg_schema("relc") as url:
        env = server_env(
            data,
            url,
            PORTAL_LLM="openai",
            OPENAI_BASE_URL=model_url,
            OPENAI_API_KEY="sk-test-not-a-real-key-0000000",
            PORTAL_MODEL="mock-model",
        )
        init_database(env)
        server = Server(env, workers=3).start()
        engine = create_engine_for(url)
        try:
            yield server, engine
        finally:
            server.stop()
            engine.dispose()


def post(url: str, path: str, json: dict | None = None, timeout: float = 60, who: str = ALICE) -> httpx.Response:
    """A fresh connection per request, so the kernel may hand it to any worker."""
    with httpx.Client(base_url=url, headers={**auth(who), "Connection": "close"}, timeout=timeout) as c:
        return c.post(path, json=json)


def get(url: str, path: str) -> httpx.Response:
    with httpx.Client(base_url=url, headers={**auth(ALICE), "Connection": "close"}, timeout=30) as c:
        return c.get(path)


def new_conversation(url: str, who: str = ALICE) -> str:
    r = post(url, "/v1/conversations", who=who)
    assert r.status_code == 201, r.text
    return r.json()["conversation_id"]


def all_at_once(n: int, fn) -> list:
    """Run fn(i) in n threads released together by a barrier (bounded by the calls' own timeouts)."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - reported as a result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_fifty_simultaneous_confirms_execute_once(cluster):
    server, engine = cluster
    conv = new_conversation(server.url)
    turn = post(server.url, f"/v1/conversations/{conv}/messages", {"text": "pay INV-1001"})
    assert turn.status_code == 200 and turn.json()["pending_action"], turn.text
    action = turn.json()["pending_action"]["id"]

    started = time.monotonic()
    responses = all_at_once(50, lambda i: post(server.url, f"/v1/conversations/{conv}/actions/{action}/confirm"))
    seconds = time.monotonic() - started

    assert all(isinstance(r, httpx.Response) for r in responses), [
        r for r in responses if not isinstance(r, httpx.Response)
    ][:3]
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 49, codes
    ok = next(r for r in responses if r.status_code == 200).json()
    assert ok["status"] == "executed" and ok["result"]["confirmation_number"]
    for r in responses:
        if r.status_code == 409:
            body = r.json()
            assert body["kind"] == "already_decided" and body["status"] == "executed" and body["message"]
    with engine.connect() as conn:
        payments = conn.execute(text("SELECT count(*) FROM payments WHERE action_id = :a"), {"a": action}).scalar()
        audited = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action_id = :a AND outcome = 'executed'"), {"a": action}
        ).scalar()
        receipts = conn.execute(text("SELECT count(*) FROM outbox WHERE kind = 'payment_receipt'")).scalar()
        status = conn.execute(text("SELECT status FROM invoices WHERE id = 'INV-1001'")).scalar()
    assert (payments, audited, receipts, status) == (1, 1, 1, "processing")
    report(
        "concurrent_confirms",
        workers=3,
        database="postgresql",
        confirms=50,
        executed=1,
        http_409=codes.count(409),
        payments=payments,
        seconds=round(seconds, 2),
    )


def test_two_messages_at_once_are_processed_one_after_the_other(cluster):
    server, engine = cluster
    conv = new_conversation(server.url)
    started = time.monotonic()
    texts = ["show INV-1001", "show INV-1002"]
    responses = all_at_once(2, lambda i: post(server.url, f"/v1/conversations/{conv}/messages", {"text": texts[i]}))
    seconds = time.monotonic() - started
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses

    # Each turn needs two model calls of MODEL_LATENCY_MS: overlapping turns would take half as long.
    assert seconds >= 4 * MODEL_LATENCY_MS / 1000, seconds
    messages = get(server.url, f"/v1/conversations/{conv}").json()["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["user", "assistant", "user", "assistant"], roles  # no interleaving, no fork
    for question, answer in ((messages[0], messages[1]), (messages[2], messages[3])):
        assert question["content"][-8:] in answer["content"], (question, answer)  # its own answer follows it
    with engine.connect() as conn:
        seqs = (
            conn.execute(text("SELECT seq FROM messages WHERE conversation_id = :c ORDER BY seq"), {"c": conv})
            .scalars()
            .all()
        )
    assert seqs == list(range(1, len(seqs) + 1))
    report("serialized_turns", messages_at_once=2, seconds=round(seconds, 2), transcript=roles)


@contextmanager
def only_worker(server: Server, pid: int):
    """SIGSTOP the other workers (briefly: uvicorn's supervisor pings them) so `pid` takes every connection."""
    others = [p for p in server.worker_pids() if p != pid]
    for p in others:
        os.kill(p, signal.SIGSTOP)
    try:
        yield
    finally:
        for p in others:
            os.kill(p, signal.SIGCONT)


def test_a_conversation_started_on_one_worker_continues_on_another(cluster):
    server, engine = cluster
    first, second = server.worker_pids()[:2]
    with only_worker(server, first):
        conv = new_conversation(server.url)
        turn = post(server.url, f"/v1/conversations/{conv}/messages", {"text": "pay INV-1002"}, timeout=30)
        assert turn.status_code == 200
        turn = post(server.url, f"/v1/conversations/{conv}/messages", {"text": "pay INV-2002"}, timeout=30)
        assert turn.status_code == 200
    with only_worker(server, second):
        history = get(server.url, f"/v1/conversations/{conv}")
        assert history.status_code == 200 and len(history.json()["messages"]) == 4
        turn = post(server.url, f"/v1/conversations/{conv}/messages", {"text": "show INV-1003"}, timeout=30)
        assert turn.status_code == 200 and "INV-1003" in turn.json()["reply"]
    with only_worker(server, first):
        messages = get(server.url, f"/v1/conversations/{conv}").json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3
    report("cross_worker_conversation", workers=[first, second], messages=len(messages))


def test_a_proposal_made_on_one_worker_is_confirmed_on_another(cluster):
    server, engine = cluster
    first, second = server.worker_pids()[-2:]
    with only_worker(server, first):
        conv = new_conversation(server.url, CAROL)
        turn = post(server.url, f"/v1/conversations/{conv}/messages", {"text": "pay INV-2001"}, timeout=4, who=CAROL)
    assert turn.status_code == 200 and turn.json()["pending_action"], turn.text
    action = turn.json()["pending_action"]["id"]
    with only_worker(server, second):
        done = post(server.url, f"/v1/conversations/{conv}/actions/{action}/confirm", timeout=4, who=CAROL)
        again = post(server.url, f"/v1/conversations/{conv}/actions/{action}/confirm", timeout=4, who=CAROL)
    assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    assert again.status_code == 409
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM payments WHERE action_id = :a"), {"a": action}).scalar() == 1

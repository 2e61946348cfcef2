"""Crashes: kill -9 the server after a proposal, and in the middle of executing a payment (after the
card was charged, before the commit), then restart it on the same database (SQLite and PostgreSQL).
The action can still be decided; the invoice is paid once or untouched, never twice, and the
action's state says which."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from conftest import PG_SKIP
from rkit import HERE, Server, auth, init_database, pg_schema, report, server_env
from service.db import create_engine_for

ALICE = "alice@acme.example"
LAUNCHER = HERE / "slow_gateway_serve.py"


@contextmanager
def database(kind: str, tmp_path: Path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    if PG_SKIP:
        pytest.skip(PG_SKIP)
    with pg_schema("relk") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(request, tmp_path: Path):
    with database(request.param, tmp_path) as url:
        env = server_env(tmp_path / "data", url, PORTAL_TEST_CHARGE_LOG=str(tmp_path / "charges.log"))
        init_database(env)
        engine = create_engine_for(url)
        servers: list[Server] = []

        def start(delay: float = 0.0) -> Server:
            server = Server({**env, "PORTAL_TEST_CHARGE_DELAY": str(delay)}, launcher=LAUNCHER).start()
            servers.append(server)
            return server

        try:
            yield request.param, start, engine, tmp_path / "charges.log"
        finally:
            for s in servers:
                s.stop()
            engine.dispose()


def call(server: Server, method: str, path: str, json: dict | None = None, timeout: float = 60) -> httpx.Response:
    with httpx.Client(base_url=server.url, headers=auth(ALICE), timeout=timeout) as c:
        return c.request(method, path, json=json)


def propose_payment(server: Server) -> tuple[str, str]:
    conv = call(server, "POST", "/v1/conversations").json()["conversation_id"]
    turn = call(server, "POST", f"/v1/conversations/{conv}/messages", {"text": "pay INV-1001"})
    assert turn.status_code == 200 and turn.json()["pending_action"], turn.text
    return conv, turn.json()["pending_action"]["id"]


def state(engine, action: str) -> tuple[str, str, int]:
    with engine.connect() as conn:
        return (conn.execute(text("SELECT status FROM pending_actions WHERE id = :a"), {"a": action}).scalar(),
                conn.execute(text("SELECT status FROM invoices WHERE id = 'INV-1001'")).scalar(),
                conn.execute(text("SELECT count(*) FROM payments WHERE invoice_id = 'INV-1001'")).scalar())


def test_kill9_after_a_proposal_then_restart_and_confirm(deployment):
    kind, start, engine, _ = deployment
    server = start()
    conv, action = propose_payment(server)
    server.kill9()

    server = start()
    pending = call(server, "GET", f"/v1/conversations/{conv}").json()["pending_actions"]
    assert [p["id"] for p in pending] == [action]
    done = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm")
    assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    assert state(engine, action) == ("executed", "processing", 1)
    report(f"crash_after_proposal_{kind}", outcome="confirmed after restart", payments=1)


def test_kill9_during_execution_pays_once_or_not_at_all(deployment):
    kind, start, engine, charges = deployment
    server = start(delay=30)
    conv, action = propose_payment(server)
    outcome: dict = {}

    def confirm() -> None:
        try:
            outcome["response"] = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm",
                                       timeout=45)
        except httpx.TransportError as exc:
            outcome["error"] = type(exc).__name__

    worker = threading.Thread(target=confirm)
    worker.start()
    deadline = time.monotonic() + 30
    while not (charges.exists() and charges.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert charges.read_text().split() == [action]  # the card was charged, the commit has not happened
    server.kill9()
    worker.join(timeout=30)
    assert "error" in outcome, outcome  # the client saw the connection drop, not an answer

    server = start()
    after_crash = state(engine, action)
    # Either untouched (the transaction died with the process) or paid once, and the action says which.
    assert after_crash in {("pending", "open", 0), ("executed", "processing", 1)}, after_crash
    started = time.monotonic()
    retry = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm", timeout=120)
    waited = time.monotonic() - started
    if after_crash[0] == "pending":
        assert retry.status_code == 200 and retry.json()["status"] == "executed", retry.text
    else:
        assert retry.status_code == 409, retry.text
    again = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm")
    assert again.status_code == 409 and again.json()["status"] == "executed"
    assert state(engine, action) == ("executed", "processing", 1)
    # Both charges used the action id as the idempotency key: a real gateway returns the first charge.
    assert set(charges.read_text().split()) == {action}
    report(f"crash_during_execution_{kind}", after_restart=after_crash, retry_status=retry.status_code,
           retry_seconds=round(waited, 1), charge_calls=len(charges.read_text().split()), payments=1)

"""Crashes: kill -9 the server after a proposal, and in the middle of executing a payment (after the
card was charged, before the outcome was recorded), then restart it on the same database (SQLite and
PostgreSQL). A pending action can still be decided after the restart; a payment caught in the crash
stays in progress (not payable again, not charged again) until reconciliation records it, once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from rkit import HERE, PG_SKIP, ROOT, Server, auth, init_database, pg_schema, report, server_env
from sqlalchemy import text

from billing.adapters.gateway import SimulatedGateway
from billing.adapters.gateway_sql import SqlLedger
from bootstrap.db import create_engine_for

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
            yield request.param, start, engine, tmp_path / "charges.log", env
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


def state(engine, action: str) -> tuple[str, str, int, str | None]:
    """(action status, invoice status, payments, intent state)."""
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT status FROM pending_actions WHERE id = :a"), {"a": action}).scalar(),
            conn.execute(text("SELECT status FROM invoices WHERE id = 'INV-1001'")).scalar(),
            conn.execute(text("SELECT count(*) FROM payments WHERE invoice_id = 'INV-1001'")).scalar(),
            conn.execute(text("SELECT state FROM payment_intents WHERE action_id = :a"), {"a": action}).scalar(),
        )


def reconcile(env: dict[str, str]) -> str:
    """`portal-agent payments reconcile` as an operator (later a scheduled job) runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "payments", "reconcile", "--older-than", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def gateway_charges(env: dict[str, str]) -> list[tuple[str, str]]:
    """(idempotency key, amount) of every successful charge in the gateway's own ledger."""
    gateway = SimulatedGateway(SqlLedger(create_engine_for(f"sqlite:///{env['PORTAL_DATA_DIR']}/gateway.db")))
    try:
        return [(r.idempotency_key, str(r.amount)) for r in gateway.records() if r.succeeded]
    finally:
        gateway.ledger.engine.dispose()  # type: ignore[attr-defined]


def test_kill9_after_a_proposal_then_restart_and_confirm(deployment):
    kind, start, engine, _, env = deployment
    server = start()
    conv, action = propose_payment(server)
    server.kill9()

    server = start()
    pending = call(server, "GET", f"/v1/conversations/{conv}").json()["pending_actions"]
    assert [p["id"] for p in pending] == [action]
    done = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm")
    assert done.status_code == 200 and done.json()["status"] == "executed", done.text
    assert state(engine, action) == ("executed", "processing", 1, "succeeded")
    assert gateway_charges(env) == [(action, "1200.00")]
    report(f"crash_after_proposal_{kind}", outcome="confirmed after restart", payments=1)


def test_kill9_during_execution_pay_again_is_refused_and_reconciliation_pays_once(deployment):
    kind, start, engine, charges, env = deployment
    server = start(delay=30)
    conv, action = propose_payment(server)
    outcome: dict = {}

    def confirm() -> None:
        try:
            outcome["response"] = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm", timeout=45)
        except httpx.TransportError as exc:
            outcome["error"] = type(exc).__name__

    worker = threading.Thread(target=confirm)
    worker.start()
    deadline = time.monotonic() + 30
    while not (charges.exists() and charges.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert charges.read_text().split() == [action]  # the card was charged, the outcome not recorded
    server.kill9()
    worker.join(timeout=30)
    assert "error" in outcome, outcome  # the client saw the connection drop, not an answer

    server = start()
    after_crash = state(engine, action)
    # The intent was committed before the gateway was called: the payment is in progress, not lost.
    assert after_crash == ("in_progress", "open", 0, "pending"), after_crash
    started = time.monotonic()
    retry = call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm", timeout=120)
    waited = time.monotonic() - started
    assert retry.status_code == 409 and retry.json()["status"] == "in_progress", retry.text
    again = call(server, "POST", f"/v1/conversations/{conv}/messages", {"text": "pay INV-1001"})
    assert again.status_code == 200 and again.json()["pending_action"] is None, again.text
    assert "being confirmed" in again.json()["reply"]  # pay again: refused, the first payment is in progress

    assert "1 went through (INV-1001)" in reconcile(env)
    assert state(engine, action) == ("executed", "processing", 1, "succeeded")
    assert call(server, "POST", f"/v1/conversations/{conv}/actions/{action}/confirm").json()["status"] == "executed"
    assert gateway_charges(env) == [(action, "1200.00")]  # charged once, recorded once
    assert charges.read_text().split() == [action]  # the gateway was called once
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE kind = 'payment_receipt'")).scalar() == 1
    report(
        f"crash_during_execution_{kind}",
        after_restart=after_crash,
        retry_status=retry.status_code,
        retry_seconds=round(waited, 1),
        charge_calls=len(charges.read_text().split()),
        payments=1,
    )

"""The documented scaled run on one machine (README "One machine, several workers"): a Chroma server, an SMTP
server, PostgreSQL and Redis, then `db init --demo`, `index build` and `serve --workers 2` with the background
jobs in it. Through the HTTP API: a FAQ is answered with citations from the server's index; two payments are
each settled once and each receipt reaches the SMTP server once; and a user's limit holds across both workers.

It needs PostgreSQL (PORTAL_TEST_POSTGRES_URL), Redis (PORTAL_TEST_REDIS_URL) and the `chroma` CLI; where one
is missing it is skipped and says why. Chroma and the SMTP server are started here."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mwkit import ROOMY_CLIENT_LIMITS, ROOT, free_port, once_counted, per_process, stop, wait_healthy
from service_kit import SECRET, USERS
from sqlalchemy import text

from bootstrap.db import create_engine_for, postgres_unavailable, scratch_schema
from service.auth import issue_token

sys.path.insert(0, str(ROOT / "tests" / "integration"))  # the Chroma and SMTP kits
from chroma_kit import ChromaServer, chroma_cli  # noqa: E402
from smtp_kit import smtp_server  # noqa: E402

PG_BASE = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BURST = 10  # per user; alice's own requests below stay within it
PAYMENTS = {"alice": "INV-1001", "carol": "INV-2001"}  # each the card holder of their contract
TICK = "0.5"  # settle and relay every half second


def _skip(reason: str) -> None:
    print(f"\nSKIP scaled run: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres() -> Iterator[tuple[str, str]]:
    """Two scratch schemas: the portal's database and the simulated gateway's ledger beside it."""
    if reason := postgres_unavailable(PG_BASE):
        _skip(reason)
    with scratch_schema(PG_BASE, "scaled") as url, scratch_schema(PG_BASE, "scaledgw") as gateway_url:
        yield url, gateway_url


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    cli = chroma_cli()
    if cli is None:
        _skip("the `chroma` CLI (installed with chromadb) is not on this machine")
    assert cli is not None
    server = ChromaServer(cli, tmp_path / "chroma", tmp_path / "chroma.log")
    try:
        server.start()
    except RuntimeError as reason:
        server.stop()
        _skip(f"`chroma run` cannot start on this machine: {reason}")
    yield server
    server.stop()


def portal(env: dict[str, str], cwd: Path, *args: str) -> str:
    """`portal-agent ARGS` run to its end; what it printed."""
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(USERS[who], SECRET)}"}


def test_two_workers_on_postgres_redis_chroma_and_smtp(redis_url, redis_prefix, postgres, chroma, tmp_path):
    database_url, gateway_url = postgres
    port = free_port()
    with smtp_server() as smtp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OPENAI_", "SLACK_"))}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(
            PYTHONPATH=str(ROOT),
            PORTAL_ENV="development",
            PORTAL_SECRET_KEY=SECRET,
            PORTAL_LLM="offline",
            PORTAL_EMBEDDINGS="local",
            PORTAL_LOG_LEVEL="WARNING",
            PORTAL_DATA_DIR=str(tmp_path / "data"),
            PORTAL_DATABASE_URL=database_url,
            PORTAL_GATEWAY_URL=gateway_url,
            PORTAL_CHROMA_URL=chroma.url,
            PORTAL_REDIS_URL=redis_url,
            PORTAL_REDIS_PREFIX=redis_prefix,
            PORTAL_SMTP_URL=smtp.url,
            PORTAL_JOBS="serve",
            PORTAL_GATEWAY_SETTLEMENT_DELAY="0",
            PORTAL_SETTLE_INTERVAL=TICK,
            PORTAL_RELAY_INTERVAL=TICK,
            PORTAL_RATE_LIMIT_PER_MINUTE="1",
            PORTAL_RATE_LIMIT_BURST=str(BURST),
            **ROOMY_CLIENT_LIMITS,  # probes spend the per-address limit, not the per-user one tested
        )
        assert "Demo world created." in portal(env, tmp_path, "db", "init", "--demo")
        assert "chunks in index:" in portal(env, tmp_path, "index", "build")
        assert not (tmp_path / "data" / "chroma").exists()  # stored in the server, not the data dir

        serve = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"]
        proc = subprocess.Popen(
            [*serve, "--log-level", "warning"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        engine = create_engine_for(database_url)
        api = f"http://127.0.0.1:{port}"
        try:
            wait_healthy([(proc, port)], timeout=60)
            ready = httpx.get(f"{api}/readyz", timeout=10).text
            assert '"knowledge_index":"ok"' in ready.replace(" ", ""), ready

            # Retrieval: a FAQ answered from the Chroma server's index, with its sources.
            conv = httpx.post(f"{api}/v1/conversations", headers=auth("alice")).json()["conversation_id"]
            r = httpx.post(
                f"{api}/v1/conversations/{conv}/messages",
                json={"text": "how do I pay with pay now?"},
                headers=auth("alice"),
                timeout=60,
            )
            assert r.status_code == 200, r.text
            assert r.json()["citations"][0]["source"] == "knowledge/docs/paying-invoices.md", r.json()

            # Two payments, proposed and confirmed by their card holders.
            for who, invoice in PAYMENTS.items():
                conv = httpx.post(f"{api}/v1/conversations", headers=auth(who)).json()["conversation_id"]
                r = httpx.post(
                    f"{api}/v1/conversations/{conv}/messages",
                    json={"text": f"Please pay {invoice}"},
                    headers=auth(who),
                    timeout=60,
                )
                assert r.status_code == 200 and r.json()["pending_action"], r.text
                action = r.json()["pending_action"]["id"]
                r = httpx.post(f"{api}/v1/conversations/{conv}/actions/{action}/confirm", headers=auth(who))
                assert r.status_code == 200 and r.json()["status"] == "executed", r.text

            # The jobs in `serve` settle them and deliver the receipts; a few more ticks show nothing doubles.
            def receipts() -> list[str]:
                with engine.connect() as conn:
                    rows = conn.execute(text("SELECT message_id FROM outbox WHERE kind = 'payment_receipt'"))
                    return [str(m) for (m,) in rows]

            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                mine = receipts()
                if len(mine) == 2 and all(m in smtp.recorder.message_ids() for m in mine):
                    break
                time.sleep(0.2)
            time.sleep(4 * float(TICK))

            with engine.connect() as conn:
                settled = conn.execute(
                    text("SELECT args FROM audit_log WHERE operation = 'settle_payment' AND outcome = 'executed'")
                ).all()
                statuses = dict(
                    conn.execute(text("SELECT id, status FROM invoices WHERE id IN ('INV-1001', 'INV-2001')")).all()
                )
            assert statuses == {"INV-1001": "paid", "INV-2001": "paid"}, statuses
            assert sorted(row.args["invoice_id"] for row in settled) == sorted(PAYMENTS.values())
            delivered = Counter(smtp.recorder.message_ids())
            assert {m: delivered[m] for m in receipts()} == {m: 1 for m in receipts()}, delivered
            assert len(receipts()) == 2 and sum(delivered.values()) == 2, delivered

            # The rate limit across both workers: dave gets BURST answers in all, not BURST per worker.
            with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:  # a connection each
                codes = [client.get(f"{api}/v1/me", headers=auth("dave")).status_code for _ in range(3 * BURST)]
            assert Counter(codes) == {200: BURST, 429: 2 * BURST}, Counter(codes)
            metrics_dir = tmp_path / "data" / "prometheus"
            once_counted(
                lambda: sum(per_process(metrics_dir, "portal_http_requests_total", route="/v1/me").values()), 3 * BURST
            )
            served = per_process(metrics_dir, "portal_http_requests_total", route="/v1/me")
            assert sum(served.values()) == 3 * BURST, served
            # Which worker accepts a connection is the kernel's choice: both did in every run so far, but one may
            # take them all on a loaded host. Then this run shows only the total; test_workers.py pins the
            # limit across two workers deterministically (one port each).
            print(f"\n/v1/me served per worker pid: {served}" + ("" if len(served) == 2 else " (one worker took all)"))
        finally:
            err = stop(proc)
            engine.dispose()
    assert "shared by every worker in Redis" in err, err
    assert "Traceback" not in err, err[-3000:]

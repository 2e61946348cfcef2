"""The background jobs inside `portal-agent serve` (PORTAL_JOBS=serve, the default): one scheduler in the
process `serve` runs in (uvicorn's supervisor with --workers 2), whatever the number of workers; off, they are
left to `portal-agent worker`; in production without SMTP the relay stays off and the rest runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from billing.entities import AuditEntry, Invoice, InvoiceStatus
from billing.operations.registry import command
from billing.principal import Principal
from bootstrap.container import build_container
from bootstrap.job_tables import job_runs
from bootstrap.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(os.environ):
        if name.startswith(("PORTAL_", "OPENAI_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))


def test_serve_with_two_workers_runs_each_job_in_one_scheduler_of_its_own(clean_env, tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PORTAL_GATEWAY_SETTLEMENT_DELAY": "0",
        "PORTAL_SETTLE_INTERVAL": "0.5",
        "PORTAL_RELAY_INTERVAL": "0.5",
        "PORTAL_EXPIRE_INTERVAL": "0.5",
    }
    init = subprocess.run([sys.executable, "-m", "service.cli", "db", "init", "--demo"], env=env, capture_output=True)
    assert init.returncode == 0, init.stderr
    container = build_container(Settings(_env_file=None, portal_data_dir=tmp_path / "data"))
    alice = Principal("alice@acme.example")
    action = container.billing.propose(alice, "conv-serve", command("pay_invoice", {"invoice_id": "INV-1001"}))
    container.billing.execute(alice, action.id, "conv-serve")

    port = free_port()
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level", "warning"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline, serving = time.monotonic() + 120, False
        while time.monotonic() < deadline and proc.poll() is None and not serving:
            try:
                serving = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert serving, "serve did not start"
        time.sleep(2.0)  # a few ticks with both workers up
        with container.billing.uow_factory() as uow:
            invoice = uow.repo.get(Invoice, "INV-1001")
            settlements = uow.repo.find(AuditEntry, operation="settle_payment")
        with container.engine.connect() as conn:
            runs = {r["job"]: r["worker"] for r in conn.execute(select(job_runs)).mappings()}
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
        container.engine.dispose()
    assert invoice.status == InvoiceStatus.PAID and len(settlements) == 1
    assert list((tmp_path / "data" / "mail").glob("*.eml")), "the receipt was not delivered"
    assert set(runs) == {"settle", "expire", "reconcile", "relay", "purge"}  # purge: its first tick at start
    assert set(runs.values()) == {f"{socket.gethostname()}:{proc.pid}"}, runs  # serve's own process, no worker
    assert "Background jobs: settle every 0.5 s, expire every 0.5 s" in err and "PORTAL_SMTP_URL is unset" in err


def test_with_jobs_off_serve_starts_none_and_says_who_runs_them(clean_env, monkeypatch, capsys, clear_service_caches):
    monkeypatch.setenv("PORTAL_JOBS", "Off")  # any case, like the other word settings
    from service.cli_serve import _start_jobs

    assert _start_jobs() is None
    assert "Background jobs are off here (PORTAL_JOBS=off): run portal-agent worker." in capsys.readouterr().err


def test_in_production_without_smtp_serve_runs_every_job_but_the_relay(clean_env, monkeypatch, caplog):
    from service.jobs.background import start_in_serve

    settings = Settings(_env_file=None, portal_env="production", portal_secret_key="p" * 40)
    container = build_container(settings)
    scheduler, notes = start_in_serve(container)
    try:
        assert [job.name for job in scheduler.jobs] == ["settle", "expire", "reconcile", "purge"]
        assert any("Outbox relay NOT running: PORTAL_SMTP_URL is required" in note for note in notes)
        assert any("the outbox relay does not run in serve" in r.getMessage() for r in caplog.records)
    finally:
        scheduler.stop()
        container.engine.dispose()

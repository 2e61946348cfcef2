"""`portal-agent worker` on a temporary data directory (SQLite): --once runs each job and says what it did, the
loop settles and delivers until SIGTERM, and it refuses to start on an unknown job or where mail would go
nowhere."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from billing.entities import AuditEntry, Invoice, InvoiceStatus, MailStatus, OutboxMail, PendingAction
from billing.operations.registry import command
from billing.principal import Principal

ALICE = Principal("alice@acme.example")
BOB = Principal("bob@acme.example")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_cli_env():
    return {"PORTAL_GATEWAY_SETTLEMENT_DELAY": "0"}  # charges settle at once: settlement has work


@pytest.fixture
def cli(demo_cli):
    return demo_cli


def _svc():
    from bootstrap.container import get_container

    return get_container().billing


def _one(cls, key):
    with _svc().uow_factory() as uow:
        return uow.repo.get(cls, key)


def _pay_inv_1001() -> None:
    action = _svc().propose(ALICE, "conv-w", command("pay_invoice", {"invoice_id": "INV-1001"}))
    _svc().execute(ALICE, action.id, "conv-w")


def _stale_proposal() -> str:
    """Bob's PO change, proposed and left: its 15 minutes are over."""
    svc = _svc()
    action = svc.propose(BOB, "conv-po", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-9"}))
    with svc.uow_factory(write=True) as uow:
        stored = uow.repo.get(PendingAction, action.id)
        stored.expires_at = svc.clock.now() - dt.timedelta(minutes=1)
        uow.repo.update(stored)
        uow.commit()
    return action.id


def test_once_runs_every_job_and_says_what_each_did(cli, tmp_path):
    _pay_inv_1001()
    stale = _stale_proposal()
    result, out = cli("worker", "--once")
    assert result.exit_code == 0, out
    assert "settle every 60 s, expire every 60 s, reconcile every 60 s, relay every 10 s, purge every 86400 s" in out
    assert "SQLite is one host" in out and "PORTAL_SMTP_URL is unset (development)" in out
    assert "settle: ran: settled INV-1001" in out
    assert f"expire: ran: expired 1 pending action(s): {stale}" in out
    assert "reconcile: ran: nothing to do" in out
    assert "relay: ran: Sent 1 mail(s)" in out
    assert "purge: ran: nothing to do" in out  # every conversation is younger than PORTAL_RETENTION_DAYS

    assert _one(Invoice, "INV-1001").status == InvoiceStatus.PAID
    assert _one(PendingAction, stale).status.value == "expired"
    with _svc().uow_factory() as uow:
        [receipt] = uow.repo.find(OutboxMail, kind="payment_receipt")
        [expiry] = uow.repo.find(AuditEntry, action_id=stale)
    assert receipt.status == MailStatus.SENT and (tmp_path / "data" / "mail" / f"{receipt.id}.eml").exists()
    assert (expiry.actor_email, expiry.outcome) == ("system", "expired")

    result, out = cli("worker", "--once", "--jobs", "settle,relay")
    assert result.exit_code == 0, out
    assert "settle: ran: nothing to do" in out and "relay: ran: nothing to do" in out and "expire:" not in out


@pytest.mark.parametrize(
    ("args", "env", "why"),
    [
        (
            ["--jobs", "settle,vacuum"],
            {},
            "unknown job(s) vacuum; the jobs are settle, expire, reconcile, relay, purge",
        ),
        ([], {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "x" * 40}, "PORTAL_SMTP_URL is required"),
    ],
)
def test_it_refuses_to_start_on_an_unknown_job_or_with_nowhere_to_send_mail(cli, monkeypatch, args, env, why):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from bootstrap.container import get_container
    from bootstrap.settings import get_settings

    get_settings.cache_clear()
    get_container.cache_clear()
    result, out = cli("worker", "--once", *args)
    assert result.exit_code == 2 and why in out
    if env:  # without the relay, a production worker runs the rest
        result, out = cli("worker", "--once", "--jobs", "settle,expire,reconcile")
        assert result.exit_code == 0 and "settle: ran" in out, out


def test_the_loop_settles_and_delivers_until_sigterm(cli, tmp_path):
    _pay_inv_1001()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OPENAI_", "SLACK_"))}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "PORTAL_DATA_DIR": str(tmp_path / "data"),
            "PORTAL_GATEWAY_SETTLEMENT_DELAY": "0",
            "PORTAL_SETTLE_INTERVAL": "0.3",
            "PORTAL_RELAY_INTERVAL": "0.3",
            "PORTAL_LOG_LEVEL": "INFO",
        }
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if _one(Invoice, "INV-1001").status == InvoiceStatus.PAID and list((tmp_path / "data" / "mail").glob("*")):
                break
            time.sleep(0.1)
        assert _one(Invoice, "INV-1001").status == InvoiceStatus.PAID
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "Background jobs: settle every 0.3 s" in err
    logged = [line for line in out.splitlines() if '"logger": "service.jobs.scheduler"' in line]
    assert any("settle: settled INV-1001" in line for line in logged), out[-2000:]
    assert any("relay: Sent 1 mail(s)" in line for line in logged), out[-2000:]

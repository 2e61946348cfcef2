"""The simulated gateway's own ledger: a file of its own beside the portal's database (or a schema of
its own), shared by every process of the service, surviving restarts, one charge per key under
concurrent requests."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

from billing.adapters.gateway import SimulatedGateway
from bootstrap.container import build_container
from bootstrap.settings import Settings

USD = Decimal("1200.00")


def _settings(tmp_path: Path, **extra: str) -> Settings:
    return Settings(
        _env_file=None, portal_data_dir=tmp_path, portal_database_url=f"sqlite:///{tmp_path / 'portal.db'}", **extra
    )


def test_the_service_gateway_keeps_its_ledger_in_its_own_file(tmp_path):
    first = build_container(_settings(tmp_path))
    token = first.billing.gateway.tokenize("4242 4242 4242 4242", 12, 2030, "123").token
    made = first.billing.gateway.charge(token, USD, "USD", "act_1")
    first.engine.dispose()
    assert (tmp_path / "gateway.db").exists()

    restarted = build_container(_settings(tmp_path))  # another process, or the same one after a restart
    record = restarted.billing.gateway.lookup("act_1")
    assert record is not None and (record.charge_id, record.amount) == (made.charge_id, USD)
    assert restarted.billing.gateway.charge(token, USD, "USD", "act_1") == made  # still one charge
    elsewhere = build_container(_settings(tmp_path, portal_gateway_url=f"sqlite:///{tmp_path / 'other-gw.db'}"))
    assert elsewhere.billing.gateway.lookup("act_1") is None
    for c in (restarted, elsewhere):
        c.engine.dispose()


def test_two_requests_with_one_key_at_once_make_one_charge(backend):
    """Two threads (each its own connection) send the same key at the same moment: one charge, the
    same answer for both. On SQLite the ledger is its own file; on PostgreSQL its own schema."""
    gateway = SimulatedGateway(backend.gateway.ledger, backend.clock)
    token = gateway.tokenize("4242 4242 4242 4242", 12, 2030, "123").token
    barrier, answers = threading.Barrier(2), []

    def charge() -> None:
        barrier.wait()
        answers.append(gateway.charge(token, USD, "USD", "act_race"))

    threads = [threading.Thread(target=charge) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 2 and answers[0] == answers[1]
    assert [r.idempotency_key for r in gateway.records()] == ["act_race"]

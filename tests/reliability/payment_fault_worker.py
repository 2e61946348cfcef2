"""Test worker: confirm one card payment and die by kill -9 (sent to itself) at one step of it.

    python payment_fault_worker.py DATABASE_URL GATEWAY_URL EMAIL INVOICE_ID KILL_AT

KILL_AT:
  after_intent           the intent is committed, the gateway not called yet
  after_charge           the gateway answered (charged, declined or timed out), nothing recorded yet
  before_outcome_commit  the outcome is written in its transaction, COMMIT not sent
  during_outcome_commit  SQLite: killed as the COMMIT statement starts executing (it does not land);
                         PostgreSQL: killed once COMMIT is sent, before its answer is read (it lands)
  after_outcome_commit   the outcome is committed, the reply not given
  none                   no kill: the payment runs to its end

The service is built from the same parts as the real one (SQL store, SystemClock, the simulated
gateway over its own SQL ledger); the hooks wrap the gateway object and SqlUnitOfWork.commit in this
process only, so the product code has no fault-injection switch. Prints the action id first, so the
test knows it even when the process dies.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

from billing.operations.registry import command

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

POINTS = ("after_intent", "after_charge", "before_outcome_commit", "during_outcome_commit", "after_outcome_commit")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(kill_at: str, gateway) -> None:  # type: ignore[no-untyped-def]
    from billing.adapters.sql_uow import SqlUnitOfWork

    answered = threading.Event()  # the next commit after the gateway call is the outcome's
    real_charge, real_commit = gateway.charge, SqlUnitOfWork.commit

    def charge(*args, **kwargs):  # type: ignore[no-untyped-def]
        if kill_at == "after_intent":
            die()
        try:
            return real_charge(*args, **kwargs)
        finally:
            answered.set()
            if kill_at == "after_charge":
                die()

    def commit(self) -> None:  # type: ignore[no-untyped-def]
        if not answered.is_set():
            return real_commit(self)
        if kill_at == "before_outcome_commit":
            die()
        if kill_at == "during_outcome_commit":
            dbapi = self.conn.connection.dbapi_connection
            if self.conn.dialect.name == "sqlite":  # die as SQLite starts executing the COMMIT statement
                dbapi.set_trace_callback(lambda sql: die() if sql.strip().upper().startswith("COMMIT") else None)
                real_commit(self)
            else:  # PostgreSQL: COMMIT sent to the server, its answer never read
                dbapi.pgconn.send_query(b"COMMIT")
                dbapi.pgconn.flush()
            die()
        real_commit(self)
        if kill_at == "after_outcome_commit":
            die()

    gateway.charge = charge
    SqlUnitOfWork.commit = commit  # type: ignore[method-assign]


def main(url: str, gateway_url: str, email: str, invoice_id: str, kill_at: str) -> None:
    from billing.adapters.gateway import SimulatedGateway
    from billing.adapters.gateway_sql import SqlLedger
    from billing.adapters.sql_uow import SqlUnitOfWorkFactory
    from billing.clock import SystemClock
    from billing.principal import Principal
    from billing.service import BillingService
    from bootstrap.db import create_engine_for

    clock = SystemClock()
    gateway = SimulatedGateway(SqlLedger(create_engine_for(gateway_url)), clock)
    svc = BillingService(SqlUnitOfWorkFactory(create_engine_for(url)), clock, gateway)
    who = Principal(email, "web")
    action = svc.propose(who, f"conv-{invoice_id}", command("pay_invoice", {"invoice_id": invoice_id}))
    print(action.id, flush=True)
    if kill_at != "none":
        install(kill_at, gateway)
    done = svc.execute(who, action.id, f"conv-{invoice_id}")
    print(json.dumps({"status": done.status.value}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])

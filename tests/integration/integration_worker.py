"""A separate process executing one pending action
(`python integration_worker.py URL EMAIL ACTION CONV NOW DIR GATEWAY_URL`).

It signals readiness with a file, waits for the go file, executes, and prints a JSON outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path


def main(url: str, email: str, action_id: str, conversation: str, now: str, sync_dir: str, gateway_url: str) -> None:
    from integration_kit import SlowGateway, ledger_at

    from billing.adapters.sql_uow import SqlUnitOfWorkFactory, make_engine
    from billing.clock import FixedClock
    from billing.errors import DomainError
    from billing.principal import Principal
    from billing.service import BillingService

    engine = make_engine(url)
    clock = FixedClock(dt.datetime.fromisoformat(now))
    gateway = SlowGateway(0.3, ledger=ledger_at(gateway_url), clock=clock)  # the same gateway ledger as the test's
    svc = BillingService(SqlUnitOfWorkFactory(engine), clock, gateway)
    with engine.connect():  # warm the pool before the race starts
        pass
    sync = Path(sync_dir)
    (sync / f"ready-{action_id}-{id(svc)}").touch()
    deadline = time.monotonic() + 30
    while not (sync / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.005)
    try:
        action = svc.execute(Principal(email, "web"), action_id, conversation)
        print(json.dumps({"status": action.status.value, "result": action.result}, default=str))
    except DomainError as error:
        print(json.dumps({"error": type(error).__name__, **error.to_dict()}, default=str))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:8])

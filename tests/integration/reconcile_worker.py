"""A separate process running reconciliation once (`python reconcile_worker.py URL GATEWAY_URL NOW DIR`).

It signals readiness with a file, waits for the go file, reconciles everything open (no delay), and
prints its report as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path


def main(url: str, gateway_url: str, now: str, sync_dir: str) -> None:
    from integration_kit import SlowGateway, ledger_at

    from billing.adapters.sql_uow import SqlUnitOfWorkFactory, make_engine
    from billing.clock import FixedClock
    from billing.service import BillingService

    engine = make_engine(url)
    clock = FixedClock(dt.datetime.fromisoformat(now))
    svc = BillingService(
        SqlUnitOfWorkFactory(engine), clock, SlowGateway(0.2, ledger=ledger_at(gateway_url), clock=clock)
    )
    with engine.connect():  # warm the pool before the race starts
        pass
    sync = Path(sync_dir)
    (sync / f"ready-{id(svc)}").touch()
    deadline = time.monotonic() + 30
    while not (sync / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.005)
    try:
        print(json.dumps(dataclasses.asdict(svc.reconcile(older_than=dt.timedelta(0)))))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:5])

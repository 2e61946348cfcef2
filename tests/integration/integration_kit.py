"""Helpers shared by the integration tests and their worker processes."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from billing.adapters.gateway import SimulatedGateway
from billing.adapters.gateway_sql import SqlLedger
from billing.adapters.sql_uow import make_engine
from billing.ports import Charge, ChargeRecord


class SlowGateway(SimulatedGateway):
    """The simulated gateway, slowed down so concurrent executions really overlap."""

    def __init__(self, delay: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delay = delay

    def charge(self, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge:
        time.sleep(self.delay)
        return super().charge(token, amount, currency, idempotency_key)

    def lookup(self, idempotency_key: str) -> ChargeRecord | None:
        time.sleep(self.delay)
        return super().lookup(idempotency_key)


def ledger_at(url: str) -> SqlLedger:
    """The gateway's own ledger at `url` (its own SQLite file, or its own PostgreSQL schema)."""
    return SqlLedger(make_engine(url))

"""Helpers shared by the integration tests and their worker processes."""
from __future__ import annotations

import time
from decimal import Decimal

from billing.adapters.gateway import SimulatedGateway
from billing.ports import Charge


class SlowGateway(SimulatedGateway):
    """The simulated gateway, slowed down so concurrent executions really overlap."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay

    def charge(self, token: str, amount: Decimal, currency: str, idempotency_key: str) -> Charge:
        time.sleep(self.delay)
        return super().charge(token, amount, currency, idempotency_key)

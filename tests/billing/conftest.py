"""Billing unit tests: the real domain over the in-memory unit of work, a fixed clock and the simulated gateway."""

from __future__ import annotations

import pytest

from billing.adapters.gateway import SimulatedGateway
from billing.adapters.memory import MemoryStore
from billing.clock import FixedClock
from billing.demo import seed_demo
from billing.service import BillingService


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def store(clock: FixedClock) -> MemoryStore:
    store = MemoryStore()
    assert seed_demo(store, clock.today(), clock.now())
    return store


@pytest.fixture
def gateway(clock: FixedClock) -> SimulatedGateway:
    """In memory, on the test's clock (charges settle 24 hours after they were made)."""
    return SimulatedGateway(clock=clock)


@pytest.fixture
def svc(store: MemoryStore, clock: FixedClock, gateway: SimulatedGateway) -> BillingService:
    return BillingService(store, clock, gateway)

"""Agent fixtures: a real SQLite database with the demo world, a fixed clock, scripted models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.runner import Runner
from agent.scripted import ScriptedChatModel
from agent.store import ConversationStore
from billing.adapters.gateway import SimulatedGateway
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import FixedClock
from billing.demo import seed_demo
from billing.principal import Principal
from billing.service import BillingService
from bootstrap.db import create_engine_for, upgrade
from tools.links import LinkSigner

ALICE, BOB, ERIN = (
    Principal("alice@acme.example", "eval"),
    Principal("bob@acme.example", "eval"),
    Principal("erin@acme.example", "eval"),
)
CAROL, DAVE = Principal("carol@globex.example", "eval"), Principal("dave@initech.example", "eval")


@dataclass
class World:
    url: str
    engine: Any
    clock: FixedClock
    billing: BillingService
    store: ConversationStore
    links: LinkSigner

    def runner(self, model: Any, fallback: Any = None, **kw: Any) -> Runner:
        return Runner(self.billing, self.store, self.links, model, fallback, **kw)

    def scripted(self, *steps: Any, **kw: Any) -> tuple[Runner, ScriptedChatModel]:
        model = ScriptedChatModel(steps=list(steps))
        return self.runner(model, **kw), model


def make_world(path: Path) -> World:
    url = f"sqlite:///{path}"
    engine = create_engine_for(url)
    upgrade(engine)
    clock = FixedClock()
    billing = BillingService(SqlUnitOfWorkFactory(engine), clock, SimulatedGateway())
    seed_demo(billing.uow_factory, clock.today(), clock.now())
    return World(url, engine, clock, billing, ConversationStore(engine), LinkSigner("s" * 40))


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = make_world(tmp_path / "portal.db")
    yield w
    w.engine.dispose()

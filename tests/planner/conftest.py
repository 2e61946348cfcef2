"""Planner test plumbing: one bound planner per session and helpers to build conversations."""

from __future__ import annotations

from typing import Any

import pytest
from planner_helpers import conversation, first_call  # noqa: F401  (re-exported)


@pytest.fixture(scope="session")
def planner() -> Any:
    from agent.planner import OfflinePlanner
    from tools.registry import ALL_TOOLS

    return OfflinePlanner().bind_tools(ALL_TOOLS)


# -- end to end: the real runner on a seeded SQLite database ----------------------------------------


@pytest.fixture
def world(tmp_path: Any) -> Any:
    """The demo world on a fresh migrated SQLite file, and a Runner whose model is the offline planner."""
    import datetime as dt
    from dataclasses import dataclass

    from agent.planner import OfflinePlanner
    from agent.runner import Runner
    from agent.store import ConversationStore
    from billing.adapters.gateway import SimulatedGateway
    from billing.adapters.sql_uow import SqlUnitOfWorkFactory
    from billing.clock import FixedClock
    from billing.demo import seed_demo
    from billing.service import BillingService
    from bootstrap.db import create_engine_for, upgrade
    from tools.links import LinkSigner

    engine = create_engine_for(f"sqlite:///{tmp_path / 'portal.db'}")
    upgrade(engine)
    clock = FixedClock(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
    billing = BillingService(SqlUnitOfWorkFactory(engine), clock, SimulatedGateway())
    assert seed_demo(billing.uow_factory, clock.today(), clock.now())

    @dataclass
    class World:
        billing: BillingService
        runner: Runner

        def with_knowledge(self, knowledge: Any) -> World:
            self.runner = Runner(
                billing, ConversationStore(engine), LinkSigner("test-secret"), OfflinePlanner(), knowledge=knowledge
            )
            return self

    runner = Runner(billing, ConversationStore(engine), LinkSigner("test-secret"), OfflinePlanner())
    yield World(billing, runner)
    engine.dispose()


@pytest.fixture(scope="session")
def knowledge_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real knowledge base indexed once into a temporary embedded Chroma store."""
    from knowledge.ingest import sync_index
    from knowledge.retriever import Retriever
    from knowledge.store import open_client, open_collection

    collection = open_collection(open_client(str(tmp_path_factory.mktemp("planner-kb"))))
    sync_index(collection)
    return Retriever(collection=collection)

"""Helpers of the security tests: worlds over the real app, clients from any address, state snapshots."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, MetaData, select

from billing.entities import PortalUser
from service.app import create_app
from tests.service.service_kit import USERS, World, make_world

OUTSIDER = "203.0.113.7"  # TEST-NET-3: an address that is not this machine (never contacted: ASGI in process)
STATE_TABLES = (
    "accounts",
    "contracts",
    "contract_contacts",
    "portal_users",
    "invoices",
    "payments",
    "outbox",
    "pending_actions",
    "audit_log",
)


@asynccontextmanager
async def client_for(app: Any, host: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A client of the in-process app whose requests come from `host` (the ASGI scope's client)."""
    transport = httpx.ASGITransport(app=app, client=(host, 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@asynccontextmanager
async def served(
    tmp_path: Path, host: str = "127.0.0.1", **settings: Any
) -> AsyncIterator[tuple[World, httpx.AsyncClient]]:
    world = make_world(tmp_path, **settings)
    try:
        async with client_for(create_app(world.container), host) as client:
            yield world, client
    finally:
        world.container.engine.dispose()


def add_user(world: World, email: str, account: str = "ACME", name: str = "Zed Zimmer") -> None:
    """A real portal user who is not one of the demo world's."""
    with world.container.billing.uow_factory(write=True) as uow:
        uow.repo.add(PortalUser(email, name, account, False, world.clock.now()))
        uow.commit()


def snapshot(engine: Engine, tables: tuple[str, ...] = STATE_TABLES) -> dict[str, list[tuple]]:
    meta = MetaData()
    meta.reflect(engine, only=[t for t in tables if t in _tables(engine)])
    with engine.connect() as conn:
        return {
            name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(table)))
            for name, table in meta.tables.items()
        }


def _tables(engine: Engine) -> set[str]:
    meta = MetaData()
    meta.reflect(engine)
    return set(meta.tables)


__all__ = ["USERS", "OUTSIDER", "client_for", "served", "add_user", "snapshot"]

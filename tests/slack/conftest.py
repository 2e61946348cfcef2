"""Slack fixtures: a migrated SQLite demo world, a scripted model, the Web API stub and a FastAPI app
with only `mount_slack` on it, driven through httpx's ASGI transport (same event loop as the stub)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from agent.runner import Runner
from agent.scripted import ScriptedChatModel
from agent.store import ConversationStore
from billing.demo import seed_demo
from service.container import Container, build_container
from service.slack import mount_slack
from service.slack.identity import SlackLinks
from slack_kit import ALICE, BOB, FakeKnowledge, SlackStub, make_settings


@dataclass
class World:
    container: Container
    model: ScriptedChatModel
    stub: SlackStub
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def bot(self) -> Any:
        return self.app.state.slack_bot

    def script(self, *steps: Any) -> None:
        self.model.steps.extend(steps)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.container.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()


@pytest.fixture
async def stub() -> AsyncIterator[SlackStub]:
    server = SlackStub()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def world(tmp_path: Path, stub: SlackStub, settings_overrides: dict[str, Any]) -> AsyncIterator[World]:
    container = build_container(make_settings(tmp_path, **settings_overrides))
    clock = container.billing.clock
    seed_demo(container.billing.uow_factory, clock.today(), clock.now())
    model = ScriptedChatModel()
    # The runner is built by hand (not build_runner) so no real model back end is ever constructed.
    container._runner = Runner(container.billing, ConversationStore(container.engine), container.links,
                               model=model, fallback=None, knowledge=FakeKnowledge())
    links = SlackLinks(container.engine)
    links.link(ALICE, "alice@acme.example", "cli")
    links.link(BOB, "bob@acme.example", "cli")
    app = FastAPI()
    mount_slack(app, container, client=AsyncWebClient(token="xoxb-test-token", base_url=stub.base_url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        w = World(container, model, stub, app, client)
        yield w
        await w.bot.idle()
    container.engine.dispose()

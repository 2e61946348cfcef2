"""Slack fixtures: the Web API stub and a Slack world (slack_kit.slack_world)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_kit import SlackStub, SlackWorld, slack_world


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
async def world(tmp_path: Path, stub: SlackStub, settings_overrides: dict[str, Any]) -> AsyncIterator[SlackWorld]:
    async with slack_world(tmp_path, stub, **settings_overrides) as w:
        yield w

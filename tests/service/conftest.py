"""API test fixtures: the app over a fresh SQLite demo world with a scripted model, driven through
httpx's ASGI transport (same event loop, no server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_kit import World, make_world

from service.app import create_app


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def world(tmp_path: Path, settings_overrides: dict[str, Any]) -> World:
    w = make_world(tmp_path, **settings_overrides)
    yield w
    w.container.engine.dispose()


@pytest.fixture
def app(world: World) -> Any:
    return create_app(world.container)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c

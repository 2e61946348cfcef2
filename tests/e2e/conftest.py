"""End-to-end fixtures reuse the API test kit (tests/service/service_kit.py): a real uvicorn server (in a thread,
on a free port) over a SQLite demo world with a scripted model."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))


@pytest.fixture
def server_settings() -> dict[str, object]:
    """Settings the served world starts with; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def server(tmp_path: Path, server_settings: dict[str, object]) -> Iterator[tuple[str, object]]:
    import uvicorn
    from browser_kit import free_port
    from service_kit import make_world

    from service.app import create_app

    world = make_world(tmp_path, **server_settings)
    port = free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(world.container), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    srv.should_exit = True
    thread.join(timeout=10)
    world.container.engine.dispose()

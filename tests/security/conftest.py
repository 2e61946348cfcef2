"""Security regression tests (issue 19): one per finding of the probe, and the probe's attack
categories through HTTP, Slack and the CLI. Each test states the finding it guards (SECURITY.md)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # skit
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.service.service_kit, tests.slack.slack_kit
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "slack"))  # slack_kit, as tests/slack imports it

from collections.abc import AsyncIterator  # noqa: E402

import pytest  # noqa: E402
from slack_kit import SlackStub, SlackWorld, slack_world  # noqa: E402


@pytest.fixture
async def stub() -> AsyncIterator[SlackStub]:
    server = SlackStub()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def slack(tmp_path: Path, stub: SlackStub) -> AsyncIterator[SlackWorld]:
    """The Slack world of tests/slack: Alice (UALICE) and Bob (UBOB) linked, Erin (UERIN) not."""
    async with slack_world(tmp_path, stub) as world:
        yield world

"""Through the real application factory (service.app.create_app): middleware, error handlers and all."""

from __future__ import annotations

import httpx
import pytest
from slack_kit import ALICE, CHANNEL, FakeKnowledge, deliver, event_body, make_settings, mention

from agent.runner import Runner
from agent.scripted import ScriptedChatModel, say
from agent.store import ConversationStore
from billing.demo import seed_demo
from bootstrap.container import build_container
from service.slack.identity import SlackLinks


async def test_create_app_serves_slack_events_end_to_end(tmp_path, stub):
    app_module = pytest.importorskip("service.app")
    container = build_container(make_settings(tmp_path, slack_api_url=stub.base_url))  # the Web API is the stub
    seed_demo(container.billing.uow_factory, container.billing.clock.today(), container.billing.clock.now())
    container._runner = Runner(
        container.billing,
        ConversationStore(container.engine),
        container.links,
        model=ScriptedChatModel(steps=[say("Hello from the app.")]),
        knowledge=FakeKnowledge(),
    )
    SlackLinks(container.engine).link(ALICE, "alice@acme.example", "cli")
    app = app_module.create_app(container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal.test") as client:
        bad = await client.post("/slack/events", content="{}", headers={"Content-Type": "application/json"})
        assert bad.status_code == 401
        ok = await deliver(client, event_body(mention("hello", "1700000003.000100"), "EvApp"))
        assert ok.status_code == 200
        await app.state.slack_bot.idle()
    [post] = stub.posts
    assert post.args["channel"] == CHANNEL and post.args["thread_ts"] == "1700000003.000100"
    assert post.args["text"] == "Hello from the app."
    container.engine.dispose()

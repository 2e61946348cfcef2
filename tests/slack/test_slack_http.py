"""The endpoint itself: URL verification, signatures, mounting."""

from __future__ import annotations

import json
import time

from fastapi import FastAPI
from slack_kit import SECRET, deliver, event_body, make_settings, mention, signed_headers

from bootstrap.container import build_container
from service.slack import mount_slack


async def test_url_verification_echoes_the_challenge(world):
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = await deliver(world.client, body)
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def _post(world, body, headers):
    return await world.client.post("/slack/events", content=body, headers=headers)


async def test_bad_stale_or_missing_signatures_are_refused_and_do_nothing(world):
    body = event_body(mention("show my invoices", "1700000000.000100"), "Ev0SIG")
    wrong_secret = signed_headers(body, secret="not-the-secret")
    stale = signed_headers(body, timestamp=int(time.time()) - 6 * 60)  # correctly signed, 6 minutes old
    tampered = signed_headers(body)
    missing = {"Content-Type": "application/json"}
    for headers, sent in (
        (wrong_secret, body),
        (stale, body),
        (tampered, body.replace("invoices", "contracts")),
        (missing, body),
    ):
        response = await _post(world, sent, headers)
        assert response.status_code == 401, (headers, response.text)
    await world.bot.idle()
    assert world.stub.posts == [] and world.model.requests == []
    assert world.scalar("SELECT count(*) FROM slack_events") == 0


async def test_signed_body_must_be_sent_byte_for_byte(world):
    """Re-serialising the JSON (other spacing) breaks the signature: the handler verifies raw bytes."""
    body = event_body(mention("hi", "1700000000.000200"), "Ev0RAW")
    headers = signed_headers(body)
    response = await _post(world, json.dumps(json.loads(body), indent=1), headers)
    assert response.status_code == 401


async def test_mount_slack_is_a_no_op_without_both_settings(tmp_path):
    for overrides in ({"slack_signing_secret": None}, {"slack_bot_token": None}):
        container = build_container(make_settings(tmp_path, **overrides))
        app = FastAPI()
        mount_slack(app, container)
        assert all(getattr(r, "path", "") != "/slack/events" for r in app.routes)
        container.engine.dispose()
    container = build_container(make_settings(tmp_path))
    app = FastAPI()
    mount_slack(app, container)
    assert any(getattr(r, "path", "") == "/slack/events" for r in app.routes)
    container.engine.dispose()
    assert SECRET  # the fixture secret is what the world signs with


async def test_socket_mode_needs_the_app_token_and_no_signing_secret(tmp_path):
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from service.slack.mount import build_slack_app, run_socket_mode

    container = build_container(make_settings(tmp_path, slack_signing_secret=None))
    try:
        await run_socket_mode(container)
    except ValueError as error:
        assert "SLACK_APP_TOKEN" in str(error)
    else:
        raise AssertionError("Socket Mode started without an app-level token")
    bolt, bot = build_slack_app(container, socket_mode=True)
    handler = AsyncSocketModeHandler(bolt, "xapp-1-test")  # built, not connected: no network in tests
    assert handler.app is bolt and bot.client is bolt.client
    await handler.client.close()
    container.engine.dispose()

"""Finding 11: Slack turned any `[text](https://any.host)` of model output into a clickable link, a
non-numeric X-Slack-Request-Timestamp gave 500, PORTAL_PUBLIC_URL defaulted to localhost, the card
form accepted an expired card, and an unlinked user was pointed at a code nothing issued (see f07)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from skit import served
from slack_kit import SECRET, deliver, event_body, mention, message, signed_headers

from agent.scripted import say
from bootstrap.settings import Settings

PHISH = (
    "Your card expired. [Update it here](https://evil.example/login) or at https://evil.example/pay, "
    "or [the portal](https://portal.example/help/credit-card) or www.evil.example/x"
)


@pytest.mark.parametrize("where", ["channel", "dm"])
async def test_model_output_cannot_post_a_clickable_foreign_link(slack, where):
    slack.script(say(PHISH))
    event = (
        mention("hello", "1700000600.000100")
        if where == "channel"
        else message("hello", "1700000600.000100", channel="D0ALICE", channel_type="im")
    )
    await deliver(slack.client, event_body(event, "EvPhish" + where))
    await slack.bot.idle()
    blocks = json.dumps(slack.stub.posts[-1].args["blocks"])
    assert "<https://evil.example" not in blocks and "|Update it here>" not in blocks
    assert "`https://evil.example/login`" in blocks and "`https://evil.example/pay,`" in blocks
    assert "`www.evil.example/x`" in blocks
    assert "<https://portal.example/help/credit-card|the portal>" in blocks  # our own links stay clickable


@pytest.mark.parametrize("timestamp", ["abc", "1.5", "-1", "9" * 40, "１７００", "\u00b2\u00b3", "0x10"])
async def test_a_malformed_slack_timestamp_is_400_not_500(slack, timestamp):
    body = event_body(mention("hi", "1700000601.000100"), "EvTs")
    raw = (
        timestamp if timestamp.isascii() else timestamp.encode("latin-1" if max(map(ord, timestamp)) < 256 else "utf-8")
    )  # "²³" as the raw bytes B2 B3
    headers = {**signed_headers(body), "X-Slack-Request-Timestamp": raw}
    r = await slack.client.post("/slack/events", content=body, headers=headers)
    assert r.status_code == 400 and "Unix time" in r.json()["message"]
    await slack.bot.idle()
    assert slack.stub.posts == []


def test_production_slack_needs_a_public_url():
    strong = "a-random-production-secret-" + "z" * 20
    slack = {"slack_signing_secret": SECRET, "slack_bot_token": "xoxb-x", "portal_secret_key": strong}
    with pytest.raises(ValidationError, match="PORTAL_PUBLIC_URL"):
        Settings(_env_file=None, portal_env="production", **slack)
    with pytest.raises(ValidationError, match="PORTAL_PUBLIC_URL"):
        Settings(_env_file=None, portal_public_url="portal.example", **slack)  # not absolute
    done = Settings(_env_file=None, portal_env="production", portal_public_url="https://portal.example/", **slack)
    assert done.public_url == "https://portal.example"
    assert Settings(_env_file=None).public_url == "http://localhost:8000"  # development only


@pytest.mark.parametrize("expiry", ["01/20", "12/2024", "1/25"])
async def test_the_card_form_refuses_an_expired_card(tmp_path, expiry):
    async with served(tmp_path, portal_env="production") as (world, client):
        form = world.container.links.path("card_form", "C-1001", "alice@acme.example")
        r = await client.post(form, data={"number": "4111 1111 1111 1111", "expiry": expiry, "cvc": "123"})
        assert r.status_code == 422 and "expired" in r.json()["message"]
        from billing.principal import Principal

        conv_ids = [c for c in _conversations(world)]
        assert all(world.container.billing.pending_actions(Principal("alice@acme.example"), c) == [] for c in conv_ids)


def _conversations(world) -> list[str]:
    from sqlalchemy import text

    with world.container.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM conversations"))]


async def test_the_unlinked_message_names_a_way_to_get_a_code(slack):
    await deliver(slack.client, event_body(mention("show my invoices", "1700000602.000100", user="UERIN"), "EvU"))
    await slack.bot.idle()
    text = slack.stub.posts[-1].args["text"]
    assert "/v1/slack/link-code" in text and "chat assistant" not in text

"""👍 / 👎 under the bot's replies: only the requester rates, privately thanked; rating again replaces the
rating; the confirmation card has none, and a channel sees no conversation id in them."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

from slack_kit import ALICE, BOB, CHANNEL, DM, click, click_body, deliver, event_body, mention, message
from sqlalchemy import text

from agent.scripted import call, say
from service.slack.render import (
    CONFIRM_ID,
    FEEDBACK_DOWN_ID,
    FEEDBACK_UP_ID,
    FeedbackButton,
    feedback_value,
    parse_feedback_value,
)

ROOT = "1700000009.000100"


async def _answered(world, ts=ROOT, user=ALICE):
    world.script(call("search_knowledge", query="pay"), say("Open the invoice and choose Pay Now [1]."))
    await deliver(world.client, event_body(mention("how do I pay an invoice?", ts, user=user), f"Ev{user}{ts}"))
    await world.bot.idle()
    return world.stub.posts[-1]


def _feedback(post) -> dict:
    return next(b for b in post.args["blocks"] if b.get("block_id") == "feedback")


async def _press(world, post, button, user):
    response = await click(world.client, click_body(post, button, user=user, response_url=world.stub.response_url))
    assert response.status_code == 200
    await world.bot.idle()
    return world.stub.of("chat.postEphemeral")[-1]


def _ratings(world) -> list[tuple]:
    with world.container.engine.connect() as conn:
        sql = "SELECT conversation_id, message_seq, user_email, rating FROM feedback"
        return [tuple(r) for r in conn.execute(text(sql))]


def test_feedback_values_round_trip():
    button = FeedbackButton("slack:T1:C1:1700.1", 4, "UALICE", "1700.1")
    assert len(feedback_value(button)) < 2000 and parse_feedback_value(feedback_value(button)) == button


async def test_a_channel_reply_carries_the_buttons_but_no_conversation_id(world):
    post = await _answered(world)
    block = _feedback(post)
    assert [e["text"]["text"] for e in block["elements"]] == ["👍 Helpful", "👎 Not helpful"]
    assert [e["action_id"] for e in block["elements"]] == [FEEDBACK_UP_ID, FEEDBACK_DOWN_ID]
    button = parse_feedback_value(block["elements"][0]["value"])
    assert (button.requester, button.thread_ts, button.ref) == (ALICE, ROOT, f"slack:T0ACME:{CHANNEL}:{ROOT}")
    assert button.message_id == world.scalar("SELECT message_seq FROM turns")
    conversation = world.scalar("SELECT id FROM conversations")
    assert conversation not in world.stub.seen_by_channel()


async def test_the_requester_rates_is_thanked_privately_and_rating_again_replaces_it(world):
    post = await _answered(world)
    thanks = await _press(world, post, FEEDBACK_DOWN_ID, ALICE)
    assert (thanks.args["user"], thanks.args["channel"], thanks.args["thread_ts"]) == (ALICE, CHANNEL, ROOT)
    assert thanks.args["text"] == "Thanks for the feedback."
    conversation, reply = world.scalar("SELECT id FROM conversations"), world.scalar("SELECT message_seq FROM turns")
    assert _ratings(world) == [(conversation, reply, "alice@acme.example", -1)]

    await _press(world, post, FEEDBACK_UP_ID, ALICE)
    assert _ratings(world) == [(conversation, reply, "alice@acme.example", 1)]
    assert len(world.stub.posts) == 1  # nothing was said in the channel


async def test_another_user_cannot_rate_someone_elses_reply(world):
    post = await _answered(world)
    refusal = await _press(world, post, FEEDBACK_DOWN_ID, BOB)
    assert refusal.args["user"] == BOB and refusal.args["text"] == f"Only <@{ALICE}>, who asked, can rate this reply."
    assert _ratings(world) == []


async def test_a_button_naming_someone_elses_thread_rates_nothing(world):
    """A value pointing at Bob's thread, pressed by the requester it names: the runner's owner check refuses."""
    bobs = await _answered(world, ts="1700000009.000200", user=BOB)
    body = click_body(bobs, FEEDBACK_UP_ID, user=ALICE, response_url=world.stub.response_url)
    payload = json.loads(parse_qs(body)["payload"][0])
    value = parse_feedback_value(payload["actions"][0]["value"])
    forged = FeedbackButton(value.ref, value.message_id, ALICE, value.thread_ts)
    payload["actions"][0]["value"] = feedback_value(forged)
    await click(world.client, urlencode({"payload": json.dumps(payload)}))
    await world.bot.idle()
    [answer] = world.stub.of("chat.postEphemeral")
    assert answer.args["user"] == ALICE and "rating was not saved" in answer.args["text"]
    assert _ratings(world) == []


async def test_the_confirmation_card_has_no_feedback_buttons_but_the_reply_does(world):
    world.script(call("pay_invoice", invoice_id="INV-1001"), say("I can pay INV-1001 now. Please confirm."))
    await deliver(world.client, event_body(mention("pay INV-1001", "1700000009.000300"), "EvPayFb"))
    await world.bot.idle()
    [card] = world.stub.private
    assert "portal_feedback" not in json.dumps(card.args["blocks"])
    [public] = world.stub.posts
    assert _feedback(public) and CONFIRM_ID not in json.dumps(public.args["blocks"])


async def test_a_dm_reply_is_rated_like_a_channels(world):
    world.script(say("Your open invoices are INV-1001 and INV-1003."))
    event = message("show my open invoices", "1700000009.000400", channel=DM, channel_type="im")
    await deliver(world.client, event_body(event, "EvDmFb"))
    await world.bot.idle()
    [post] = world.stub.posts
    thanks = await _press(world, post, FEEDBACK_UP_ID, ALICE)
    assert thanks.args["channel"] == DM and thanks.args["text"] == "Thanks for the feedback."
    assert [r[2:] for r in _ratings(world)] == [("alice@acme.example", 1)]

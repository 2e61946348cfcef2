"""Confirm / Cancel buttons and typed decisions: only the requester, executed once. In a channel the
confirmation card is an ephemeral message to the requester; deciding replaces it via response_url."""

from __future__ import annotations

import asyncio

from slack_kit import ALICE, BOB, CHANNEL, block_texts, click, click_body, deliver, event_body, mention, message

from agent.scripted import call, say
from service.slack.render import CANCEL_ID, CONFIRM_ID

ROOT = "1700000002.000100"


async def _payment_card(world):
    world.script(call("pay_invoice", invoice_id="INV-1001"), say("I can pay INV-1001 now. Please confirm."))
    await deliver(world.client, event_body(mention("pay INV-1001", ROOT), "EvPay"))
    await world.bot.idle()
    [public] = world.stub.posts
    assert CONFIRM_ID not in str(public.args["blocks"])  # the channel sees no confirmation buttons
    [card] = world.stub.private
    assert card.args["user"] == ALICE and card.args["channel"] == CHANNEL and card.args["thread_ts"] == ROOT
    return card


def _clicked(world, card, button, user):
    return click_body(card, button, user=user, response_url=world.stub.response_url)


def _notices(world):
    """One-line ephemeral answers (refusals, "already done"), not the card itself."""
    return [c for c in world.stub.of("chat.postEphemeral") if not c.args.get("blocks")]


def _invoice_status(world):
    return world.scalar("SELECT status FROM invoices WHERE id = 'INV-1001'")


async def test_another_users_click_is_refused_privately_and_changes_nothing(world):
    card = await _payment_card(world)
    response = await click(world.client, _clicked(world, card, CONFIRM_ID, BOB))
    assert response.status_code == 200
    await world.bot.idle()
    [refusal] = _notices(world)
    assert refusal.args["user"] == BOB and refusal.args["channel"] == CHANNEL and refusal.args["thread_ts"] == ROOT
    assert f"Only <@{ALICE}>" in refusal.args["text"]
    assert world.stub.of("response_url") == [] and len(world.stub.posts) == 1
    assert world.scalar("SELECT count(*) FROM payments") == 0
    assert world.scalar("SELECT status FROM pending_actions") == "pending"


async def test_the_requesters_click_executes_once_and_a_replay_executes_nothing(world):
    card = await _payment_card(world)
    body = _clicked(world, card, CONFIRM_ID, ALICE)
    assert (await click(world.client, body)).status_code == 200
    await world.bot.idle()
    [update] = world.stub.of("response_url")  # an ephemeral card is replaced through its response_url
    assert update.args["replace_original"] is True
    assert all(b["type"] != "actions" for b in update.args["blocks"])  # the buttons are gone
    assert f"Confirmed by <@{ALICE}>" in block_texts(update.args["blocks"])
    outcome = world.stub.posts[-1]
    assert outcome.args["thread_ts"] == ROOT and "Confirmation number" in outcome.args["text"]
    assert world.scalar("SELECT count(*) FROM payments") == 1 and _invoice_status(world) == "processing"

    # the same click again (a replay, a double click, a second worker): "already done", nothing else
    assert (await click(world.client, body)).status_code == 200
    await world.bot.idle()
    [already] = _notices(world)
    assert already.args["user"] == ALICE and "already done" in already.args["text"]
    assert len(world.stub.posts) == 2 and len(world.stub.of("response_url")) == 1
    assert world.scalar("SELECT count(*) FROM payments") == 1
    assert world.scalar("SELECT count(*) FROM outbox") == 1


async def test_two_simultaneous_clicks_execute_once(world):
    card = await _payment_card(world)
    body = _clicked(world, card, CONFIRM_ID, ALICE)
    responses = await asyncio.gather(click(world.client, body), click(world.client, body))
    assert [r.status_code for r in responses] == [200, 200]
    await world.bot.idle()
    assert world.scalar("SELECT count(*) FROM payments") == 1
    assert len(world.stub.of("response_url")) == 1 and len(_notices(world)) == 1


async def test_cancel_changes_nothing_and_a_later_confirm_is_already_decided(world):
    card = await _payment_card(world)
    await click(world.client, _clicked(world, card, CANCEL_ID, ALICE))
    await world.bot.idle()
    assert "Cancelled" in world.stub.posts[-1].args["text"]
    assert "Cancelled by" in block_texts(world.stub.of("response_url")[0].args["blocks"])
    await click(world.client, _clicked(world, card, CONFIRM_ID, ALICE))
    await world.bot.idle()
    assert "already cancelled" in _notices(world)[0].args["text"]
    assert world.scalar("SELECT count(*) FROM payments") == 0 and _invoice_status(world) == "open"


async def test_a_typed_yes_in_the_thread_confirms_through_the_runner(world):
    card = await _payment_card(world)
    requests_before = len(world.model.requests)
    # a plain thread reply (no mention) from the requester: delivered as a channel `message` event
    await deliver(world.client, event_body(message("yes", "1700000002.000200", thread_ts=ROOT), "EvYes"))
    await world.bot.idle()
    reply = world.stub.posts[-1]
    assert reply.args["thread_ts"] == ROOT and "Confirmation number" in reply.args["text"]
    assert len(world.model.requests) == requests_before  # the service decided, not the model
    assert world.scalar("SELECT count(*) FROM payments") == 1
    # the card's button now only says "already done"
    await click(world.client, _clicked(world, card, CONFIRM_ID, ALICE))
    await world.bot.idle()
    assert "already done" in _notices(world)[0].args["text"]
    assert world.scalar("SELECT count(*) FROM payments") == 1


async def test_a_request_and_yes_in_one_message_only_proposes(world):
    world.script(call("pay_invoice", invoice_id="INV-1001"), say("Please confirm."))
    await deliver(world.client, event_body(mention("pay INV-1001, yes I confirm", "1700000002.000300"), "EvBoth"))
    await world.bot.idle()
    assert any(b["type"] == "actions" for b in world.stub.private[-1].args["blocks"])
    assert world.scalar("SELECT count(*) FROM payments") == 0

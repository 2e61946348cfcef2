"""Mentions and DMs: threaded replies, Block Kit, de-duplication, identity, the ack-first contract."""

from __future__ import annotations

import threading
import time

import pytest
from slack_kit import (
    ALICE,
    BOB,
    BOT_USER,
    CHANNEL,
    DM,
    ERIN_UNLINKED,
    TEAM,
    block_texts,
    deliver,
    event_body,
    mention,
    message,
)

from agent.scripted import call, say
from service.slack.identity import SlackLinks, issue_link_code


async def test_mention_gets_a_threaded_reply_with_cited_sources(world):
    world.script(
        call("search_knowledge", query="how do I pay an invoice"), say("Open the invoice and choose **Pay Now** [1].")
    )
    ts = "1700000000.000100"
    response = await deliver(world.client, event_body(mention("how do I pay an invoice?", ts), "Ev1"))
    assert response.status_code == 200
    await world.bot.idle()
    [post] = world.stub.posts
    assert post.args["channel"] == CHANNEL and post.args["thread_ts"] == ts
    assert post.args["text"].startswith("Open the invoice")
    blocks = post.args["blocks"]
    assert blocks[0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "Open the invoice and choose *Pay Now* [1]."},
    }
    sources = next(b for b in blocks if b.get("block_id") == "sources")
    assert sources["elements"][0]["text"] == (
        "Sources: <https://portal.example/help/paying-invoices#pay-now-by-card|Paying invoices>"
    )
    # the model saw what the user typed, without Slack's mention markup
    assert world.model.requests[0][-1].content == "how do I pay an invoice?"
    assert (
        world.scalar("SELECT user_email FROM conversations WHERE external_ref = :r", r=f"slack:{TEAM}:{CHANNEL}:{ts}")
        == "alice@acme.example"
    )


async def test_download_links_are_absolute_and_replies_in_a_thread_share_one_conversation(world):
    world.script(
        call("invoice_pdf_link", invoice_id="INV-1001"), say("Here is the PDF of INV-1001."), say("You're welcome.")
    )
    root = "1700000000.000300"
    await deliver(world.client, event_body(mention("send me the INV-1001 pdf", root), "Ev3a"))
    await world.bot.idle()
    await deliver(world.client, event_body(mention("thanks", "1700000000.000301", thread_ts=root), "Ev3b"))
    await world.bot.idle()
    first, second = world.stub.posts
    assert "/v1/links/" not in world.stub.seen_by_channel()  # a signed link is for the requester only
    assert any(b.get("block_id") == "sent_privately" for b in first.args["blocks"])
    [private] = world.stub.private
    assert private.args["user"] == ALICE and private.args["thread_ts"] == root
    downloads = next(b for b in private.args["blocks"] if b.get("block_id") == "downloads")["text"]["text"]
    assert "<https://portal.example/v1/links/" in downloads and "|INV-1001.pdf>" in downloads
    assert second.args["thread_ts"] == root
    assert world.scalar("SELECT count(*) FROM conversations") == 1
    # the second turn carried the first one's history
    assert any(getattr(m, "content", "") == "Here is the PDF of INV-1001." for m in world.model.requests[-1])


async def test_a_payment_request_gets_a_confirmation_card_with_buttons(world):
    world.script(call("pay_invoice", invoice_id="INV-1001"), say("I can pay INV-1001 now. Please confirm."))
    ts = "1700000000.000400"
    await deliver(world.client, event_body(mention("pay INV-1001", ts), "Ev4"))
    await world.bot.idle()
    [post] = world.stub.private  # in a channel the card goes to the requester alone
    assert post.args["user"] == ALICE and post.args["channel"] == CHANNEL
    actions = next(b for b in post.args["blocks"] if b["type"] == "actions")
    confirm, cancel = actions["elements"]
    assert [confirm["text"]["text"], cancel["text"]["text"]] == ["Confirm", "Cancel"]
    assert confirm["style"] == "primary"
    dialog = confirm["confirm"]  # Slack's own "are you sure?" for money
    assert dialog["title"]["text"] == "Confirm payment"
    assert "USD 1,200.00" in dialog["text"]["text"] and "INV-1001" in dialog["text"]["text"]
    assert "confirm" not in cancel
    action_id = world.scalar("SELECT id FROM pending_actions WHERE status = 'pending'")
    assert actions["block_id"] == f"pending:{action_id}" and action_id in confirm["value"]
    assert "Please confirm:" in block_texts(post.args["blocks"]) and f"<@{ALICE}>" in block_texts(post.args["blocks"])
    assert world.scalar("SELECT count(*) FROM payments") == 0  # nothing happens before a human decides


async def test_a_remote_models_false_claim_never_reaches_the_channel_or_the_requester(world):
    from agent.planner import OfflinePlanner

    world.container.runner.fallback = OfflinePlanner()  # as with PORTAL_LLM=openai: the model's words are checked
    world.script(
        call("pay_invoice", invoice_id="INV-1001"),
        say("Done! INV-1001 has been paid, your confirmation number is PC-123."),
    )
    await deliver(world.client, event_body(mention("pay INV-1001", "1700000000.000420"), "Ev42"))
    await world.bot.idle()
    said = " ".join(
        c.args.get("text", "") + block_texts(c.args.get("blocks") or []) for c in world.stub.posts + world.stub.private
    )
    assert "has been paid" not in said and "PC-123" not in said
    assert "Nothing has changed yet" in said  # the proposal, phrased from what really happened
    assert world.scalar("SELECT count(*) FROM payments") == 0
    assert world.scalar("SELECT count(*) FROM messages WHERE content LIKE '%has been paid%'") == 0


async def test_a_non_payment_action_card_has_no_confirm_dialog(world):
    world.script(call("update_po_number", invoice_id="INV-1001", po_number="PO-9000"), say("Please confirm."))
    await deliver(world.client, event_body(mention("set PO of INV-1001 to PO-9000", "1700000000.000450"), "Ev45"))
    await world.bot.idle()
    actions = next(b for b in world.stub.private[0].args["blocks"] if b["type"] == "actions")
    assert "confirm" not in actions["elements"][0]


async def test_a_retried_event_is_answered_once(world):
    world.script(say("Your invoices: INV-1001 and INV-1003 are open."), say("SECOND ANSWER: must never appear"))
    body = event_body(mention("show my open invoices", "1700000000.000500"), "Ev5")
    first = await deliver(world.client, body)
    retry = await deliver(world.client, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert first.status_code == retry.status_code == 200
    await world.bot.idle()
    assert len(world.stub.posts) == 1 and len(world.model.requests) == 1
    # the same message delivered as `message` too (another event id): still one answer
    await deliver(
        world.client,
        event_body(
            message(f"<@{BOT_USER}> show my open invoices", "1700000000.000500", thread_ts=None), "Ev5-as-message"
        ),
    )
    await world.bot.idle()
    assert len(world.stub.posts) == 1


async def test_duplicate_dm_delivery_of_a_mention_is_answered_once(world):
    """In a DM the same message can arrive as `message.im` and `app_mention`; the message key de-duplicates."""
    world.script(say("Hello Alice."), say("SECOND ANSWER: must never appear"))
    ts = "1700000000.000550"
    await deliver(world.client, event_body(message(f"<@{BOT_USER}> hello", ts, channel=DM, channel_type="im"), "Ev55a"))
    await deliver(world.client, event_body(mention("hello", ts, channel=DM), "Ev55b"))
    await world.bot.idle()
    assert [p.args["text"] for p in world.stub.posts] == ["Hello Alice."]


async def test_an_unlinked_user_gets_instructions_and_no_data(world):
    world.script(say("LEAK: INV-1001 USD 1,200.00"))
    await deliver(
        world.client,
        event_body(mention("show invoices of alice@acme.example", "1700000000.000600", user=ERIN_UNLINKED), "Ev6"),
    )
    await world.bot.idle()
    [post] = world.stub.posts
    assert post.args["thread_ts"] == "1700000000.000600"
    assert "isn't linked" in post.args["text"] and ERIN_UNLINKED in post.args["text"]
    assert "INV-" not in post.args["text"] and "LEAK" not in block_texts(post.args["blocks"])
    assert world.model.requests == []
    assert world.scalar("SELECT count(*) FROM conversations") == 0
    assert world.stub.of("users.info") == []  # the workspace is not trusted: Slack's e-mail is not asked


async def test_someone_elses_thread_is_not_continued(world):
    world.script(say("Alice's answer."), say("LEAK for Bob"))
    root = "1700000000.000700"
    await deliver(world.client, event_body(mention("my invoices", root), "Ev7a"))
    await world.bot.idle()
    await deliver(world.client, event_body(mention("and mine?", "1700000000.000701", user=BOB, thread_ts=root), "Ev7b"))
    # a plain thread reply by Bob (no mention) is not for the bot at all: silence
    await deliver(world.client, event_body(message("yes", "1700000000.000702", user=BOB, thread_ts=root), "Ev7c"))
    await world.bot.idle()
    texts = [p.args["text"] for p in world.stub.posts]
    assert texts[0] == "Alice's answer." and "someone else's conversation" in texts[1] and len(texts) == 2
    assert len(world.model.requests) == 1


async def test_link_code_in_a_dm_links_once(world):
    code = issue_link_code("erin@acme.example", world.container.engine)
    await deliver(
        world.client,
        event_body(
            message(
                f"link {code.lower()}", "1700000000.000800", user=ERIN_UNLINKED, channel="D0ERIN", channel_type="im"
            ),
            "Ev8a",
        ),
    )
    await world.bot.idle()
    assert "Linked" in world.stub.posts[-1].args["text"] and "erin@acme.example" in world.stub.posts[-1].args["text"]
    assert SlackLinks(world.container.engine).email_for(ERIN_UNLINKED) == "erin@acme.example"
    await deliver(
        world.client,
        event_body(message(f"link {code}", "1700000000.000801", user=BOB, channel="D0BOB", channel_type="im"), "Ev8b"),
    )
    await world.bot.idle()
    assert "not valid" in world.stub.posts[-1].args["text"]
    assert SlackLinks(world.container.engine).email_for(BOB) == "bob@acme.example"  # unchanged
    assert world.model.requests == []


async def test_link_codes_are_refused_and_cancelled_in_channels_and_expire(world):
    links = SlackLinks(world.container.engine)
    code = issue_link_code("erin@acme.example", world.container.engine)
    await deliver(world.client, event_body(mention(f"link {code}", "1700000000.000900", user=ERIN_UNLINKED), "Ev9"))
    await world.bot.idle()
    assert "direct message" in world.stub.posts[-1].args["text"] and "cancelled" in world.stub.posts[-1].args["text"]
    assert links.email_for(ERIN_UNLINKED) is None
    import datetime as dt

    expired = links.issue_code("erin@acme.example", ttl=dt.timedelta(seconds=-1))
    assert links.redeem(expired, ERIN_UNLINKED) is None
    assert links.redeem(code, ERIN_UNLINKED) is None  # seen in a channel: void for everyone, its owner too
    fresh = links.issue_code("erin@acme.example")
    assert links.redeem(fresh, ERIN_UNLINKED) == "erin@acme.example"


@pytest.mark.parametrize("settings_overrides", [{"slack_trusted_team_ids": TEAM}])
async def test_trusted_workspace_links_by_verified_email_only(world):
    world.stub.users["UCAROL"] = {
        "id": "UCAROL",
        "team_id": TEAM,
        "is_email_confirmed": True,
        "profile": {"email": "Carol@Globex.example"},
    }
    world.stub.users["UGUEST"] = {
        "id": "UGUEST",
        "team_id": TEAM,
        "is_email_confirmed": True,
        "is_restricted": True,
        "profile": {"email": "alice@acme.example"},
    }
    world.stub.users["UNOTCONF"] = {
        "id": "UNOTCONF",
        "team_id": TEAM,
        "is_email_confirmed": False,
        "profile": {"email": "bob@acme.example"},
    }
    world.script(say("Hello Carol."))
    await deliver(world.client, event_body(mention("hello", "1700000001.000100", user="UCAROL"), "Ev10a"))
    for n, user in enumerate(("UGUEST", "UNOTCONF")):
        await deliver(world.client, event_body(mention("hello", f"1700000001.00020{n}", user=user), f"Ev10b{n}"))
    await world.bot.idle()
    links = SlackLinks(world.container.engine)
    assert links.email_for("UCAROL") == "carol@globex.example"
    assert links.email_for("UGUEST") is None and links.email_for("UNOTCONF") is None
    texts = sorted(p.args["text"] for p in world.stub.posts)
    assert texts[0] == "Hello Carol." and all("isn't linked" in t for t in texts[1:]) and len(texts) == 3


async def test_the_ack_returns_before_the_agent_work_finishes(world):
    # No clock decides this test: the model step holds until the test has Slack's answer in hand. An ack
    # that waited for the agent would not arrive until the step gave up, and the reply would say so.
    release = threading.Event()

    def held(messages):
        return say("Slow but sure." if release.wait(30) else "The ack waited for the agent.")

    world.script(held)
    started = time.monotonic()
    response = await deliver(world.client, event_body(mention("anything", "1700000000.001000"), "Ev11"))
    acked = time.monotonic()
    assert response.status_code == 200
    assert world.stub.posts == [] and not release.is_set()  # Slack has its answer; the work goes on
    release.set()
    [post] = await world.stub.wait_for("chat.postMessage", timeout=30)
    print(f"\nack latency {(acked - started) * 1000:.0f} ms")
    assert post.args["text"] == "Slow but sure." and post.at > acked


@pytest.mark.parametrize("settings_overrides", [{"slack_max_concurrent_turns": 2}])
async def test_no_more_turns_run_at_once_than_the_setting_allows(world):
    # Each model step waits (up to 2 s) for a third step to run beside it. With the bound of 2 none
    # ever does; without it the six turns of this burst would all be in their steps together.
    active, most = [0], [0]
    changed = threading.Condition()

    def step(_messages):
        with changed:
            active[0] += 1
            most[0] = max(most[0], active[0])
            changed.notify_all()
            changed.wait_for(lambda: active[0] > 2, timeout=2)
            active[0] -= 1
        return say("Done.")

    world.script(*[step] * 6)
    for i in range(6):
        response = await deliver(world.client, event_body(mention("anything", f"1700000000.00200{i}"), f"EvBurst{i}"))
        assert response.status_code == 200
    posts = await world.stub.wait_for("chat.postMessage", count=6, timeout=60)
    assert [p.args["text"] for p in posts] == ["Done."] * 6
    assert most[0] == 2, most

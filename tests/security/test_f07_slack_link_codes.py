"""Finding 7: a link code pasted in a channel was refused but stayed valid, and wrong codes were never
locked out. Finding 11 (last part): an unlinked user had no way to get a code outside the CLI."""

from __future__ import annotations

from skit import client_for
from slack_kit import ALICE, CHANNEL, ERIN_UNLINKED, deliver, event_body, mention, message

from agent.scripted import say
from service.slack.identity import MAX_FAILURES, SlackLinks, issue_link_code

MALLORY, MALLORY_DM = "UMALLORY", "D0MALLORY"


async def _dm(world, user: str, text: str, ts: str) -> str:
    await deliver(
        world.client,
        event_body(
            message(text, ts, user=user, channel=MALLORY_DM if user == MALLORY else "D0" + user, channel_type="im"),
            "Ev" + ts,
        ),
    )
    await world.bot.idle()
    return world.stub.posts[-1].args["text"]


async def test_a_code_seen_in_a_channel_is_cancelled_for_everyone(slack):
    code = issue_link_code("erin@acme.example", slack.container.engine)
    await deliver(slack.client, event_body(mention(f"link {code}", "1700000100.000100", user=ERIN_UNLINKED), "EvC1"))
    await slack.bot.idle()
    assert "cancelled" in slack.stub.posts[-1].args["text"]
    # a channel member who read it DMs it to the bot: nothing is linked
    reply = await _dm(slack, MALLORY, f"link {code}", "1700000100.000200")
    assert "not valid" in reply
    links = SlackLinks(slack.container.engine)
    assert links.email_for(MALLORY) is None and links.email_for(ERIN_UNLINKED) is None


async def test_a_code_typed_in_a_thread_reply_is_cancelled_and_never_reaches_the_model(slack):
    slack.script(say("Hello Alice."))
    root = "1700000101.000100"
    await deliver(slack.client, event_body(mention("hello", root), "EvT1"))
    await slack.bot.idle()
    requests = len(slack.model.requests)
    code = issue_link_code("erin@acme.example", slack.container.engine)
    await deliver(
        slack.client, event_body(message(f"link {code}", "1700000101.000200", user=ALICE, thread_ts=root), "EvT2")
    )
    await slack.bot.idle()
    assert len(slack.model.requests) == requests  # the code is never sent to the model
    assert "cancelled" in slack.stub.posts[-1].args["text"]
    assert (await _dm(slack, ERIN_UNLINKED, f"link {code}", "1700000101.000300")).startswith("That link code")


async def test_wrong_codes_lock_the_slack_user_out(slack):
    for i in range(MAX_FAILURES):
        assert "not valid" in await _dm(slack, MALLORY, f"link WRONG{i}", f"1700000102.00010{i}")
    good = issue_link_code("alice@acme.example", slack.container.engine)
    reply = await _dm(slack, MALLORY, f"link {good}", "1700000102.000200")
    assert "Too many wrong link codes" in reply
    assert SlackLinks(slack.container.engine).email_for(MALLORY) is None
    # the locked-out attempt did not use the code up: its owner can still redeem it
    assert "Linked" in await _dm(slack, ERIN_UNLINKED, f"link {good}", "1700000102.000300")


async def test_an_unlinked_user_gets_a_code_from_the_portal_api(tmp_path, slack):
    from service.app import create_app
    from tests.service.service_kit import make_world

    web = make_world(tmp_path / "web")
    web.container.engine.dispose()
    web.container.engine = slack.container.engine  # the web API and the bot share one database
    async with client_for(create_app(web.container)) as client:
        assert (await client.post("/v1/slack/link-code")).status_code == 401
        r = await client.post("/v1/slack/link-code", headers=web.auth("erin"))
    assert r.status_code == 201 and "direct message" in r.json()["instructions"]
    reply = await _dm(slack, ERIN_UNLINKED, f"link {r.json()['code']}", "1700000103.000100")
    assert "erin@acme.example" in reply
    assert SlackLinks(slack.container.engine).email_for(ERIN_UNLINKED) == "erin@acme.example"
    assert CHANNEL not in reply

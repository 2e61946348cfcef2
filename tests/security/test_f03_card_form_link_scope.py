"""Finding 3: the card-form link confirmed anything. `POST /v1/links/<card-form token>/decision`
executed any pending action of the link's user given its id and conversation, and in Slack the link
and every Confirm button's ids were posted where the whole channel could read them."""

from __future__ import annotations

import json

from skit import served, snapshot
from slack_kit import ALICE, CHANNEL, deliver, event_body, mention

from agent.scripted import call, say
from billing.principal import Principal
from service.slack.render import CANCEL_ID, CONFIRM_ID

CARD = "4242 4242 4242 4242"


async def _pending_payment(world, client) -> tuple[str, str]:
    alice = world.auth("alice")
    conv = (await client.post("/v1/conversations", headers=alice)).json()["conversation_id"]
    turn = (
        await client.post(f"/v1/conversations/{conv}/messages", json={"text": "pay INV-1001"}, headers=alice)
    ).json()
    return conv, turn["pending_action"]["id"]


async def test_a_card_form_link_cannot_confirm_another_pending_action(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        conv, action = await _pending_payment(world, client)
        form = world.container.links.path("card_form", "C-1001", "alice@acme.example")
        before = snapshot(world.container.engine)
        attack = await client.post(
            f"{form}/decision", data={"action_id": action, "conversation": conv, "decision": "confirm"}
        )
        unknown = await client.post(
            f"{form}/decision", data={"action_id": "act_" + "0" * 20, "conversation": conv, "decision": "confirm"}
        )
        assert attack.status_code == 404
        assert attack.text.replace(action, "<id>") == unknown.text.replace("act_" + "0" * 20, "<id>")
        assert snapshot(world.container.engine) == before  # nothing paid, nothing decided, nothing audited
        pending = (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).json()
        assert [a["id"] for a in pending["pending_actions"]] == [action]


async def test_a_decision_link_confirms_only_the_card_update_it_was_signed_for(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        conv, payment = await _pending_payment(world, client)
        forged = world.container.links.path("card_decision", payment, "alice@acme.example")  # not a card update
        r = await client.post(f"{forged}/decision", data={"decision": "confirm"})
        assert r.status_code == 404
        assert world.container.billing.get_action(Principal("alice@acme.example"), payment).status.value == "pending"
        form = world.container.links.path("card_form", "C-1001", "alice@acme.example")
        first = (await client.post(form, data={"number": CARD, "expiry": "12/30", "cvc": "123"})).json()
        second = (
            await client.post(form, data={"number": "5555 5555 5555 4444", "expiry": "12/31", "cvc": "321"})
        ).json()
        # the first decision link, whatever id is posted with it, decides the first action only
        done = await client.post(
            first["decision_url"], data={"decision": "confirm", "action_id": second["pending_action"]["id"]}
        )
        assert done.status_code == 200 and done.json()["action_id"] == first["pending_action"]["id"]
        assert (await client.post(first["decision_url"], data={"decision": "confirm"})).status_code == 409  # once
        theirs = await client.get(f"/v1/conversations/{second['conversation_id']}", headers=world.auth("alice"))
        assert [a["id"] for a in theirs.json()["pending_actions"]] == [second["pending_action"]["id"]]


async def test_a_decision_link_is_its_users_only(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        form = world.container.links.path("card_form", "C-1001", "alice@acme.example")
        alices = (await client.post(form, data={"number": CARD, "expiry": "12/30", "cvc": "123"})).json()
        bobs = world.container.links.path("card_decision", alices["pending_action"]["id"], "bob@acme.example")
        r = await client.post(f"{bobs}/decision", data={"decision": "confirm"})
        assert r.status_code == 404
        card = (await client.get("/v1/contracts/C-1001", headers=world.auth("alice"))).json()["card"]
        assert card["last4"] == "4242"


async def test_slack_channels_never_see_links_or_confirmation_ids(slack):
    """The reproduction: Alice asks in a channel; a channel member read the ids and the card-form link."""
    slack.script(
        call("update_po_number", invoice_id="INV-1001", po_number="PO-5555"),
        say("I can set the PO of INV-1001 to PO-5555. Please confirm."),
    )
    await deliver(slack.client, event_body(mention("set the PO of INV-1001 to PO-5555", "1700000300.000100"), "EvF3a"))
    await slack.bot.idle()
    slack.script(
        call("card_update_form", contract_id="C-1001"), say("Use the secure card form: /v1/links/placeholder.token")
    )
    await deliver(slack.client, event_body(mention("update my card on C-1001", "1700000300.000200"), "EvF3b"))
    await slack.bot.idle()
    action = slack.scalar("SELECT id FROM pending_actions WHERE status = 'pending'")
    conversations = [r for r in (slack.scalar("SELECT group_concat(id) FROM conversations") or "").split(",") if r]
    public = slack.stub.seen_by_channel()
    assert action and action not in public and not any(c in public for c in conversations)
    assert "/v1/links/" not in public and CONFIRM_ID not in public and CANCEL_ID not in public
    private = slack.stub.private
    assert {p.args["user"] for p in private} == {ALICE} and {p.args["channel"] for p in private} == {CHANNEL}
    shown = json.dumps([p.args for p in private])
    assert action in shown and "/v1/links/" in shown  # the requester still gets both

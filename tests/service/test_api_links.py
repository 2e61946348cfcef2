"""Signed links: tampering and expiry, the domain re-check, and the secure card form."""

from __future__ import annotations

import logging
import re
import time

import pytest
from service_kit import USERS, pdf_text

from tools.links import LinkSigner

CARD = "4111 1111 1111 1111"
HTML = {"Accept": "text/html"}


def card_form_url(world, contract="C-1001", who="alice") -> str:
    return world.container.links.path("card_form", contract, USERS[who])


async def test_invoice_link_opens_the_pdf_without_a_bearer(client, world):
    url = world.container.links.path("invoice_pdf", "INV-1001", USERS["bob"])
    r = await client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    assert "not a live document" in pdf_text(r.content)


def _tamper(path: str) -> list[str]:
    token = path.rsplit("/", 1)[1]
    body, sig = token.split(".")
    forged_body = LinkSigner("guessed-secret").token("invoice_pdf", "INV-2001", USERS["alice"]).split(".")[0]
    flipped = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    return [f"{flipped}.{sig}", f"{forged_body}.{sig}", f"{body}.{sig[:-2]}xx", body, "garbage", f"{body}."]


async def test_tampered_links_are_404_json(client, world):
    for token in _tamper(world.container.links.path("invoice_pdf", "INV-1001", USERS["alice"])):
        r = await client.get(f"/v1/links/{token}")
        assert r.status_code == 404, token
        assert r.headers["content-type"] == "application/json" and r.json()["error"] == "invalid_link"


async def test_links_signed_with_another_secret_are_404(client, world):
    path = LinkSigner("not-the-service-secret").path("invoice_pdf", "INV-1001", USERS["alice"])
    assert (await client.get(path)).status_code == 404


async def test_expired_links_are_410_json(client, world):
    token = world.container.links.token("invoice_pdf", "INV-1001", USERS["alice"], now=time.time() - 3600)
    r = await client.get(f"/v1/links/{token}")
    assert r.status_code == 410 and r.json()["error"] == "link_expired" and "new one" in r.json()["message"]


async def test_links_recheck_access_with_the_domain(client, world):
    # A validly signed link for something the named user cannot access opens nothing.
    for kind, resource in (("invoice_pdf", "INV-2001"), ("signed_quote", "C-2001"), ("card_form", "C-2001")):
        r = await client.get(world.container.links.path(kind, resource, USERS["alice"]))
        assert r.status_code == 404, kind
    reseller = world.container.links.path("invoice_pdf", "INV-1001", USERS["dave"])
    assert (await client.get(reseller)).status_code == 403


async def test_pdf_links_do_not_accept_posts(client, world):
    url = world.container.links.path("invoice_pdf", "INV-1001", USERS["alice"])
    assert (await client.post(url, data={"number": CARD})).status_code == 405


async def test_card_form_page_is_an_accessible_form(client, world):
    r = await client.get(card_form_url(world), params={"conversation": "conv_x"}, headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    page = r.text
    for field in ("number", "expiry", "cvc"):
        assert re.search(rf'<label for="{field}">', page) and f'id="{field}" name="{field}"' in page
    assert 'autocomplete="cc-number"' in page and "Visa ending 4242" in page
    assert 'name="conversation" value="conv_x"' in page


async def test_card_form_proposes_update_card_and_confirmation_executes_it(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    conv = (await client.post("/v1/conversations", headers=world.auth("alice"))).json()["conversation_id"]
    url = card_form_url(world)
    r = await client.post(url, data={"number": CARD, "expiry": "12/30", "cvc": "123", "conversation": conv})
    assert r.status_code == 200, r.text
    proposal = r.json()
    assert proposal["conversation_id"] == conv  # the chat conversation sees the proposal
    pending = proposal["pending_action"]
    assert pending["tool"] == "update_card" and "token" not in pending["args"]
    assert pending["summary"] == "Store Visa ending 1111 as the card on file for C-1001 (replacing Visa ending 4242)"
    contract = (await client.get("/v1/contracts/C-1001", headers=world.auth("alice"))).json()
    assert contract["card"]["last4"] == "4242"  # nothing changes before the confirmation
    chat_view = (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).json()
    assert [a["id"] for a in chat_view["pending_actions"]] == [pending["id"]]

    decision_url = proposal["decision_url"]  # a link signed for this one action
    assert decision_url.startswith("/v1/links/") and decision_url.endswith("/decision") and url not in decision_url
    done = await client.post(decision_url, data={"decision": "confirm"})
    assert done.status_code == 200 and done.json()["status"] == "executed"
    contract = (await client.get("/v1/contracts/C-1001", headers=world.auth("alice"))).json()
    assert contract["card"] == {"brand": "Visa", "last4": "1111"}
    again = await client.post(decision_url, data={"decision": "confirm"})
    assert again.status_code == 409

    digits = CARD.replace(" ", "")
    assert digits not in world.db_path.read_bytes().decode("latin-1")
    assert CARD not in world.db_path.read_bytes().decode("latin-1")
    service_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # the test client's
    assert any(r.name == "portal_agent.access" for r in service_records)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in service_records)
    assert digits not in logged and CARD not in logged and url.rsplit("/", 1)[1] not in logged


async def test_card_form_in_a_browser_shows_a_confirmation_step(client, world):
    url = card_form_url(world)
    r = await client.post(url, data={"number": CARD, "expiry": "01/31", "cvc": "999"}, headers=HTML)
    assert r.status_code == 200 and "Confirm the new card" in r.text and CARD not in r.text
    assert "Store Visa ending 1111" in r.text
    decision = re.search(r'<form method="post" action="([^"/]+)/decision"', r.text).group(1)
    assert decision != url.rsplit("/", 1)[1]  # relative to /v1/links/: posts to /v1/links/<decision link>/decision
    claims = world.container.links.verify(decision)
    assert claims.kind == "card_decision" and claims.email == USERS["alice"]
    action = (
        await client.get(
            f"/v1/conversations/{_conversation_of(world, claims.resource_id)}", headers=world.auth("alice")
        )
    ).json()["pending_actions"][0]
    assert action["id"] == claims.resource_id and action["tool"] == "update_card"
    cancel = await client.post(f"/v1/links/{decision}/decision", data={"decision": "cancel"}, headers=HTML)
    assert cancel.status_code == 200 and "Card not updated" in cancel.text and "nothing was changed" in cancel.text
    card = (await client.get("/v1/contracts/C-1001", headers=world.auth("alice"))).json()["card"]
    assert card["last4"] == "4242"


@pytest.mark.parametrize(
    "fields,problem",
    [
        ({"number": "4111 1111 1111 1112", "expiry": "12/30", "cvc": "123"}, "card number"),
        ({"number": CARD, "expiry": "13/30", "cvc": "123"}, "expiry"),
        ({"number": CARD, "expiry": "soon", "cvc": "123"}, "expiry"),
        ({"number": CARD, "expiry": "12/30", "cvc": "12"}, "cvc"),
    ],
)
async def test_invalid_card_input_is_422_and_changes_nothing(client, world, fields, problem):
    url = card_form_url(world)
    r = await client.post(url, data=fields)
    assert r.status_code == 422 and problem in r.json()["message"].lower()
    assert fields["number"] not in r.text and fields["number"].replace(" ", "") not in r.text
    page = await client.post(url, data=fields, headers=HTML)
    assert page.status_code == 422 and 'role="alert"' in page.text and 'id="number"' in page.text
    assert fields["number"] not in page.text


async def test_card_form_refuses_invoice_only_contracts(client, world):
    r = await client.post(card_form_url(world, "C-1002"), data={"number": CARD, "expiry": "12/30", "cvc": "123"})
    assert r.status_code == 422 and r.json()["kind"] == "conflict" and "invoice or wire" in r.json()["message"]


async def test_card_form_uses_a_dedicated_conversation_for_someone_elses_id(client, world):
    bobs = (await client.post("/v1/conversations", headers=world.auth("bob"))).json()["conversation_id"]
    r = await client.post(
        card_form_url(world), data={"number": CARD, "expiry": "12/30", "cvc": "123", "conversation": bobs}
    )
    assert r.status_code == 200 and r.json()["conversation_id"] != bobs
    bob_view = (await client.get(f"/v1/conversations/{bobs}", headers=world.auth("bob"))).json()
    assert bob_view["pending_actions"] == []


async def test_decision_needs_a_choice(client, world):
    decision = world.container.links.path("card_decision", "act_x", USERS["alice"])
    r = await client.post(f"{decision}/decision", data={"decision": "maybe"})
    assert r.status_code == 422


def _conversation_of(world, action_id: str) -> str:
    from billing.principal import Principal

    action = world.container.billing.get_action(Principal(USERS["alice"]), action_id)
    assert action is not None and action.conversation_id.startswith("conv_")  # no conversation given: a dedicated one
    return action.conversation_id

"""The demo page's portal panel in a real browser (Debian Chromium, a real uvicorn server, the built-in offline
planner as the model, as `make run` has it).

Alice picks herself and sees her contracts and invoices beside the chat: INV-1001 open. She pays it through the
chat (the Confirm button), and its row turns "processing" without a reload; she turns auto-renewal of C-1001
off with a typed "yes", and the contract's row turns "off". On a phone the page never scrolls sideways.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_kit import ARTIFACTS, chromium, offline_planner, sign_in, watched_page

pytestmark = pytest.mark.browser


def test_the_portal_panel_follows_what_alice_changes_in_the_chat(server):
    from playwright.sync_api import expect

    base, world = server
    offline_planner(world)
    with chromium() as browser:
        page, errors = watched_page(browser, viewport={"width": 1280, "height": 900})
        changes: list[str] = []
        page.on("console", lambda msg: changes.append(msg.text) if msg.text.startswith("changed ") else None)
        page.goto(base + "/")
        panel = page.get_by_role("region", name="Your portal")
        expect(panel).to_be_hidden()  # nobody signed in yet

        sign_in(page, "Alice Adams")
        page.evaluate(
            "window.addEventListener('portal-agent:changed', e => console.log('changed ' + JSON.stringify(e.detail)))"
        )
        invoices = page.get_by_role("table", name="Invoices")
        contracts = page.get_by_role("table", name="Contracts")
        inv_1001 = invoices.locator("tr[data-id='INV-1001']")
        c_1001 = contracts.locator("tr[data-id='C-1001']")
        expect(inv_1001.locator("[data-col=status]")).to_have_text("open")
        expect(inv_1001).to_contain_text("USD 1,200.00")
        expect(invoices.locator("tbody tr")).to_have_count(4)  # INV-1001..1004: Alice's contracts only
        expect(c_1001.locator("[data-col=auto_renew]")).to_have_text("on")
        expect(page.get_by_role("columnheader", name="Balance")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "portal-view-before.png"))

        message = page.get_by_label("Your message")
        message.fill("pay INV-1001")
        message.press("Enter")
        card = page.locator(".pa-action")
        expect(card.locator(".pa-summary")).to_have_text("Pay USD 1,200.00 on INV-1001 with Visa ending 4242")
        expect(inv_1001.locator("[data-col=status]")).to_have_text("open")  # a proposal changes nothing
        card.get_by_role("button", name="Confirm").click()
        expect(inv_1001.locator("[data-col=status]")).to_have_text("processing")  # no reload
        expect(page.locator(".pa-result")).to_contain_text(re.compile(r"PC-[A-Z0-9]+"))

        message.fill("turn off auto renew for C-1001")
        message.press("Enter")
        expect(page.locator(".pa-action").last.locator(".pa-summary")).to_contain_text("C-1001")
        message.fill("yes")  # the typed confirmation: the service, not the model, recognises it
        message.press("Enter")
        expect(c_1001.locator("[data-col=auto_renew]")).to_have_text("off")
        expect(contracts.locator("tr[data-id='C-1002'] [data-col=auto_renew]")).to_have_text("on")
        page.screenshot(path=str(ARTIFACTS / "portal-view-after.png"), full_page=True)
        details = [json.loads(c.removeprefix("changed ")) for c in changes]  # the widget's hook, once per action
        assert [d["status"] for d in details] == ["executed", "executed"], details
        assert len({d["action_id"] for d in details}) == 2 and all(d["conversation_id"] for d in details)

        page.set_viewport_size({"width": 375, "height": 740})
        page.get_by_role("button", name="Close the chat").click()
        expect(inv_1001.locator("[data-col=status]")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the tables scroll in their box
        balance = inv_1001.locator("[data-col=balance]")
        balance.scroll_into_view_if_needed()
        expect(balance).to_be_in_viewport()
        expect(inv_1001.locator("[data-col=id]")).to_be_in_viewport()  # the id column stays put
        page.screenshot(path=str(ARTIFACTS / "portal-view-phone.png"), full_page=True)
        assert errors == []

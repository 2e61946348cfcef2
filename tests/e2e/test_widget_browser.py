"""The chat widget in a real browser: Debian Chromium driven by Playwright against a real uvicorn server
(in a thread, on a free port) over a SQLite demo world with a scripted model.

Alice picks herself on the demo page, asks to pay INV-1001, sees the confirmation card, clicks
Confirm, sees the confirmation number, asks a how-to question and sees a citation link; the
conversation survives a reload and the panel fits a phone screen; she rates a reply by keyboard.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
from browser_kit import ARTIFACTS, chromium, sign_in, watched_page

pytestmark = pytest.mark.browser


def test_widget_pay_confirm_and_cited_answer(server):
    from playwright.sync_api import expect

    base, world = server
    with chromium() as browser:
        page, errors = watched_page(browser, viewport={"width": 1280, "height": 900})
        page.goto(base + "/")

        message = sign_in(page, "Alice Adams")
        expect(page.locator("#picker-status")).to_have_text("Chatting as Alice Adams (alice@acme.example).")
        expect(message).to_be_focused()

        message.fill("Please pay INV-1001")
        message.press("Enter")  # Enter sends
        card = page.locator(".pa-action")
        expect(card.locator(".pa-summary")).to_have_text("Pay USD 1,200.00 on INV-1001 with Visa ending 4242")
        expect(page.locator(".pa-assistant").last).to_contain_text("Please confirm")
        page.screenshot(path=str(ARTIFACTS / "widget-confirmation-card.png"))
        card.get_by_role("button", name="Confirm").click()
        result = page.locator(".pa-result")
        expect(result).to_contain_text(re.compile(r"Confirmation number: PC-[A-Z0-9]+"))
        expect(card.get_by_role("button", name="Confirm")).to_be_disabled()
        number = re.search(r"PC-[A-Z0-9]+", result.inner_text()).group(0)

        message.fill("How do I pay an invoice by card?")
        message.press("Enter")
        citation = page.locator("a.pa-citation").first
        expect(citation).to_have_text("Paying an invoice by credit card - How to pay with Pay Now")
        expect(citation).to_have_attribute("href", f"{base}/help/paying-invoices#how-to-pay-with-pay-now")
        expect(page.locator("[aria-live='polite']").last).to_contain_text("Pay Now")
        page.screenshot(path=str(ARTIFACTS / "widget-desktop.png"), full_page=True)

        with page.context.expect_page() as opened:
            citation.click()
        article = opened.value
        expect(article.locator("h1")).to_have_text("Paying an invoice by credit card")
        article.close()

        page.reload()  # the conversation survives a reload (sessionStorage)
        expect(page.locator(".pa-log")).to_contain_text(number)
        expect(page.locator(".pa-log")).to_contain_text("How do I pay an invoice by card?")

        page.set_viewport_size({"width": 375, "height": 740})
        box = page.locator("#pa-panel").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
        assert errors == []

    import httpx

    invoice = httpx.get(f"{base}/v1/invoices/INV-1001", headers=world.auth("alice")).json()
    assert invoice["status"] == "processing"
    assert (ARTIFACTS / "widget-desktop.png").stat().st_size > 10_000


def test_a_reply_is_rated_by_keyboard(server):
    """Alice reaches the reply's thumbs from the message box with Shift+Tab; a failed save says so. She says it
    was not helpful, with a comment, then that it was: one feedback row, updated. Replies shown from history
    get the buttons too."""
    from playwright.sync_api import expect
    from sqlalchemy import text

    def rows() -> list[tuple[int, int, str]]:
        with world.container.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT message_seq, rating, comment FROM feedback"))]

    base, world = server
    with chromium() as browser:
        page, errors = watched_page(browser)
        page.goto(base + "/")
        message = sign_in(page, "Alice Adams")
        message.fill("How do I pay an invoice by card?")
        message.press("Enter")
        reply = page.locator(".pa-assistant").last
        helpful, unhelpful = (reply.get_by_role("button", name=n, exact=True) for n in ("Helpful", "Not helpful"))
        expect(unhelpful).to_have_attribute("aria-pressed", "false")

        message.press("Shift+Tab")  # the last reply's buttons come just before the message box
        expect(unhelpful).to_be_focused()
        busy = '{"error": "unavailable", "message": "The service is busy."}'
        page.route("**/feedback", lambda route: route.fulfill(status=503, content_type="application/json", body=busy))
        page.keyboard.press("Space")  # a failed save says so and shows nothing as saved
        expect(reply.get_by_role("status")).to_have_text(
            "Sorry, your feedback could not be saved. The service is busy."
        )
        expect(unhelpful).to_have_attribute("aria-pressed", "false")
        page.unroute("**/feedback")
        assert rows() == []

        page.keyboard.press("Space")
        expect(unhelpful).to_have_attribute("aria-pressed", "true")
        comment = reply.get_by_label("What was wrong or missing? (optional)")
        expect(comment).to_be_focused()
        page.keyboard.type("It did not say which cards are accepted.")
        page.screenshot(path=str(ARTIFACTS / "widget-feedback.png"))
        page.keyboard.press("Enter")
        expect(reply.get_by_role("status")).to_have_text("Thanks, your comment was sent.")
        expect(unhelpful).to_be_focused()
        [(seq, rating, said)] = rows()
        assert (rating, said) == (-1, "It did not say which cards are accepted.")

        page.keyboard.press("Shift+Tab")
        expect(helpful).to_be_focused()
        page.keyboard.press("Enter")
        expect(helpful).to_have_attribute("aria-pressed", "true")
        expect(unhelpful).to_have_attribute("aria-pressed", "false")
        expect(reply.get_by_role("status")).to_have_text("Thanks for the feedback.")
        expect(helpful).to_be_focused()  # saving keeps the keyboard where it was
        assert rows() == [(seq, 1, "")]

        page.reload()  # replies shown from history carry their buttons too, pressed as saved
        restored = page.locator(".pa-assistant").last
        expect(restored.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
        expect(restored.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
            "aria-pressed", "false"
        )
        assert errors == []


# Every text the widget ever puts into an assistant bubble, recorded as it is set (synchronously, so two SSE
# events handled in one task are both seen), not only the final one.
RECORD_SHOWN = """
window.__shown = [];
const plain = Object.getOwnPropertyDescriptor(Node.prototype, 'textContent');
Object.defineProperty(Node.prototype, 'textContent', {configurable: true, get: plain.get, set: function (value) {
  if (this.closest && this.closest('.pa-assistant')) { window.__shown.push(String(value)); }
  plain.set.call(this, value);
}});
"""


def test_a_false_claim_streamed_by_a_remote_model_is_never_displayed(server):
    """A remote model streams "I've paid INV-1001" after proposing: the widget never shows that sentence
    (the service holds it back and sends the replacement), and ends with the proposal, still unconfirmed."""
    from playwright.sync_api import expect

    from agent.planner import OfflinePlanner
    from agent.runner import Runner
    from agent.scripted import ScriptedChatModel, call, say
    from agent.store import ConversationStore
    from billing.principal import Principal

    base, world = server
    liar = ScriptedChatModel(
        steps=[
            call("pay_invoice", invoice_id="INV-1001"),
            say("Sure thing. I've paid INV-1001 for you, it is done. Anything else?"),
        ],
        stream_words=True,
    )
    c = world.container
    c._runner = Runner(c.billing, ConversationStore(c.engine), c.links, model=liar, fallback=OfflinePlanner())
    with chromium() as browser:
        page = browser.new_page()
        page.add_init_script(RECORD_SHOWN)
        page.goto(base + "/")
        message = sign_in(page, "Alice Adams")
        message.fill("pay INV-1001")
        message.press("Enter")
        expect(page.locator(".pa-action .pa-summary")).to_have_text(
            "Pay USD 1,200.00 on INV-1001 with Visa ending 4242"
        )
        expect(page.locator(".pa-assistant").last).to_contain_text("Nothing has changed yet")
        expect(page.locator(".pa-assistant").last).not_to_contain_text("I've paid")
        shown = page.evaluate("window.__shown")
        assert any("Sure thing." in s for s in shown)  # the safe sentence streamed before the check failed
        assert not [s for s in shown if "I've paid" in s], shown
    assert (
        c.billing.get_invoice(Principal("alice@acme.example"), "INV-1001").to_json()["status"] == "open"
    )  # nothing ran

"""Issue 17 end to end in a real browser (Debian Chromium, a real uvicorn server, the offline planner and the
real knowledge base): what customers do in the chat shows up for the people who run the assistant.

Bob asked two things earlier (seeded through the runner). Alice, in the widget, rates an answer helpful, asks
something the articles do not cover and rates that reply "not helpful" with a comment, asks for the collector
(a hand-off), and pays INV-1001: the portal panel's row turns "processing". Her token gets 403 on the
insights; an operator (PORTAL_OPERATOR_EMAILS, no portal user) signs in on /insights and finds the rating and
its comment, the hand-off and the knowledge gap. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from browser_kit import ARTIFACTS, chromium, offline_planner, sign_in, watched_page

pytestmark = pytest.mark.browser

OPERATOR = "ops@billing.example"
COMMENT = "We need to know about crypto payments."


@pytest.fixture
def server_settings() -> dict[str, object]:
    return {"portal_operator_emails": OPERATOR}


def _articles(tmp_path: Path):
    """The real help articles, indexed into a fresh embedded Chroma store."""
    from knowledge.ingest import sync_index
    from knowledge.retriever import Retriever
    from knowledge.store import open_client, open_collection

    collection = open_collection(open_client(str(tmp_path / "kb")))
    sync_index(collection)
    return Retriever(collection=collection)


def _seed_bob(world) -> None:
    """Earlier conversations: Bob asked about a payment in bitcoin and how to download an invoice."""
    from billing.principal import Principal

    bob = Principal("bob@acme.example", "web")
    runner = world.container.runner
    conv = runner.start_conversation(bob).id
    runner.run_turn(bob, conv, "can we settle our invoices in bitcoin?")
    runner.run_turn(bob, conv, "how do I download an invoice PDF?")


def _ask(page, text: str):
    from playwright.sync_api import expect

    before = page.locator(".pa-assistant").count()
    message = page.get_by_label("Your message")
    message.fill(text)
    message.press("Enter")
    expect(page.locator(".pa-assistant")).to_have_count(before + 1)
    reply = page.locator(".pa-assistant").last
    # the reply is complete when its feedback buttons are there (they come with the turn's message id)
    expect(reply.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    return reply


def test_an_operator_sees_what_customers_rated_handed_off_and_could_not_get_answered(server, tmp_path) -> None:
    from playwright.sync_api import expect

    from service.auth import issue_token

    base, world = server
    offline_planner(world, _articles(tmp_path))
    _seed_bob(world)
    with chromium() as browser:
        page, errors = watched_page(browser, viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        sign_in(page, "Alice Adams")

        answered = _ask(page, "how do I pay an invoice by card?")
        answered.get_by_role("button", name="Helpful", exact=True).click()
        expect(answered.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")

        gap = _ask(page, "do you accept bitcoin for our invoices?")
        gap.get_by_role("button", name="Not helpful", exact=True).click()
        gap.get_by_label("What was wrong or missing? (optional)").fill(COMMENT)
        gap.get_by_label("What was wrong or missing? (optional)").press("Enter")
        expect(gap.get_by_role("status")).to_have_text("Thanks, your comment was sent.")

        handoff = _ask(page, "I want to talk to someone in collections about a payment plan")
        expect(handoff).to_contain_text("Collector")

        row = page.get_by_role("table", name="Invoices").locator("tr[data-id='INV-1001'] [data-col=status]")
        expect(row).to_have_text("open")
        page.get_by_label("Your message").fill("pay INV-1001")
        page.get_by_label("Your message").press("Enter")
        page.locator(".pa-action").get_by_role("button", name="Confirm").click()
        expect(row).to_have_text("processing")  # the portal panel follows the confirmed payment
        # the reply to the Confirm button is an assistant reply like any other: it can be rated at once
        expect(page.locator(".pa-result").get_by_role("button", name="Helpful", exact=True)).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "operator-e2e-customer.png"), full_page=True)

        alice = issue_token("alice@acme.example", world.settings.portal_secret_key)
        for path in ("/insights", "/v1/insights?since=7d"):
            refused = page.request.get(base + path, headers={"Authorization": f"Bearer {alice}"})
            assert refused.status == 403, (path, refused.status)

        # The served world's billing clock stands still (tests move it); turns and ratings carry the wall
        # clock's time, so the operator looks at "now" as the wall clock has it.
        world.clock.current = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        ops = browser.new_page(viewport={"width": 1280, "height": 1000})
        ops.on("pageerror", lambda exc: errors.append(str(exc)))
        ops.goto(base + "/insights")
        ops.locator("#operator-token").fill(issue_token(OPERATOR, world.settings.portal_secret_key))
        ops.get_by_role("button", name="Show insights").click()
        satisfaction = ops.locator("#satisfaction")
        expect(satisfaction).to_contain_text(COMMENT)
        expect(ops.locator("#handoffs")).to_contain_text(re.compile("collector", re.I))
        expect(ops.locator("#knowledge-gaps")).to_be_visible()
        # Bob's question and Alice's, worded differently, are one gap asked twice
        bitcoin = ops.locator("#knowledge-gap-table tbody tr", has_text="bitcoin")
        expect(bitcoin).to_have_count(1)
        expect(bitcoin.locator("td").first).to_have_text("2")
        ops.screenshot(path=str(ARTIFACTS / "operator-insights.png"), full_page=True)
        assert errors == []

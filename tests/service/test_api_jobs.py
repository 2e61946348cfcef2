"""The jobs seen through the API: a proposal left past its time is expired by the expiry job, and confirming it
afterwards is the same 409 `expired` as confirming it late without the job; settlement shows the invoice paid;
the purge job forgets a conversation untouched for PORTAL_RETENTION_DAYS, and the payment made in it stays."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from test_api_chat import invoice_status, propose_payment

from agent.store_tables import conversations
from service.jobs.catalog import build_jobs


async def test_the_expiry_job_expires_a_proposal_and_a_later_confirm_is_409_expired(client, world):
    conv, body = await propose_payment(client, world)
    action = body["pending_action"]["id"]
    [expire] = build_jobs(world.container, ["expire"])
    assert expire.run() == ""  # 15 minutes to decide
    world.clock.advance(minutes=16)
    assert expire.run() == f"expired 1 pending action(s): {action}"

    shown = (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).json()
    assert shown["pending_actions"] == []
    r = await client.post(f"/v1/conversations/{conv}/actions/{action}/confirm", headers=world.auth("alice"))
    assert r.status_code == 409 and r.json()["status"] == "expired", r.text
    assert await invoice_status(client, world) == "open"


async def test_the_settlement_job_turns_a_processing_invoice_paid(client, world):
    world.container.billing.gateway.clock = world.clock  # the gateway settles on the test's time too
    conv, body = await propose_payment(client, world)
    action = body["pending_action"]["id"]
    r = await client.post(f"/v1/conversations/{conv}/actions/{action}/confirm", headers=world.auth("alice"))
    assert r.json()["status"] == "executed" and await invoice_status(client, world) == "processing"
    [settle] = build_jobs(world.container, ["settle"])
    assert settle.run() == ""  # the gateway settles a day after the charge
    world.clock.advance(hours=24)
    assert settle.run() == "settled INV-1001"
    assert await invoice_status(client, world) == "paid"


async def test_the_purge_job_forgets_a_conversation_past_the_retention_days_and_keeps_its_payment(client, world):
    conv, body = await propose_payment(client, world)
    action = body["pending_action"]["id"]
    r = await client.post(f"/v1/conversations/{conv}/actions/{action}/confirm", headers=world.auth("alice"))
    assert r.json()["status"] == "executed"
    [purge] = build_jobs(world.container, ["purge"])
    assert (purge.interval, world.settings.portal_retention_days) == (86400.0, 365)  # daily, a year by default
    assert purge.run() == ""  # a conversation of today
    with world.container.engine.begin() as conn:
        last_year = dt.datetime.now(dt.UTC) - dt.timedelta(days=366)
        conn.execute(update(conversations).where(conversations.c.id == conv).values(updated_at=last_year))

    assert purge.run().startswith("purged 1 conversation(s) last active before ")
    assert (await client.get(f"/v1/conversations/{conv}", headers=world.auth("alice"))).status_code == 404
    assert await invoice_status(client, world) == "processing"  # the payment is billing's record, not the chat's

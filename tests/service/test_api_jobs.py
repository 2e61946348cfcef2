"""The jobs seen through the API: a proposal left past its time is expired by the expiry job, and confirming it
afterwards is the same 409 `expired` as confirming it late without the job; settlement shows the invoice paid."""

from __future__ import annotations

from test_api_chat import invoice_status, propose_payment

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

"""Finding 4: card numbers slipped past the mask with `.`, `/`, `_` or `,` separators, double spaces,
" - ", non-breaking or zero-width characters, or right after a `-`, and a card number was accepted as
a PO number (then stored in the invoice, the pending action, the audit log, the outbox and the PDF)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from skit import served

from agent.masking import mask
from agent.scripted import call, say
from billing.errors import InvalidInput
from billing.operations.registry import command
from billing.principal import Principal
from service.logging import JsonFormatter
from tests.reliability.rkit import dump_all_text

DIGITS = "4111111111111111"
DISGUISES = {
    "dots": "4111.1111.1111.1111",
    "slashes": "4111/1111/1111/1111",
    "underscores": "4111_1111_1111_1111",
    "commas": "4111,1111,1111,1111",
    "double spaces": "4111  1111  1111  1111",
    "spaced dash": "4111 - 1111 - 1111 - 1111",
    "nbsp": "4111\u00a01111\u00a01111\u00a01111",
    "narrow nbsp": "4111\u202f1111\u202f1111\u202f1111",
    "zero-width space": "4111\u200b1111\u200b1111\u200b1111",
    "zero-width joiner": "41\u200d11111111111111",
    "soft hyphen": "4111\u00ad1111\u00ad1111\u00ad1111",
    "word joiner": "4111\u20601111\u20601111\u20601111",
    "full-width digits": "４１１１１１１１１１１１１１１１",
    "after a dash": "PO-4111111111111111",
    "tab and newline": "4111\t1111\n1111 1111",
    "mixed": "4111.1111-1111 1111",
    "ideographic space": "4111\u30001111\u30001111\u30001111",
    "in a sentence": "my card is 4111.1111.1111.1111, exp 12/30",
    "glued to letters": "card4111111111111111ok",
    "with cvc after": "4111.1111.1111.1111.123",
    "order number before": "order 42 4111.1111.1111.1111",
}


def _digits_in(text: str) -> bool:
    import unicodedata

    squeezed = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())
    return DIGITS in squeezed


@pytest.mark.parametrize("name", list(DISGUISES))
def test_the_mask_holds_for_every_disguise(name):
    masked = mask(DISGUISES[name])
    assert not _digits_in(masked), (name, masked)
    assert "card number ending 1111 removed" in masked


@pytest.mark.parametrize(
    "text",
    [
        "INV-1001",
        "PO-7781",
        "PO 1234-5678-9012",
        "call +1 415 555 0100",
        "4242 4242 4242 4241",
        "order 1234567890123",
        "pay 1,200.00 on 2026-05-01",
        "contracts C-1001, C-1002",
        "12/30",
    ],
)
def test_the_mask_keeps_what_is_not_a_card(text):
    assert mask(text) == text


async def test_a_disguised_card_in_chat_is_never_stored_or_sent_to_the_model(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        alice = world.auth("alice")
        conv = (await client.post("/v1/conversations", headers=alice)).json()["conversation_id"]
        for text in (
            "my card is 4111.1111.1111.1111",
            "use 4111\u200b1111\u200b1111\u200b1111",
            "set the PO number on INV-1003 to PO-4111111111111111",
        ):
            r = await client.post(f"/v1/conversations/{conv}/messages", json={"text": text}, headers=alice)
            assert r.status_code == 200 and not _digits_in(r.text)
        sent = json.dumps([[str(m.content) for m in request] for request in world.model.requests])
        assert "ending 1111 removed" in sent and not _digits_in(sent)
        assert not _digits_in(dump_all_text(world.container.engine))


# (operation, arguments with a card number in one field, that field)
FIELDS = [
    ("update_po_number", {"invoice_id": "INV-1003", "po_number": "PO-4111111111111111"}, "po_number"),
    ("update_po_number", {"invoice_id": "INV-1003", "po_number": "4111 1111 1111 1111"}, "po_number"),
    ("update_po_number", {"invoice_id": "INV-1003", "po_number": "4111/1111/1111/1111"}, "po_number"),
    ("update_po_number", {"invoice_id": "INV-1003", "po_number": "4111_1111_1111_1111"}, "po_number"),
    ("update_billing_address", {"contract_id": "C-1001", "line1": "4111 1111 1111 1111 Main St"}, "line1"),
    ("update_billing_address", {"contract_id": "C-1001", "line2": "Suite 4111.1111.1111.1111"}, "line2"),
    ("update_billing_address", {"contract_id": "C-1001", "city": "City 4111-1111-1111-1111"}, "city"),
    ("update_billing_address", {"contract_id": "C-1001", "region": "4111,1111,1111,1111"}, "region"),
    ("update_billing_contact", {"contract_id": "C-1001", "name": "Ann 4111 1111 1111 1111"}, "name"),
    ("update_billing_contact", {"contract_id": "C-1001", "email": "4111111111111111@acme.example"}, "email"),
    ("update_billing_contact", {"contract_id": "C-1001", "phone": "4111 1111 1111 1111"}, "phone"),
    (
        "add_portal_user",
        {"name": "Zed 4111.1111.1111.1111", "email": "zed@acme.example", "contract_ids": ["C-1001"]},
        "name",
    ),
    (
        "add_portal_user",
        {"name": "Zed", "email": "zed.4111111111111111@acme.example", "contract_ids": ["C-1001"]},
        "email",
    ),
    ("grant_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-4111111111111111"]}, "contract_ids"),
    ("pay_invoice", {"invoice_id": "INV-4111111111111111"}, "invoice_id"),
    ("disable_auto_renew", {"contract_id": "C-4111.1111.1111.1111"}, "contract_id"),
]


@pytest.mark.parametrize("operation,args,field", FIELDS, ids=[f"{o}.{f}" for o, _, f in FIELDS])
async def test_the_domain_refuses_a_card_number_as_any_field_value(tmp_path, operation, args, field):
    async with served(tmp_path) as (world, _):
        alice = Principal("alice@acme.example")
        conv = world.container.runner.start_conversation(alice).id
        with pytest.raises(InvalidInput) as refused:
            world.container.billing.propose(alice, conv, command(operation, args))
        assert refused.value.field == field and "card number" in refused.value.message
        assert not _digits_in(json.dumps(refused.value.to_dict()))  # the error never carries the number
        assert world.container.billing.pending_actions(alice, conv) == []


async def test_a_support_case_refuses_card_numbers(tmp_path):
    async with served(tmp_path) as (world, _):
        alice = Principal("alice@acme.example")
        conv = world.container.runner.start_conversation(alice).id
        for subject, summary in (("Card 4111.1111.1111.1111", "help"), ("Help", "my card 4111 1111\u00a01111 1111")):
            with pytest.raises(InvalidInput, match="card number"):
                world.container.billing.create_support_case(alice, conv, "customer_service", subject, summary)
        assert not _digits_in(dump_all_text(world.container.engine))


async def test_a_model_that_writes_a_card_number_into_a_tool_call_changes_nothing(tmp_path):
    """Even arguments no user typed (the model's own) are refused by the domain and masked in records."""
    async with served(tmp_path, portal_env="production") as (world, client):
        world.model.steps[:] = [
            call("update_po_number", invoice_id="INV-1003", po_number="PO-4111111111111111"),
            say("Done, I set it."),
        ]
        alice = world.auth("alice")
        conv = (await client.post("/v1/conversations", headers=alice)).json()["conversation_id"]
        turn = (
            await client.post(
                f"/v1/conversations/{conv}/messages", json={"text": "set the PO on INV-1003"}, headers=alice
            )
        ).json()
        assert turn["pending_action"] is None and not _digits_in(json.dumps(turn))
        yes = (await client.post(f"/v1/conversations/{conv}/messages", json={"text": "yes"}, headers=alice)).json()
        assert yes["pending_action"] is None
        invoice = (await client.get("/v1/invoices/INV-1003", headers=alice)).json()
        assert not _digits_in(invoice["po_number"] or "")
        assert not _digits_in(dump_all_text(world.container.engine))


def test_logs_mask_every_disguise():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("portal_agent.security_test")
    log.addHandler(handler)
    try:
        for text in DISGUISES.values():
            log.warning("user typed %s", text, extra={"field": text})
    finally:
        log.removeHandler(handler)
    assert stream.getvalue().count("ending 1111 removed") >= 2 * len(DISGUISES)
    assert not _digits_in(stream.getvalue().encode().decode("unicode_escape"))

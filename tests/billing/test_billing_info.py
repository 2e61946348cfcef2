"""PO numbers, billing address, billing contact, card on file, auto-renewal."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_kit import ALICE, BOB, CAROL, audits, edit, executed, get, mails

from billing.entities import ActionStatus, Contract, ContractStatus, Invoice, InvoiceStatus
from billing.errors import (
    AutoRenewNotEligible,
    CardNotAllowed,
    CountryChangeNotAllowed,
    InvalidInput,
    InvoiceNotEditable,
    NoChange,
)
from billing.operations.registry import command

# --- PO number ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "po",
    [
        "A",
        "x" * 40,
        "PO 2026/04-A_7",
        "  PO-1  ",
        "abc/def_ghi-123 456",
    ],
)
def test_valid_po_numbers_are_set(svc, store, po):
    action = executed(svc, ALICE, "update_po_number", {"invoice_id": "INV-1001", "po_number": po})
    assert get(store, Invoice, "INV-1001").po_number == po.strip()
    assert action.result == {"invoice_id": "INV-1001", "po_number": po.strip(), "previous_po_number": "PO-7781"}
    assert [a.outcome for a in audits(store, operation="update_po_number")] == ["executed"]


@pytest.mark.parametrize(
    "po",
    [
        "",
        "   ",
        "x" * 41,
        "PO#1",
        "PO.1",
        "PO:1",
        "PO,1",
        "PO\\1",
        "PO+1",
        "PÖ-1",
        "PO-1\n2",
        "<script>",
        "PO'1",
    ],
)
def test_invalid_po_numbers_are_refused(svc, store, po):
    with pytest.raises(InvalidInput) as err:
        svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": po}))
    assert err.value.field == "po_number"
    assert get(store, Invoice, "INV-1001").po_number == "PO-7781"


@pytest.mark.parametrize("status", [InvoiceStatus.PAID, InvoiceStatus.VOID])
def test_po_cannot_change_on_paid_or_void_invoices(svc, store, status):
    edit(store, Invoice, "INV-1001", status=status)
    with pytest.raises(InvoiceNotEditable) as err:
        svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-1"}))
    assert (err.value.invoice_id, err.value.status) == ("INV-1001", status.value)


def test_po_on_seeded_paid_invoice_is_refused(svc):
    with pytest.raises(InvoiceNotEditable):
        svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1002", "po_number": "PO-1"}))


def test_po_on_overdue_and_processing_invoices_is_allowed(svc, store):
    executed(svc, CAROL, "update_po_number", {"invoice_id": "INV-2001", "po_number": "GB-1"})
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    executed(svc, ALICE, "update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-9"}, "conv-2")
    assert get(store, Invoice, "INV-1001").po_number == "PO-9"


def test_same_po_is_no_change(svc):
    with pytest.raises(NoChange):
        svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": " PO-7781 "}))


def test_po_became_paid_between_propose_and_execute_fails(svc, store):
    action = svc.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": "INV-1001", "po_number": "PO-1"}))
    edit(store, Invoice, "INV-1001", status=InvoiceStatus.PAID)
    done = svc.execute(ALICE, action.id, "conv-1")
    assert (done.status, done.result["error"]) == (ActionStatus.FAILED, "InvoiceNotEditable")
    assert get(store, Invoice, "INV-1001").po_number == "PO-7781"


# --- billing address ---------------------------------------------------------------------------------


def test_address_change_merges_only_given_fields(svc, store):
    before = get(store, Contract, "C-1001").billing_address
    executed(
        svc, ALICE, "update_billing_address", {"contract_id": "C-1001", "line1": "1 New Road", "postal_code": "94107"}
    )
    after = get(store, Contract, "C-1001").billing_address
    assert (after.line1, after.postal_code) == ("1 New Road", "94107")
    assert (after.line2, after.city, after.region, after.country) == (before.line2, before.city, before.region, "US")
    assert get(store, Contract, "C-1002").billing_address == before  # the other contract is untouched
    [mail] = mails(store, kind="billing_info_changed")
    assert mail.to == "alice@acme.example" and mail.ref == "C-1001"
    assert [a.outcome for a in audits(store, operation="update_billing_address")] == ["executed"]


@pytest.mark.parametrize("country", ["CA", "GB", "ca"])
def test_country_change_is_refused(svc, store, country):
    with pytest.raises(CountryChangeNotAllowed) as err:
        svc.propose(
            ALICE,
            "conv-1",
            command("update_billing_address", {"contract_id": "C-1001", "country": country, "city": "Toronto"}),
        )
    assert (err.value.contract_id, err.value.current, err.value.requested) == ("C-1001", "US", country.upper())
    assert "Customer Service" in err.value.message
    assert get(store, Contract, "C-1001").billing_address.city == "San Francisco"


def test_same_country_any_case_is_accepted(svc, store):
    executed(svc, ALICE, "update_billing_address", {"contract_id": "C-1001", "country": "us", "city": "Oakland"})
    address = get(store, Contract, "C-1001").billing_address
    assert (address.city, address.country) == ("Oakland", "US")


def test_same_address_is_no_change(svc):
    with pytest.raises(NoChange):
        svc.propose(
            ALICE, "conv-1", command("update_billing_address", {"contract_id": "C-1001", "city": "San Francisco"})
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"postal_code": "!!"}, "postal_code"),
        ({"postal_code": "1"}, "postal_code"),
        ({"postal_code": "1234567890123"}, "postal_code"),
        ({"country": "USA"}, "country"),
        ({"line1": "   "}, "line1"),
        ({"city": "x" * 61}, "city"),
        ({"street": "1 Main"}, "fields"),
        ({}, "address"),
    ],
)
def test_invalid_address_changes_are_refused(svc, store, changes, field):
    with pytest.raises(InvalidInput) as err:
        svc.propose(ALICE, "conv-1", command("update_billing_address", {"contract_id": "C-1001", **changes}))
    assert err.value.field == field


# --- billing contact --------------------------------------------------------------------------------


def test_contact_change(svc, store):
    executed(
        svc,
        ALICE,
        "update_billing_contact",
        {"contract_id": "C-1001", "email": " AP@Acme.Example ", "phone": "+1 (415) 555-0199"},
    )
    contact = get(store, Contract, "C-1001").billing_contact
    assert (contact.name, contact.email, contact.phone) == ("Alice Adams", "ap@acme.example", "+1 (415) 555-0199")
    assert mails(store, kind="billing_info_changed")[0].to == "ap@acme.example"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "a b@acme.example"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "555-CALL-NOW"}, "phone"),
        ({"phone": "+1 234 567 890 123 456 7"}, "phone"),
        ({"name": ""}, "name"),
        ({"fax": "123"}, "fields"),
    ],
)
def test_invalid_contact_changes_are_refused(svc, store, changes, field):
    with pytest.raises(InvalidInput) as err:
        svc.propose(ALICE, "conv-1", command("update_billing_contact", {"contract_id": "C-1001", **changes}))
    assert err.value.field == field
    assert get(store, Contract, "C-1001").billing_contact.email == "alice@acme.example"


def test_same_contact_is_no_change(svc):
    with pytest.raises(NoChange):
        svc.propose(
            ALICE, "conv-1", command("update_billing_contact", {"contract_id": "C-1001", "email": "ALICE@acme.example"})
        )


# --- card on file ----------------------------------------------------------------------------------


def test_card_update_stores_token_and_last4_only(svc, store, gateway):
    token = gateway.tokenize("5555 5555 5555 4444", 6, 2031, "123")
    executed(
        svc,
        ALICE,
        "update_card",
        {
            "contract_id": "C-1001",
            "token": token.token,
            "brand": token.brand,
            "last4": token.last4,
            "exp_month": 6,
            "exp_year": 2031,
        },
    )
    card = get(store, Contract, "C-1001").card
    assert (card.token, card.brand, card.last4) == (token.token, "Mastercard", "4444")
    assert "5555555555554444" not in repr(store.tables)
    assert svc.get_contract(ALICE, "C-1001").to_json()["card"] == {"brand": "Mastercard", "last4": "4444"}


def test_card_update_refused_on_wire_only_contract(svc, gateway):
    token = gateway.tokenize("4242 4242 4242 4242", 12, 2030, "123")
    with pytest.raises(CardNotAllowed):
        svc.propose(
            ALICE,
            "conv-1",
            command(
                "update_card",
                {
                    "contract_id": "C-1002",
                    "token": token.token,
                    "brand": "Visa",
                    "last4": "4242",
                    "exp_month": 12,
                    "exp_year": 2030,
                },
            ),
        )


@pytest.mark.parametrize(
    "args",
    [
        {"token": "4242424242424242", "last4": "4242"},
        {"token": "tok_ok_x", "last4": "42"},
        {"token": "", "last4": ""},
        {"token": "tok_ok_x", "last4": "4242", "exp_month": 13, "exp_year": 2030},
        {"token": "tok_ok_x", "last4": "4242", "exp_month": 12, "exp_year": 0},
    ],
)
def test_card_update_needs_a_token_from_the_form(svc, args):
    with pytest.raises(InvalidInput):
        svc.propose(ALICE, "conv-1", command("update_card", {"contract_id": "C-1001", **args}))


# --- auto-renewal ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        (0, "too_close"),
        (30, "too_close"),
        (31, None),
        (90, None),
        (180, None),
        (181, "too_far"),
    ],
)
def test_auto_renew_window_edges(svc, store, clock, days, reason):
    edit(store, Contract, "C-1001", end_date=clock.today() + dt.timedelta(days=days))
    if reason is None:
        executed(svc, ALICE, "disable_auto_renew", {"contract_id": "C-1001"})
        assert get(store, Contract, "C-1001").auto_renew is False
        assert [a.outcome for a in audits(store, operation="disable_auto_renew")] == ["executed"]
        return
    with pytest.raises(AutoRenewNotEligible) as err:
        svc.propose(ALICE, "conv-1", command("disable_auto_renew", {"contract_id": "C-1001"}))
    assert (err.value.reason, err.value.days_to_end) == (reason, days)
    assert err.value.ae_name == "Morgan Avery" and "Morgan Avery" in err.value.message
    assert get(store, Contract, "C-1001").auto_renew is True


def test_auto_renew_seeded_contracts(svc):
    with pytest.raises(AutoRenewNotEligible) as err:
        svc.propose(ALICE, "conv-1", command("disable_auto_renew", {"contract_id": "C-1002"}))  # ends in 20 days
    assert err.value.reason == "too_close"
    with pytest.raises(AutoRenewNotEligible) as err:
        svc.propose(CAROL, "conv-1", command("disable_auto_renew", {"contract_id": "C-2001"}))
    assert (err.value.reason, err.value.ae_name) == ("already_off", "Oliver Grant")


@pytest.mark.parametrize("status", [ContractStatus.EXPIRED, ContractStatus.CANCELLED])
def test_auto_renew_not_active(svc, store, status):
    edit(store, Contract, "C-1001", status=status)
    with pytest.raises(AutoRenewNotEligible) as err:
        svc.propose(ALICE, "conv-1", command("disable_auto_renew", {"contract_id": "C-1001"}))
    assert err.value.reason == "not_active"


def test_auto_renew_window_closing_between_propose_and_execute_fails(svc, store, clock):
    edit(store, Contract, "C-1001", end_date=clock.today() + dt.timedelta(days=31))
    action = svc.propose(BOB, "conv-1", command("disable_auto_renew", {"contract_id": "C-1001"}))
    clock.advance(minutes=10)
    edit(store, Contract, "C-1001", end_date=clock.today() + dt.timedelta(days=30))
    done = svc.execute(BOB, action.id, "conv-1")
    assert (done.status, done.result["reason"]) == (ActionStatus.FAILED, "too_close")
    assert get(store, Contract, "C-1001").auto_renew is True

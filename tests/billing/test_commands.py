"""Commands: what a pending action stores reads back as the same command, through the same validation."""

from __future__ import annotations

import pytest

from billing.commands import (
    AddPortalUser,
    DisableAutoRenew,
    GrantContractAccess,
    PayInvoice,
    RemoveContractAccess,
    UpdateBillingAddress,
    UpdateBillingContact,
    UpdateCard,
    UpdatePoNumber,
)
from billing.errors import InvalidInput
from billing.operations.registry import OPERATIONS, command

RAW = {
    PayInvoice: {"invoice_id": " inv-1001 "},
    UpdatePoNumber: {"invoice_id": "INV-1001", "po_number": " PO-7781 "},
    UpdateBillingAddress: {"contract_id": "c-1001", "city": " Leeds ", "line2": ""},
    UpdateBillingContact: {"contract_id": "C-1001", "email": "Bob@Acme.Example"},
    DisableAutoRenew: {"contract_id": "c-1002"},
    UpdateCard: {"contract_id": "C-1001", "token": "tok_1", "last4": "4242", "exp_month": "7", "exp_year": 2031},
    AddPortalUser: {"name": "Frank", "email": "frank@acme.example", "contract_ids": ["c-1001", "C-1001"]},
    GrantContractAccess: {"email": "erin@acme.example", "contract_ids": "c-1002"},
    RemoveContractAccess: {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
}


@pytest.mark.parametrize("kind", list(RAW), ids=lambda k: k.operation)
def test_stored_arguments_read_back_as_the_same_command(kind):
    cleaned = kind.clean(RAW[kind])
    assert kind.clean(cleaned.to_json()) == cleaned
    assert command(kind.operation, cleaned.to_json()) == cleaned


def test_every_operation_has_its_command():
    assert {op.command for op in OPERATIONS.values()} == set(RAW)
    assert all(name == op.command.operation for name, op in OPERATIONS.items())


def test_clean_canonicalizes_as_before():
    assert PayInvoice.clean(RAW[PayInvoice]).to_json() == {"invoice_id": "INV-1001"}
    assert UpdateBillingAddress.clean(RAW[UpdateBillingAddress]).to_json() == {
        "contract_id": "C-1001",
        "city": "Leeds",
        "line2": "",
    }
    assert AddPortalUser.clean(RAW[AddPortalUser]).contract_ids == ("C-1001",)
    assert UpdateCard.clean(RAW[UpdateCard]).to_json()["brand"] == "Card"


def test_an_unknown_field_or_operation_is_invalid_input():
    with pytest.raises(InvalidInput) as err:
        UpdateBillingContact.clean({"contract_id": "C-1001", "fax": "1"})
    assert err.value.field == "fields"
    with pytest.raises(InvalidInput) as err:
        command("delete_everything", {})
    assert err.value.field == "operation"

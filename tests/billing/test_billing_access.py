"""Who sees what: billing contacts only, resellers nothing, users without contracts nothing, no id probing."""

from __future__ import annotations

import pytest
from billing_kit import ALICE, BOB, CAROL, DAVE, ERIN, payments

from billing.errors import NoPortalAccess, NotFound, UnknownUser
from billing.operations.registry import command
from billing.principal import Principal

OPERATIONS = {
    "pay_invoice": {"invoice_id": "INV-1001"},
    "update_po_number": {"invoice_id": "INV-1001", "po_number": "PO-1"},
    "update_billing_address": {"contract_id": "C-1001", "city": "Oakland"},
    "update_billing_contact": {"contract_id": "C-1001", "name": "Someone"},
    "update_card": {
        "contract_id": "C-1001",
        "token": "tok_ok_x",
        "brand": "Visa",
        "last4": "1111",
        "exp_month": 12,
        "exp_year": 2030,
    },
    "disable_auto_renew": {"contract_id": "C-1001"},
    "add_portal_user": {"name": "Frank", "email": "frank@acme.example", "contract_ids": ["C-1001"]},
    "grant_contract_access": {"email": "erin@acme.example", "contract_ids": ["C-1001"]},
    "remove_contract_access": {"email": "bob@acme.example", "contract_ids": ["C-1001"]},
}


def test_alice_sees_both_contracts_and_four_invoices(svc):
    assert [c["id"] for c in [v.to_json() for v in svc.list_contracts(ALICE)]] == ["C-1001", "C-1002"]
    assert sorted(i["id"] for i in [v.to_json() for v in svc.list_invoices(ALICE)]) == [
        "INV-1001",
        "INV-1002",
        "INV-1003",
        "INV-1004",
    ]
    assert [i["id"] for i in [v.to_json() for v in svc.list_invoices(ALICE, contract_id="c-1002")]] == ["INV-1004"]
    me = svc.me(ALICE).to_json()
    assert (me["account_id"], me["account_status"], me["reseller"], me["contracts"]) == (
        "ACME",
        "active",
        False,
        ["C-1001", "C-1002"],
    )


def test_bob_sees_only_c1001(svc):
    assert [c["id"] for c in [v.to_json() for v in svc.list_contracts(BOB)]] == ["C-1001"]
    assert sorted(i["id"] for i in [v.to_json() for v in svc.list_invoices(BOB)]) == [
        "INV-1001",
        "INV-1002",
        "INV-1003",
    ]
    for read in (
        lambda: svc.get_invoice(BOB, "INV-1004").to_json(),
        lambda: svc.get_contract(BOB, "C-1002").to_json(),
        lambda: [v.to_json() for v in svc.list_invoices(BOB, contract_id="C-1002")],
        lambda: svc.get_signed_quote(BOB, "C-1002").to_json(),
    ):
        with pytest.raises(NotFound):
            read()


def test_invoice_and_contract_shapes(svc):
    invoice = svc.get_invoice(ALICE, "INV-1001").to_json()
    assert {
        k: invoice[k]
        for k in (
            "id",
            "contract_id",
            "status",
            "amount",
            "balance",
            "currency",
            "po_number",
            "disputed",
            "payable",
            "not_payable_reason",
        )
    } == {
        "id": "INV-1001",
        "contract_id": "C-1001",
        "status": "open",
        "amount": "1200.00",
        "balance": "1200.00",
        "currency": "USD",
        "po_number": "PO-7781",
        "disputed": False,
        "payable": True,
        "not_payable_reason": None,
    }
    contract = svc.get_contract(ALICE, "C-1001").to_json()
    assert contract["card"] == {"brand": "Visa", "last4": "4242"} and "token" not in str(contract)
    assert svc.get_contract(ALICE, "C-1002").to_json()["card"] is None
    users = [v.to_json() for v in svc.list_contract_users(BOB, "C-1001")]
    assert users == [
        {"email": "alice@acme.example", "name": "Alice Adams", "roles": ["primary_billing_contact", "card_holder"]},
        {"email": "bob@acme.example", "name": "Bob Brown", "roles": []},
    ]


def test_signed_quotes(svc):
    assert svc.get_signed_quote(ALICE, "C-1001").to_json()["id"] == "Q-1001"
    assert svc.get_signed_quote(CAROL, "C-2001").to_json()["id"] == "Q-2001"
    with pytest.raises(NotFound):
        svc.get_signed_quote(ALICE, "C-1002").to_json()


# --- resellers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s.list_contracts(DAVE),
        lambda s: s.list_invoices(DAVE),
        lambda s: s.get_invoice(DAVE, "INV-1001"),
        lambda s: s.get_contract(DAVE, "C-1001"),
        lambda s: s.list_contract_users(DAVE, "C-1001"),
        lambda s: s.get_signed_quote(DAVE, "C-1001"),
        lambda s: s.list_invoices(DAVE, contract_id="C-9999"),
    ],
)
def test_reseller_reads_are_refused(svc, read):
    with pytest.raises(NoPortalAccess) as err:
        read(svc)
    assert err.value.email == "dave@initech.example" and err.value.kind == "forbidden"


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_reseller_writes_are_refused(svc, store, operation):
    with pytest.raises(NoPortalAccess):
        svc.propose(DAVE, "conv-1", command(operation, OPERATIONS[operation]))
    assert svc.pending_actions(DAVE, "conv-1") == []


def test_reseller_me_shows_no_billing_data(svc):
    me = svc.me(DAVE).to_json()
    assert (me["reseller"], me["contracts"]) == (True, [])


# --- a user without contracts ------------------------------------------------------------------------


def test_user_without_contracts_sees_nothing(svc):
    assert [v.to_json() for v in svc.list_contracts(ERIN)] == [] and [
        v.to_json() for v in svc.list_invoices(ERIN)
    ] == []
    assert svc.me(ERIN).to_json()["contracts"] == []
    for read in (
        lambda: svc.get_invoice(ERIN, "INV-1001").to_json(),
        lambda: svc.get_contract(ERIN, "C-1001").to_json(),
        lambda: [v.to_json() for v in svc.list_contract_users(ERIN, "C-1001")],
        lambda: [v.to_json() for v in svc.list_invoices(ERIN, "C-1001")],
    ):
        with pytest.raises(NotFound):
            read()


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_user_without_contracts_cannot_write(svc, operation):
    with pytest.raises(NotFound):
        svc.propose(ERIN, "conv-1", command(operation, OPERATIONS[operation]))


def test_unknown_identity_is_not_a_user(svc):
    with pytest.raises(UnknownUser):
        [v.to_json() for v in svc.list_invoices(Principal("mallory@evil.example"))]


# --- cross-account probing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "theirs", "unknown"),
    [
        (lambda s, x: s.get_invoice(ALICE, x), "INV-2001", "INV-2999"),
        (lambda s, x: s.get_contract(ALICE, x), "C-2001", "C-2999"),
        (lambda s, x: s.list_contract_users(ALICE, x), "C-2001", "C-2999"),
        (lambda s, x: s.list_invoices(ALICE, contract_id=x), "C-2001", "C-2999"),
        (lambda s, x: s.get_signed_quote(ALICE, x), "C-2001", "C-2999"),
        (lambda s, x: s.propose(ALICE, "conv-1", command("pay_invoice", {"invoice_id": x})), "INV-2001", "INV-2999"),
        (
            lambda s, x: s.propose(ALICE, "conv-1", command("update_po_number", {"invoice_id": x, "po_number": "P"})),
            "INV-2001",
            "INV-2999",
        ),
        (
            lambda s, x: s.propose(ALICE, "conv-1", command("disable_auto_renew", {"contract_id": x})),
            "C-2001",
            "C-2999",
        ),
        (
            lambda s, x: s.propose(
                ALICE, "conv-1", command("update_billing_address", {"contract_id": x, "city": "Leeds"})
            ),
            "C-2001",
            "C-2999",
        ),
        (lambda s, x: s.propose(CAROL, "conv-1", command("pay_invoice", {"invoice_id": x})), "INV-1001", "INV-1999"),
    ],
)
def test_other_customers_ids_look_exactly_like_unknown_ids(svc, store, call, theirs, unknown):
    with pytest.raises(NotFound) as other:
        call(svc, theirs)
    with pytest.raises(NotFound) as missing:
        call(svc, unknown)
    strip = lambda e: {**e.to_dict(), "entity_id": "", "message": e.message.replace(e.entity_id, "")}  # noqa: E731
    assert strip(other.value) == strip(missing.value)
    assert type(other.value) is type(missing.value) is NotFound
    assert payments(store) == []

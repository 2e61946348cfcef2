"""Manage Users: invite, grant, remove (single and bulk, all-or-nothing, protected roles)."""

from __future__ import annotations

import json

import pytest
from billing_kit import ALICE, BOB, ERIN, add, audits, executed, get, mails

from billing.entities import ActionStatus, ContractContact, PortalUser
from billing.errors import (
    ChangedMeanwhile,
    InvalidInput,
    NoChange,
    NotAContact,
    NotFound,
    ProtectedRoleBlocker,
    ProtectedRoleRemoval,
    UserAlreadyExists,
)
from billing.operations.registry import command
from billing.principal import Principal

FRANK = Principal("frank@acme.example")


def _contracts_of(store, email):
    return sorted(c.contract_id for c in store.all(ContractContact) if c.email == email)


# --- invite -------------------------------------------------------------------------------------


def test_invite_new_user_with_access(svc, store):
    action = executed(
        svc,
        ALICE,
        "add_portal_user",
        {"name": " Frank  Fox ", "email": "Frank@Acme.Example", "contract_ids": ["c-1001", "C-1002", "C-1001"]},
    )
    assert action.args == {"name": "Frank Fox", "email": "frank@acme.example", "contract_ids": ["C-1001", "C-1002"]}
    user = get(store, PortalUser, "frank@acme.example")
    assert (user.name, user.account_id, user.reseller) == ("Frank Fox", "ACME", False)
    assert _contracts_of(store, "frank@acme.example") == ["C-1001", "C-1002"]
    assert [c["id"] for c in [v.to_json() for v in svc.list_contracts(FRANK)]] == ["C-1001", "C-1002"]
    [mail] = mails(store, kind="invitation")
    assert mail.to == "frank@acme.example"
    assert [a.outcome for a in audits(store, operation="add_portal_user")] == ["executed"]


def test_invite_existing_user_is_refused(svc, store):
    with pytest.raises(UserAlreadyExists) as err:
        svc.propose(
            ALICE,
            "conv-1",
            command("add_portal_user", {"name": "Erin", "email": "ERIN@acme.example", "contract_ids": ["C-1001"]}),
        )
    assert err.value.email == "erin@acme.example"


@pytest.mark.parametrize("contract_ids", [["C-2001"], ["C-1001", "C-2001"], ["C-9999"]])
def test_invite_to_inaccessible_contract_is_not_found(svc, store, contract_ids):
    with pytest.raises(NotFound) as err:
        svc.propose(
            BOB if "C-1002" in contract_ids else ALICE,
            "conv-1",
            command("add_portal_user", {"name": "Frank", "email": "frank@acme.example", "contract_ids": contract_ids}),
        )
    assert err.value.entity == "contract"
    assert get(store, PortalUser, "frank@acme.example") is None


def test_bob_cannot_invite_to_c1002(svc):
    with pytest.raises(NotFound):
        svc.propose(
            BOB,
            "conv-1",
            command("add_portal_user", {"name": "Frank", "email": "frank@acme.example", "contract_ids": ["C-1002"]}),
        )


@pytest.mark.parametrize(
    "args",
    [
        {"name": "Frank", "email": "frank", "contract_ids": ["C-1001"]},
        {"name": "", "email": "frank@acme.example", "contract_ids": ["C-1001"]},
        {"name": "Frank", "email": "frank@acme.example", "contract_ids": []},
    ],
)
def test_invite_invalid_input(svc, args):
    with pytest.raises(InvalidInput):
        svc.propose(ALICE, "conv-1", command("add_portal_user", args))


def test_invitee_taken_between_propose_and_execute_fails(svc, store):
    action = svc.propose(
        ALICE,
        "conv-1",
        command("add_portal_user", {"name": "Frank", "email": "frank@acme.example", "contract_ids": ["C-1001"]}),
    )
    executed(
        svc,
        BOB,
        "add_portal_user",
        {"name": "Frank F", "email": "frank@acme.example", "contract_ids": ["C-1001"]},
        "conv-bob",
    )
    done = svc.execute(ALICE, action.id, "conv-1")
    assert (done.status, done.result["error"]) == (ActionStatus.FAILED, "UserAlreadyExists")
    assert get(store, PortalUser, "frank@acme.example").name == "Frank F"


def test_a_key_taken_meanwhile_is_changed_meanwhile_in_the_fake_too(store):
    # The fake repository reports a taken key as the SQL one does (tests/integration: the racing grant).
    with pytest.raises(ChangedMeanwhile):
        add(store, PortalUser("bob@acme.example", "Bob Again", "ACME"))
    assert get(store, PortalUser, "bob@acme.example").name != "Bob Again"


# --- grant ------------------------------------------------------------------------------------------


def test_grant_erin_access(svc, store):
    assert [v.to_json() for v in svc.list_contracts(ERIN)] == []
    executed(svc, ALICE, "grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1002"]})
    assert [c["id"] for c in [v.to_json() for v in svc.list_contracts(ERIN)]] == ["C-1002"]
    assert [i["id"] for i in [v.to_json() for v in svc.list_invoices(ERIN)]] == ["INV-1004"]
    assert mails(store, kind="access_granted")[0].to == "erin@acme.example"


def test_partial_grant_adds_only_missing_contracts(svc, store):
    action = svc.propose(
        ALICE,
        "conv-1",
        command("grant_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001", "C-1002"]}),
    )
    assert action.summary == "Give bob@acme.example access to C-1002"
    done = svc.execute(ALICE, action.id, "conv-1")
    assert done.result == {"email": "bob@acme.example", "granted": ["C-1002"]}
    assert _contracts_of(store, "bob@acme.example") == ["C-1001", "C-1002"]
    assert [c.roles for c in store.all(ContractContact) if c.email == "bob@acme.example"] == [[], []]


def test_grant_of_existing_access_is_no_change(svc):
    with pytest.raises(NoChange):
        svc.propose(
            ALICE, "conv-1", command("grant_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]})
        )


def test_grant_only_contracts_the_granter_can_access(svc, store):
    with pytest.raises(NotFound) as err:
        svc.propose(
            BOB, "conv-1", command("grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1002"]})
        )
    assert err.value.entity_id == "C-1002"
    assert _contracts_of(store, "erin@acme.example") == []


def test_grant_to_reseller_is_refused(svc, store):
    with pytest.raises(NotFound):  # dave's reseller account is another account: he looks unknown
        svc.propose(
            ALICE,
            "conv-1",
            command("grant_contract_access", {"email": "dave@initech.example", "contract_ids": ["C-1001"]}),
        )
    add(store, PortalUser("partner@acme.example", "Pat Partner", "ACME", True))
    with pytest.raises(InvalidInput) as err:
        svc.propose(
            ALICE,
            "conv-1",
            command("grant_contract_access", {"email": "partner@acme.example", "contract_ids": ["C-1001"]}),
        )
    assert err.value.field == "email" and "resellers" in err.value.reason
    assert _contracts_of(store, "dave@initech.example") == _contracts_of(store, "partner@acme.example") == []


def test_grant_to_unknown_user_is_not_found(svc):
    with pytest.raises(NotFound) as err:
        svc.propose(
            ALICE,
            "conv-1",
            command("grant_contract_access", {"email": "nobody@acme.example", "contract_ids": ["C-1001"]}),
        )
    assert err.value.entity == "portal user"


def test_grant_to_user_of_another_account_is_not_found(svc, store):
    """Granting ACME's billing data to a Globex user would leak it across customers."""
    with pytest.raises(NotFound) as err:
        svc.propose(
            ALICE,
            "conv-1",
            command("grant_contract_access", {"email": "carol@globex.example", "contract_ids": ["C-1001"]}),
        )
    assert err.value.entity == "portal user"
    assert _contracts_of(store, "carol@globex.example") == ["C-2001"]


# --- remove -----------------------------------------------------------------------------------------


def test_remove_single(svc, store):
    action = executed(svc, ALICE, "remove_contract_access", {"email": "bob@acme.example", "contract_ids": "C-1001"})
    assert action.result == {"email": "bob@acme.example", "removed": ["C-1001"]}
    assert _contracts_of(store, "bob@acme.example") == []
    assert [v.to_json() for v in svc.list_contracts(BOB)] == []
    assert [a.outcome for a in audits(store, operation="remove_contract_access")] == ["executed"]
    assert [m.to for m in mails(store, kind="access_removed")] == ["bob@acme.example"]


def test_remove_bulk(svc, store):
    executed(svc, ALICE, "grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]})
    executed(
        svc,
        ALICE,
        "remove_contract_access",
        {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]},
        "conv-2",
    )
    assert _contracts_of(store, "erin@acme.example") == []


@pytest.mark.parametrize(
    ("contract_ids", "blockers"),
    [
        (["C-1001"], [("C-1001", "primary_billing_contact"), ("C-1001", "card_holder")]),
        (["C-1002"], [("C-1002", "primary_billing_contact")]),
        (
            ["C-1001", "C-1002"],
            [("C-1001", "primary_billing_contact"), ("C-1001", "card_holder"), ("C-1002", "primary_billing_contact")],
        ),
    ],
)
def test_protected_roles_block_removal(svc, store, contract_ids, blockers):
    with pytest.raises(ProtectedRoleRemoval) as err:
        svc.propose(
            BOB,
            "conv-1",
            command("remove_contract_access", {"email": "alice@acme.example", "contract_ids": contract_ids}),
        ) if contract_ids == ["C-1001"] else svc.propose(
            ALICE,
            "conv-1",
            command("remove_contract_access", {"email": "alice@acme.example", "contract_ids": contract_ids}),
        )
    assert [(b.contract_id, b.role) for b in err.value.blockers] == blockers
    assert all(b.email == "alice@acme.example" for b in err.value.blockers)
    assert "Customer Service" in err.value.message and "Nothing was removed" in err.value.message
    assert _contracts_of(store, "alice@acme.example") == ["C-1001", "C-1002"]


def test_bulk_removal_is_all_or_nothing(svc, store):
    """Erin is removable from C-1002 but is the card holder of C-1001: nothing at all is removed."""
    executed(svc, ALICE, "grant_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1001", "C-1002"]})
    with store(write=True) as uow:
        [contact] = uow.repo.find(ContractContact, email="erin@acme.example", contract_id="C-1001")
        contact.roles = ["card_holder"]
        uow.repo.update(contact)
        uow.commit()
    with pytest.raises(ProtectedRoleRemoval) as err:
        svc.propose(
            ALICE,
            "conv-2",
            command("remove_contract_access", {"email": "erin@acme.example", "contract_ids": ["C-1002", "C-1001"]}),
        )
    assert err.value.blockers == [ProtectedRoleBlocker("erin@acme.example", "C-1001", "card_holder")]
    assert _contracts_of(store, "erin@acme.example") == ["C-1001", "C-1002"]


def test_role_gained_between_propose_and_execute_blocks_removal(svc, store):
    action = svc.propose(
        ALICE, "conv-1", command("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]})
    )
    with store(write=True) as uow:
        [contact] = uow.repo.find(ContractContact, email="bob@acme.example")
        contact.roles = ["primary_billing_contact"]
        uow.repo.update(contact)
        uow.commit()
    done = svc.execute(ALICE, action.id, "conv-1")
    assert (done.status, done.result["error"]) == (ActionStatus.FAILED, "ProtectedRoleRemoval")
    assert json.loads(json.dumps(done.result))["blockers"] == [  # stored as JSON by the SQL adapters
        {"email": "bob@acme.example", "contract_id": "C-1001", "role": "primary_billing_contact"}
    ]
    assert _contracts_of(store, "bob@acme.example") == ["C-1001"]


@pytest.mark.parametrize(
    ("email", "contract_ids", "lacking"),
    [
        ("erin@acme.example", ["C-1001"], ["C-1001"]),
        ("bob@acme.example", ["C-1001", "C-1002"], ["C-1002"]),
        ("nobody@acme.example", ["C-1002"], ["C-1002"]),
    ],
)
def test_removing_access_they_do_not_have_is_not_a_contact(svc, store, email, contract_ids, lacking):
    with pytest.raises(NotAContact) as err:
        svc.propose(ALICE, "conv-1", command("remove_contract_access", {"email": email, "contract_ids": contract_ids}))
    assert (err.value.email, err.value.contract_ids) == (email, lacking)
    assert _contracts_of(store, "bob@acme.example") == ["C-1001"]


def test_remove_from_inaccessible_contract_is_not_found(svc):
    with pytest.raises(NotFound):
        svc.propose(
            ALICE,
            "conv-1",
            command("remove_contract_access", {"email": "carol@globex.example", "contract_ids": ["C-2001"]}),
        )
    with pytest.raises(NotFound):
        svc.propose(
            BOB,
            "conv-1",
            command("remove_contract_access", {"email": "alice@acme.example", "contract_ids": ["C-1002"]}),
        )


# --- the card holder follows the card --------------------------------------------------------------


def _card_args(gateway, number="5555 5555 5555 4444"):
    """What the secure card form proposes after tokenizing `number`."""
    token = gateway.tokenize(number, 6, 2031, "123")
    return {
        "contract_id": "C-1001",
        "token": token.token,
        "brand": token.brand,
        "last4": token.last4,
        "exp_month": 6,
        "exp_year": 2031,
    }


def _new_card(svc, gateway, who, conversation="card-form", number="5555 5555 5555 4444"):
    return executed(svc, who, "update_card", _card_args(gateway, number), conversation)


def _roles(store, email, contract_id="C-1001"):
    [contact] = [c for c in store.all(ContractContact) if (c.email, c.contract_id) == (email, contract_id)]
    return contact.roles


def test_whoever_stores_a_new_card_becomes_the_card_holder_and_the_old_one_keeps_access(svc, store, gateway):
    action = svc.propose(BOB, "card-form", command("update_card", _card_args(gateway)))
    assert action.summary.endswith("; you become its Credit Card Holder in place of alice@acme.example")
    done = svc.execute(BOB, action.id, "card-form")
    assert (done.result["card_holder"], done.result["previous_card_holders"]) == (
        "bob@acme.example",
        ["alice@acme.example"],
    )
    assert _roles(store, "bob@acme.example") == ["card_holder"]
    assert _roles(store, "alice@acme.example") == ["primary_billing_contact"]  # still a billing contact
    assert [c["id"] for c in [v.to_json() for v in svc.list_contracts(ALICE)]] == ["C-1001", "C-1002"]
    [audit] = audits(store, operation="update_card")
    assert (audit.actor_email, audit.outcome, audit.result["previous_card_holders"]) == (
        "bob@acme.example",
        "executed",
        ["alice@acme.example"],
    )
    [told] = mails(store, kind="card_holder_changed")
    assert told.to == "alice@acme.example" and "bob@acme.example" in told.body


def test_the_card_holder_storing_another_card_stays_the_only_holder(svc, store, gateway):
    done = _new_card(svc, gateway, ALICE)
    assert (done.result["card_holder"], done.result["previous_card_holders"]) == ("alice@acme.example", [])
    assert _roles(store, "alice@acme.example") == ["primary_billing_contact", "card_holder"]
    assert _roles(store, "bob@acme.example") == [] and mails(store, kind="card_holder_changed") == []


def test_single_removal_after_a_card_change_protects_the_new_holder_not_the_old(svc, store, gateway):
    _new_card(svc, gateway, BOB)
    with pytest.raises(ProtectedRoleRemoval) as err:  # Bob holds the card now
        svc.propose(
            ALICE,
            "conv-1",
            command("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]}),
        )
    assert err.value.blockers == [ProtectedRoleBlocker("bob@acme.example", "C-1001", "card_holder")]
    with pytest.raises(ProtectedRoleRemoval) as alice:  # Alice: only her Primary Billing Contact role is left
        svc.propose(
            BOB,
            "conv-2",
            command("remove_contract_access", {"email": "alice@acme.example", "contract_ids": ["C-1001"]}),
        )
    assert alice.value.blockers == [ProtectedRoleBlocker("alice@acme.example", "C-1001", "primary_billing_contact")]

    _new_card(svc, gateway, ALICE, "card-form-2", "4242 4242 4242 4242")  # the card moves back to Alice
    executed(svc, ALICE, "remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001"]}, "conv-3")
    assert _contracts_of(store, "bob@acme.example") == []


def test_bulk_removal_after_a_card_change_is_all_or_nothing_then_goes_through(svc, store, gateway):
    executed(svc, ALICE, "grant_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1002"]})
    _new_card(svc, gateway, BOB)
    with pytest.raises(ProtectedRoleRemoval) as err:
        svc.propose(
            ALICE,
            "conv-2",
            command("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1002", "C-1001"]}),
        )
    assert err.value.blockers == [ProtectedRoleBlocker("bob@acme.example", "C-1001", "card_holder")]
    assert _contracts_of(store, "bob@acme.example") == ["C-1001", "C-1002"]  # nothing was removed

    _new_card(svc, gateway, ALICE, "card-form-2", "4242 4242 4242 4242")
    executed(
        svc,
        ALICE,
        "remove_contract_access",
        {"email": "bob@acme.example", "contract_ids": ["C-1002", "C-1001"]},
        "conv-3",
    )
    assert _contracts_of(store, "bob@acme.example") == []


def test_card_holder_taken_between_propose_and_execute_blocks_a_bulk_removal(svc, store, gateway):
    """A removal proposed before the card change is re-checked when confirmed."""
    executed(svc, ALICE, "grant_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1002"]})
    removal = svc.propose(
        ALICE,
        "conv-2",
        command("remove_contract_access", {"email": "bob@acme.example", "contract_ids": ["C-1001", "C-1002"]}),
    )
    _new_card(svc, gateway, BOB)
    done = svc.execute(ALICE, removal.id, "conv-2")
    assert (done.status, done.result["error"]) == (ActionStatus.FAILED, "ProtectedRoleRemoval")
    assert _contracts_of(store, "bob@acme.example") == ["C-1001", "C-1002"]

"""Finding 6: inviting or granting told whether an e-mail belongs to a user of another account."""

from __future__ import annotations

import json

import pytest
from skit import served, snapshot

from billing.errors import DomainError
from billing.operations.registry import command
from billing.principal import Principal

ALICE = Principal("alice@acme.example")
OTHERS = ["carol@globex.example", "dave@initech.example"]  # another customer's user, another's reseller
NOBODY = "nobody.new@acme.example"


def _answer(billing, conv: str, operation: str, args: dict, email: str) -> str:
    """What the inviter learns from a proposal, with the e-mail itself taken out."""
    try:
        action = billing.propose(ALICE, conv, command(operation, args))
        seen = {"summary": action.summary, "args": action.args}
    except DomainError as error:
        seen = {"error": error.to_dict()}
    return json.dumps(seen, sort_keys=True).replace(email, "<email>")


@pytest.mark.parametrize("other", OTHERS)
async def test_invite_and_grant_answer_alike_for_another_customers_user(tmp_path, other):
    async with served(tmp_path) as (world, _):
        billing = world.container.billing
        for operation, extra in (("add_portal_user", {"name": "Pat Doe"}), ("grant_contract_access", {})):
            answers = set()
            for email in (other, NOBODY):
                conv = world.container.runner.start_conversation(ALICE).id
                answers.add(
                    _answer(billing, conv, operation, {**extra, "email": email, "contract_ids": ["C-1001"]}, email)
                )
            assert len(answers) == 1, (operation, answers)


async def test_a_confirmed_invitation_of_another_customers_user_grants_nothing_across_accounts(tmp_path):
    async with served(tmp_path) as (world, _):
        billing = world.container.billing
        results = {}
        for email in ("carol@globex.example", NOBODY):
            conv = world.container.runner.start_conversation(ALICE).id
            action = billing.propose(
                ALICE, conv, command("add_portal_user", {"name": "Pat Doe", "email": email, "contract_ids": ["C-1001"]})
            )
            before = snapshot(world.container.engine, ("accounts", "portal_users", "contract_contacts"))
            done = billing.execute(ALICE, action.id, conv)
            results[email] = (done.status.value, json.dumps(done.result, sort_keys=True).replace(email, "<email>"))
            if email != NOBODY:  # Carol stays Globex's, and gets no access to Acme's contract
                assert snapshot(world.container.engine, ("accounts", "portal_users", "contract_contacts")) == before
        assert results["carol@globex.example"] == results[NOBODY]
        carol = Principal("carol@globex.example")
        assert [c["id"] for c in [v.to_json() for v in billing.list_contracts(carol)]] == ["C-2001"]

"""Billing information on a contract: address, contact, card, auto-renewal."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from billing.access import contract_for
from billing.commands import DisableAutoRenew, UpdateBillingAddress, UpdateBillingContact, UpdateCard
from billing.entities import Account, Card, Contract, ContractContact, PendingAction, Role
from billing.errors import CardNotAllowed, InvalidInput, NoChange
from billing.json_types import JsonObject, json_list
from billing.operations.base import Ctx, Operation, Proposal, queue_mail
from billing.rules.autorenew import check_auto_renew_off
from billing.rules.billing_info import address_text, merged_address, merged_contact


def _notify(ctx: Ctx, contract: Contract, what: str) -> None:
    body = f"{what} on contract {contract.id} was changed in the Billing Portal by {ctx.user.name} ({ctx.user.email})."
    queue_mail(
        ctx,
        contract.billing_contact.email,
        f"Billing information changed on {contract.id}",
        body,
        "billing_info_changed",
        contract.id,
    )


# --- billing address -------------------------------------------------------------------------


def check_address(ctx: Ctx, command: UpdateBillingAddress) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id)
    new = merged_address(contract, command.changes())
    return Proposal(f"Change the billing address of {contract.id} to: {address_text(new)}")


def apply_address(ctx: Ctx, command: UpdateBillingAddress, action: PendingAction) -> JsonObject:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id, for_update=True)
    contract.billing_address = merged_address(contract, command.changes())
    ctx.repo.update(contract)
    _notify(ctx, contract, "The billing address")
    return {"contract_id": contract.id, "billing_address": asdict(contract.billing_address)}


# --- billing contact -------------------------------------------------------------------------


def check_contact(ctx: Ctx, command: UpdateBillingContact) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id)
    new = merged_contact(contract, command.changes())
    phone = f", {new.phone}" if new.phone else ""
    return Proposal(f"Change the billing contact of {contract.id} to: {new.name}, {new.email}{phone}")


def apply_contact(ctx: Ctx, command: UpdateBillingContact, action: PendingAction) -> JsonObject:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id, for_update=True)
    contract.billing_contact = merged_contact(contract, command.changes())
    ctx.repo.update(contract)
    _notify(ctx, contract, "The billing contact")
    return {"contract_id": contract.id, "billing_contact": asdict(contract.billing_contact)}


# --- auto-renewal ----------------------------------------------------------------------------


def _check_auto_renew(ctx: Ctx, contract: Contract) -> None:
    account = ctx.repo.get(Account, contract.account_id)
    assert account is not None
    check_auto_renew_off(contract, account, ctx.today)


def check_auto_renew(ctx: Ctx, command: DisableAutoRenew) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id)
    _check_auto_renew(ctx, contract)
    days = (contract.end_date - ctx.today).days
    return Proposal(
        f"Turn off auto-renewal for {contract.id} (it ends on {contract.end_date.isoformat()}, "
        f"in {days} days, and will not renew)"
    )


def apply_auto_renew(ctx: Ctx, command: DisableAutoRenew, action: PendingAction) -> JsonObject:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id, for_update=True)
    _check_auto_renew(ctx, contract)
    contract.auto_renew = False
    ctx.repo.update(contract)
    _notify(ctx, contract, "Auto-renewal (now off)")
    return {"contract_id": contract.id, "auto_renew": False, "end_date": contract.end_date.isoformat()}


# --- card on file (from the secure card form only: the arguments carry a gateway token) ------


def _check_card(contract: Contract, card: UpdateCard, today: dt.date) -> None:
    if not contract.card_allowed:
        raise CardNotAllowed(contract.id)
    if (card.exp_year, card.exp_month) < (today.year, today.month):  # valid through its expiry month
        raise InvalidInput("expiry", f"{card.exp_month:02d}/{card.exp_year}", "the card has expired")
    if contract.card and contract.card.token == card.token:
        raise NoChange(contract.id, "that card is already on file")


def _card_holders(ctx: Ctx, contract: Contract) -> list[ContractContact]:
    return [c for c in ctx.repo.find(ContractContact, contract_id=contract.id) if Role.CARD_HOLDER in c.roles]


def check_card(ctx: Ctx, command: UpdateCard) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id)
    _check_card(contract, command, ctx.today)
    old = f" (replacing {contract.card.brand} ending {contract.card.last4})" if contract.card else ""
    others = [c.email for c in _card_holders(ctx, contract) if c.email != ctx.user.email]
    holder = (
        f"; you become its Credit Card Holder in place of {', '.join(others)}"
        if others
        else "; you become its Credit Card Holder"
        if not _card_holders(ctx, contract)
        else ""
    )
    return Proposal(f"Store {command.brand} ending {command.last4} as the card on file for {contract.id}{old}{holder}")


def _move_card_holder(ctx: Ctx, contract: Contract) -> list[str]:
    """Whoever stores the card holds it: the confirming user becomes the Credit Card Holder; the previous
    holder keeps access to the contract (as a billing contact) without the role. Returns the previous holders."""
    previous = []
    for contact in ctx.repo.find(ContractContact, contract_id=contract.id):
        has_role = Role.CARD_HOLDER in contact.roles
        if contact.email == ctx.user.email and not has_role:
            contact.roles = [*contact.roles, Role.CARD_HOLDER.value]
            ctx.repo.update(contact)
        elif contact.email != ctx.user.email and has_role:
            contact.roles = [r for r in contact.roles if r != Role.CARD_HOLDER]
            ctx.repo.update(contact)
            previous.append(contact.email)
    return previous


def apply_card(ctx: Ctx, command: UpdateCard, action: PendingAction) -> JsonObject:
    contract = contract_for(ctx.repo, ctx.user, command.contract_id, for_update=True)
    _check_card(contract, command, ctx.today)
    contract.card = Card(command.token, command.brand, command.last4, command.exp_month, command.exp_year)
    ctx.repo.update(contract)
    previous = _move_card_holder(ctx, contract)
    _notify(ctx, contract, "The credit card on file")
    for email in previous:
        queue_mail(
            ctx,
            email,
            f"You are no longer the Credit Card Holder of {contract.id}",
            f"{ctx.user.name} ({ctx.user.email}) stored a new card on contract {contract.id} and is now its "
            "Credit Card Holder. You keep your access to the contract.",
            "card_holder_changed",
            contract.id,
        )
    return {
        "contract_id": contract.id,
        "card": {"brand": command.brand, "last4": command.last4},
        "card_holder": ctx.user.email,
        "previous_card_holders": json_list(previous),
    }


UPDATE_BILLING_ADDRESS = Operation(UpdateBillingAddress, check_address, apply_address)
UPDATE_BILLING_CONTACT = Operation(UpdateBillingContact, check_contact, apply_contact)
DISABLE_AUTO_RENEW = Operation(DisableAutoRenew, check_auto_renew, apply_auto_renew)
UPDATE_CARD = Operation(UpdateCard, check_card, apply_card)

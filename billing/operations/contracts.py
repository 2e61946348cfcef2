"""Billing information on a contract: address, contact, card, auto-renewal."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from billing.access import contract_for
from billing.entities import Account, Card, Contract, ContractContact, PendingAction, Role
from billing.errors import CardNotAllowed, InvalidInput, NoChange
from billing.operations.base import Ctx, Operation, Proposal, queue_mail, require_id
from billing.rules.autorenew import check_auto_renew_off
from billing.rules.billing_info import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    address_text,
    clean_address_changes,
    clean_contact_changes,
    merged_address,
    merged_contact,
)


def _clean_fields(args: dict[str, Any], fields: tuple[str, ...], cleaner: Any) -> dict[str, Any]:
    changes = {k: str(v) for k, v in args.items() if k in fields and v is not None}
    extra = set(args) - set(fields) - {"contract_id"}
    if extra:
        raise InvalidInput("fields", ", ".join(sorted(extra)), f"known fields are {', '.join(fields)}")
    return {"contract_id": require_id(args, "contract_id"), **cleaner(changes)}


def _changes(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k != "contract_id"}


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


def clean_address(args: dict[str, Any]) -> dict[str, Any]:
    return _clean_fields(args, ADDRESS_FIELDS, clean_address_changes)


def check_address(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"])
    new = merged_address(contract, _changes(args))
    return Proposal(f"Change the billing address of {contract.id} to: {address_text(new)}", {})


def apply_address(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"], for_update=True)
    contract.billing_address = merged_address(contract, _changes(args))
    ctx.repo.update(contract)
    _notify(ctx, contract, "The billing address")
    return {"contract_id": contract.id, "billing_address": asdict(contract.billing_address)}


# --- billing contact -------------------------------------------------------------------------


def clean_contact(args: dict[str, Any]) -> dict[str, Any]:
    return _clean_fields(args, CONTACT_FIELDS, clean_contact_changes)


def check_contact(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"])
    new = merged_contact(contract, _changes(args))
    phone = f", {new.phone}" if new.phone else ""
    return Proposal(f"Change the billing contact of {contract.id} to: {new.name}, {new.email}{phone}", {})


def apply_contact(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"], for_update=True)
    contract.billing_contact = merged_contact(contract, _changes(args))
    ctx.repo.update(contract)
    _notify(ctx, contract, "The billing contact")
    return {"contract_id": contract.id, "billing_contact": asdict(contract.billing_contact)}


# --- auto-renewal ----------------------------------------------------------------------------


def clean_auto_renew(args: dict[str, Any]) -> dict[str, Any]:
    return {"contract_id": require_id(args, "contract_id")}


def _check_auto_renew(ctx: Ctx, contract: Contract) -> None:
    account = ctx.repo.get(Account, contract.account_id)
    assert account is not None
    check_auto_renew_off(contract, account, ctx.today)


def check_auto_renew(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"])
    _check_auto_renew(ctx, contract)
    days = (contract.end_date - ctx.today).days
    return Proposal(
        f"Turn off auto-renewal for {contract.id} (it ends on {contract.end_date.isoformat()}, "
        f"in {days} days, and will not renew)",
        {},
    )


def apply_auto_renew(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"], for_update=True)
    _check_auto_renew(ctx, contract)
    contract.auto_renew = False
    ctx.repo.update(contract)
    _notify(ctx, contract, "Auto-renewal (now off)")
    return {"contract_id": contract.id, "auto_renew": False, "end_date": contract.end_date.isoformat()}


# --- card on file (from the secure card form only: the arguments carry a gateway token) ------


def clean_card(args: dict[str, Any]) -> dict[str, Any]:
    token = str(args.get("token") or "")
    last4 = str(args.get("last4") or "")
    if not token.startswith("tok_") or not (len(last4) == 4 and last4.isdigit()):
        raise InvalidInput("card", last4, "a card token from the secure card form is required")
    month, year = int(args.get("exp_month") or 0), int(args.get("exp_year") or 0)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise InvalidInput("expiry", f"{month}/{year}", "it is not a valid expiry date")
    return {
        "contract_id": require_id(args, "contract_id"),
        "token": token,
        "brand": str(args.get("brand") or "Card"),
        "last4": last4,
        "exp_month": month,
        "exp_year": year,
    }


def _check_card(contract: Contract, args: dict[str, Any], today: Any) -> None:
    if not contract.card_allowed:
        raise CardNotAllowed(contract.id)
    if (args["exp_year"], args["exp_month"]) < (today.year, today.month):  # valid through its expiry month
        raise InvalidInput("expiry", f"{args['exp_month']:02d}/{args['exp_year']}", "the card has expired")
    if contract.card and contract.card.token == args["token"]:
        raise NoChange(contract.id, "that card is already on file")


def _card_holders(ctx: Ctx, contract: Contract) -> list[ContractContact]:
    return [c for c in ctx.repo.find(ContractContact, contract_id=contract.id) if Role.CARD_HOLDER in c.roles]


def check_card(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"])
    _check_card(contract, args, ctx.today)
    old = f" (replacing {contract.card.brand} ending {contract.card.last4})" if contract.card else ""
    others = [c.email for c in _card_holders(ctx, contract) if c.email != ctx.user.email]
    holder = (
        f"; you become its Credit Card Holder in place of {', '.join(others)}"
        if others
        else "; you become its Credit Card Holder"
        if not _card_holders(ctx, contract)
        else ""
    )
    return Proposal(
        f"Store {args['brand']} ending {args['last4']} as the card on file for {contract.id}{old}{holder}", {}
    )


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


def apply_card(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    contract = contract_for(ctx.repo, ctx.user, args["contract_id"], for_update=True)
    _check_card(contract, args, ctx.today)
    contract.card = Card(args["token"], args["brand"], args["last4"], args["exp_month"], args["exp_year"])
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
        "card": {"brand": args["brand"], "last4": args["last4"]},
        "card_holder": ctx.user.email,
        "previous_card_holders": previous,
    }


UPDATE_BILLING_ADDRESS = Operation("update_billing_address", clean_address, check_address, apply_address)
UPDATE_BILLING_CONTACT = Operation("update_billing_contact", clean_contact, check_contact, apply_contact)
DISABLE_AUTO_RENEW = Operation("disable_auto_renew", clean_auto_renew, check_auto_renew, apply_auto_renew)
UPDATE_CARD = Operation("update_card", clean_card, check_card, apply_card)

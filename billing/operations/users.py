"""Manage Users: invite, grant access, remove access (single or bulk, all-or-nothing)."""

from __future__ import annotations

from typing import Any

from billing.access import contract_for
from billing.entities import ContractContact, PendingAction, PortalUser
from billing.errors import InvalidInput, NoChange, NotAContact, NotFound, UserAlreadyExists
from billing.operations.base import Ctx, Operation, Proposal, new_id, queue_mail
from billing.rules.fields import clean_email, clean_text
from billing.rules.users import check_removal, clean_contract_ids


def _contracts(ctx: Ctx, contract_ids: list[str]) -> None:
    """Every contract must be one the acting user can access (NotFound names the first that is not)."""
    for cid in contract_ids:
        contract_for(ctx.repo, ctx.user, cid)


def _target(ctx: Ctx, email: str) -> PortalUser:
    """A user of the granter's own account; other customers' users look unknown (no probing, no leak)."""
    user = ctx.repo.get(PortalUser, email)
    if user is None or user.account_id != ctx.user.account_id:
        raise NotFound("portal user", email)
    if user.reseller:
        raise InvalidInput("email", email, "partners and resellers cannot be given portal access")
    return user


def _contacts_of(ctx: Ctx, email: str, contract_ids: list[str]) -> list[ContractContact]:
    return ctx.repo.find(ContractContact, email=email, contract_id=contract_ids)


# --- invite a new user -----------------------------------------------------------------------


def clean_add(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": clean_text(str(args.get("name") or ""), "name", max_len=100),
        "email": clean_email(str(args.get("email") or "")),
        "contract_ids": clean_contract_ids(args.get("contract_ids") or []),
    }


def _check_add(ctx: Ctx, args: dict[str, Any]) -> PortalUser | None:
    """The existing user with that e-mail, if any. Only a colleague (same account) is refused by name:
    whether an address signs in for *another* customer is none of the inviter's business, so that case
    is proposed and reported exactly like a new address."""
    _contracts(ctx, args["contract_ids"])
    existing = ctx.repo.get(PortalUser, args["email"])
    if existing is not None and existing.account_id == ctx.user.account_id:
        raise UserAlreadyExists(args["email"])
    return existing


def check_add(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    _check_add(ctx, args)
    return Proposal(
        f"Invite {args['name']} ({args['email']}) as a portal user with access to {', '.join(args['contract_ids'])}", {}
    )


def apply_add(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    contracts = ", ".join(args["contract_ids"])
    if _check_add(ctx, args) is not None:  # another customer's login: no access across accounts, only a note
        queue_mail(
            ctx,
            args["email"],
            "An invitation to the Billing Portal",
            f"{ctx.user.name} ({ctx.user.email}) invited this address to contract(s) {contracts} in the "
            "Billing Portal. It already signs in for another company, so access was not added; if it "
            "should be, contact Customer Service.",
            "invitation_existing_login",
            args["email"],
        )
    else:
        ctx.repo.add(PortalUser(args["email"], args["name"], ctx.user.account_id, False, ctx.clock.now()))
        for cid in args["contract_ids"]:
            ctx.repo.add(ContractContact(new_id("cc"), cid, args["email"], []))
        queue_mail(
            ctx,
            args["email"],
            "You have been invited to the Billing Portal",
            f"{ctx.user.name} gave you access to contract(s) {contracts} in the Billing Portal. Sign in "
            "with your Trailblazer account using this e-mail address.",
            "invitation",
            args["email"],
        )
    # The same result either way: it is shown to the inviter (and recorded in the audit log).
    return {"email": args["email"], "name": args["name"], "contract_ids": args["contract_ids"], "invited": True}


# --- grant an existing user access -----------------------------------------------------------


def clean_access(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "email": clean_email(str(args.get("email") or "")),
        "contract_ids": clean_contract_ids(args.get("contract_ids") or []),
    }


def _missing(ctx: Ctx, args: dict[str, Any]) -> list[str]:
    _contracts(ctx, args["contract_ids"])
    _target(ctx, args["email"])
    have = {c.contract_id for c in _contacts_of(ctx, args["email"], args["contract_ids"])}
    missing = [cid for cid in args["contract_ids"] if cid not in have]
    if not missing:
        raise NoChange(args["email"], f"they already have access to {', '.join(args['contract_ids'])}")
    return missing


def check_grant(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    missing = _missing(ctx, args)
    return Proposal(f"Give {args['email']} access to {', '.join(missing)}", {"contract_ids": missing})


def apply_grant(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    missing = _missing(ctx, args)
    for cid in missing:
        ctx.repo.add(ContractContact(new_id("cc"), cid, args["email"], []))
    queue_mail(
        ctx,
        args["email"],
        "You have new contracts in the Billing Portal",
        f"{ctx.user.name} gave you access to {', '.join(missing)}.",
        "access_granted",
        args["email"],
    )
    return {"email": args["email"], "granted": missing}


# --- remove access (one or several contracts) ------------------------------------------------


def _removable(ctx: Ctx, args: dict[str, Any]) -> list[ContractContact]:
    _contracts(ctx, args["contract_ids"])
    contacts = _contacts_of(ctx, args["email"], args["contract_ids"])
    lacking = sorted(set(args["contract_ids"]) - {c.contract_id for c in contacts})
    if lacking:
        raise NotAContact(args["email"], lacking)
    check_removal(contacts)
    return contacts


def check_remove(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    _removable(ctx, args)
    return Proposal(f"Remove {args['email']}'s access to {', '.join(args['contract_ids'])}", {})


def apply_remove(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    for contact in _removable(ctx, args):
        ctx.repo.delete(contact)
    queue_mail(
        ctx,
        args["email"],
        "Your Billing Portal access has changed",
        f"{ctx.user.name} removed your access to {', '.join(args['contract_ids'])} in the Billing Portal.",
        "access_removed",
        args["email"],
    )
    return {"email": args["email"], "removed": args["contract_ids"]}


ADD_PORTAL_USER = Operation("add_portal_user", clean_add, check_add, apply_add)
GRANT_CONTRACT_ACCESS = Operation("grant_contract_access", clean_access, check_grant, apply_grant)
REMOVE_CONTRACT_ACCESS = Operation("remove_contract_access", clean_access, check_remove, apply_remove)

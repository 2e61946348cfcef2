"""Manage Users: invite, grant access, remove access (single or bulk, all-or-nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from billing.access import contract_for
from billing.commands import AddPortalUser, ContractAccess, GrantContractAccess, RemoveContractAccess
from billing.entities import ContractContact, PendingAction, PortalUser
from billing.errors import InvalidInput, NoChange, NotAContact, NotFound, UserAlreadyExists
from billing.json_types import JsonObject, json_list
from billing.operations.base import Ctx, Operation, Proposal, new_id, queue_mail
from billing.rules.users import check_removal


def _contracts(ctx: Ctx, contract_ids: Sequence[str]) -> None:
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


def _contacts_of(ctx: Ctx, email: str, contract_ids: Sequence[str]) -> list[ContractContact]:
    return ctx.repo.find(ContractContact, email=email, contract_id=list(contract_ids))


# --- invite a new user -----------------------------------------------------------------------


def _check_add(ctx: Ctx, command: AddPortalUser) -> PortalUser | None:
    """The existing user with that e-mail, if any. Only a colleague (same account) is refused by name:
    whether an address signs in for *another* customer is none of the inviter's business, so that case
    is proposed and reported exactly like a new address."""
    _contracts(ctx, command.contract_ids)
    existing = ctx.repo.get(PortalUser, command.email)
    if existing is not None and existing.account_id == ctx.user.account_id:
        raise UserAlreadyExists(command.email)
    return existing


def check_add(ctx: Ctx, command: AddPortalUser) -> Proposal:
    _check_add(ctx, command)
    return Proposal(
        f"Invite {command.name} ({command.email}) as a portal user with access to {', '.join(command.contract_ids)}"
    )


def apply_add(ctx: Ctx, command: AddPortalUser, action: PendingAction) -> JsonObject:
    contracts = ", ".join(command.contract_ids)
    if _check_add(ctx, command) is not None:  # another customer's login: no access across accounts, only a note
        queue_mail(
            ctx,
            command.email,
            "An invitation to the Billing Portal",
            f"{ctx.user.name} ({ctx.user.email}) invited this address to contract(s) {contracts} in the "
            "Billing Portal. It already signs in for another company, so access was not added; if it "
            "should be, contact Customer Service.",
            "invitation_existing_login",
            command.email,
        )
    else:
        ctx.repo.add(PortalUser(command.email, command.name, ctx.user.account_id, False, ctx.clock.now()))
        for cid in command.contract_ids:
            ctx.repo.add(ContractContact(new_id("cc"), cid, command.email, []))
        queue_mail(
            ctx,
            command.email,
            "You have been invited to the Billing Portal",
            f"{ctx.user.name} gave you access to contract(s) {contracts} in the Billing Portal. Sign in "
            "with your Trailblazer account using this e-mail address.",
            "invitation",
            command.email,
        )
    # The same result either way: it is shown to the inviter (and recorded in the audit log).
    return {
        "email": command.email,
        "name": command.name,
        "contract_ids": json_list(command.contract_ids),
        "invited": True,
    }


# --- grant an existing user access -----------------------------------------------------------


def _missing(ctx: Ctx, command: ContractAccess) -> list[str]:
    _contracts(ctx, command.contract_ids)
    _target(ctx, command.email)
    have = {c.contract_id for c in _contacts_of(ctx, command.email, command.contract_ids)}
    missing = [cid for cid in command.contract_ids if cid not in have]
    if not missing:
        raise NoChange(command.email, f"they already have access to {', '.join(command.contract_ids)}")
    return missing


def check_grant(ctx: Ctx, command: GrantContractAccess) -> Proposal:
    missing = _missing(ctx, command)
    return Proposal(f"Give {command.email} access to {', '.join(missing)}", {"contract_ids": json_list(missing)})


def apply_grant(ctx: Ctx, command: GrantContractAccess, action: PendingAction) -> JsonObject:
    missing = _missing(ctx, command)
    for cid in missing:
        ctx.repo.add(ContractContact(new_id("cc"), cid, command.email, []))
    queue_mail(
        ctx,
        command.email,
        "You have new contracts in the Billing Portal",
        f"{ctx.user.name} gave you access to {', '.join(missing)}.",
        "access_granted",
        command.email,
    )
    return {"email": command.email, "granted": json_list(missing)}


# --- remove access (one or several contracts) ------------------------------------------------


def _removable(ctx: Ctx, command: ContractAccess) -> list[ContractContact]:
    _contracts(ctx, command.contract_ids)
    contacts = _contacts_of(ctx, command.email, command.contract_ids)
    lacking = sorted(set(command.contract_ids) - {c.contract_id for c in contacts})
    if lacking:
        raise NotAContact(command.email, lacking)
    check_removal(contacts)
    return contacts


def check_remove(ctx: Ctx, command: RemoveContractAccess) -> Proposal:
    _removable(ctx, command)
    return Proposal(f"Remove {command.email}'s access to {', '.join(command.contract_ids)}")


def apply_remove(ctx: Ctx, command: RemoveContractAccess, action: PendingAction) -> JsonObject:
    for contact in _removable(ctx, command):
        ctx.repo.delete(contact)
    queue_mail(
        ctx,
        command.email,
        "Your Billing Portal access has changed",
        f"{ctx.user.name} removed your access to {', '.join(command.contract_ids)} in the Billing Portal.",
        "access_removed",
        command.email,
    )
    return {"email": command.email, "removed": json_list(command.contract_ids)}


ADD_PORTAL_USER = Operation(AddPortalUser, check_add, apply_add)
GRANT_CONTRACT_ACCESS = Operation(GrantContractAccess, check_grant, apply_grant)
REMOVE_CONTRACT_ACCESS = Operation(RemoveContractAccess, check_remove, apply_remove)

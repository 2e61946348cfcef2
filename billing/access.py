"""Authorization: who may see which contract. Every read and write goes through here."""

from __future__ import annotations

from billing.entities import Contract, ContractContact, Invoice, PortalUser
from billing.errors import NoPortalAccess, NotFound, UnknownUser
from billing.ports import Repository
from billing.principal import Principal


def load_user(repo: Repository, principal: Principal) -> PortalUser:
    user = repo.get(PortalUser, principal.email)
    if user is None:
        raise UnknownUser(principal.email)
    return user


def require_billing_access(user: PortalUser) -> None:
    """Partners and resellers see no billing data at all."""
    if user.reseller:
        raise NoPortalAccess(user.email)


def accessible_contract_ids(repo: Repository, user: PortalUser) -> list[str]:
    """Contracts where the user is a billing contact, sorted."""
    require_billing_access(user)
    return sorted(c.contract_id for c in repo.find(ContractContact, email=user.email))


def contract_for(repo: Repository, user: PortalUser, contract_id: str, *, for_update: bool = False) -> Contract:
    """The contract if the user can access it; NotFound otherwise (unknown and not-yours look alike)."""
    require_billing_access(user)
    cid = contract_id.strip().upper()
    if not repo.find(ContractContact, email=user.email, contract_id=cid):
        raise NotFound("contract", cid)
    contract = repo.get(Contract, cid, for_update=for_update)
    if contract is None:
        raise NotFound("contract", cid)
    return contract


def invoice_for(
    repo: Repository, user: PortalUser, invoice_id: str, *, for_update: bool = False
) -> tuple[Invoice, Contract]:
    require_billing_access(user)
    iid = invoice_id.strip().upper()
    invoice = repo.get(Invoice, iid, for_update=for_update)
    if invoice is None or not repo.find(ContractContact, email=user.email, contract_id=invoice.contract_id):
        raise NotFound("invoice", iid)
    contract = repo.get(Contract, invoice.contract_id)
    assert contract is not None  # invoices always belong to a stored contract
    return invoice, contract

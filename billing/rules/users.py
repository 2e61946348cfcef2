"""Access management rules: removals never take away a protected role, and are all-or-nothing."""

from __future__ import annotations

from billing.entities import PROTECTED_ROLES, ContractContact
from billing.errors import InvalidInput, ProtectedRoleBlocker, ProtectedRoleRemoval
from billing.rules.fields import refuse_card_number


def clean_contract_ids(contract_ids: list[str] | str) -> list[str]:
    """Upper-case, de-duplicated, order kept; at least one."""
    if isinstance(contract_ids, str):
        contract_ids = [contract_ids]
    for cid in contract_ids:
        refuse_card_number(str(cid or ""), "contract_ids")
    ids = list(dict.fromkeys(c.strip().upper() for c in contract_ids if c and c.strip()))
    if not ids:
        raise InvalidInput("contract_ids", "", "name at least one contract, e.g. C-1001")
    return ids


def removal_blockers(contacts: list[ContractContact]) -> list[ProtectedRoleBlocker]:
    """Every protected role among the contacts that would be removed."""
    return [
        ProtectedRoleBlocker(c.email, c.contract_id, role)
        for c in contacts
        for role in c.roles
        if role in PROTECTED_ROLES
    ]


def check_removal(contacts: list[ContractContact]) -> None:
    blockers = removal_blockers(contacts)
    if blockers:
        raise ProtectedRoleRemoval(blockers)

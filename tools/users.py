"""Manage Users: who can see which contracts."""

from __future__ import annotations

from billing.commands import AddPortalUser, GrantContractAccess, RemoveContractAccess
from tools.base import PROPOSE, READ, ctx_of, portal_tool, propose, run_tool, to_json
from tools.context import Runtime


@portal_tool(READ)
def list_contract_users(contract_id: str, runtime: Runtime) -> str:
    """Who has access to a contract, and their roles ("you": the signed-in user)."""
    ctx = ctx_of(runtime)

    def do() -> str:
        users = ctx.billing.list_contract_users(ctx.principal, contract_id)
        # "remove me from C-1002": the signed-in user is marked, so "me" needs no guessed e-mail
        marked = [{**u.to_json(), "you": True} if u.email == ctx.principal.email else u.to_json() for u in users]
        return to_json({"contract_id": contract_id.upper(), "users": marked})

    return run_tool(runtime, "list_contract_users", {"contract_id": contract_id}, do)


@portal_tool(PROPOSE)
def add_portal_user(name: str, email: str, contract_ids: list[str], runtime: Runtime) -> str:
    """Propose inviting a new portal user to contracts."""
    return propose(runtime, AddPortalUser, {"name": name, "email": email, "contract_ids": contract_ids})


@portal_tool(PROPOSE)
def grant_contract_access(email: str, contract_ids: list[str], runtime: Runtime) -> str:
    """Propose giving an existing portal user access to contracts."""
    return propose(runtime, GrantContractAccess, {"email": email, "contract_ids": contract_ids})


@portal_tool(PROPOSE)
def remove_contract_access(email: str, contract_ids: list[str], runtime: Runtime) -> str:
    """Propose removing a user from contracts."""
    return propose(runtime, RemoveContractAccess, {"email": email, "contract_ids": contract_ids})

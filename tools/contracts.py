"""Contracts: billing address, billing contact, card on file, auto-renewal, signed quote."""

from __future__ import annotations

from dataclasses import asdict

from billing.commands import DisableAutoRenew, UpdateBillingAddress, UpdateBillingContact
from billing.errors import CardNotAllowed
from tools.base import PROPOSE, READ, ctx_of, portal_tool, propose, run_tool, to_json
from tools.context import Runtime


@portal_tool(READ)
def list_contracts(runtime: Runtime) -> str:
    """The user's contracts: status, renewal, end date, card, billing address and contact."""
    ctx = ctx_of(runtime)
    return run_tool(
        runtime,
        "list_contracts",
        {},
        lambda: to_json({"contracts": [c.to_json() for c in ctx.billing.list_contracts(ctx.principal)]}),
    )


@portal_tool(READ)
def get_contract(contract_id: str, runtime: Runtime) -> str:
    """One contract (e.g. C-1001)."""
    ctx = ctx_of(runtime)
    return run_tool(
        runtime,
        "get_contract",
        {"contract_id": contract_id},
        lambda: to_json(ctx.billing.get_contract(ctx.principal, contract_id).to_json()),
    )


@portal_tool(READ)
def signed_quote_link(contract_id: str, runtime: Runtime) -> str:
    """Download link to a contract's signed quote."""
    ctx = ctx_of(runtime)

    def do() -> str:
        quote = ctx.billing.get_signed_quote(ctx.principal, contract_id)
        url = ctx.links.path("signed_quote", quote.contract_id, ctx.principal.email)
        ctx.turn.links.append({"title": f"{quote.id} (signed quote).pdf", "url": url})
        return to_json({"ok": True, "quote": quote.to_json(), "url": url})

    return run_tool(runtime, "signed_quote_link", {"contract_id": contract_id}, do)


@portal_tool(PROPOSE)
def update_billing_address(
    contract_id: str,
    runtime: Runtime,
    line1: str | None = None,
    line2: str | None = None,
    city: str | None = None,
    region: str | None = None,
    postal_code: str | None = None,
    country: str | None = None,
) -> str:
    """Propose a new billing address: only the parts that change; the country cannot change."""
    fields = {
        "line1": line1,
        "line2": line2,
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": country,
    }
    return propose(
        runtime,
        UpdateBillingAddress,
        {"contract_id": contract_id, **{k: v for k, v in fields.items() if v is not None}},
    )


@portal_tool(PROPOSE)
def update_billing_contact(
    contract_id: str, runtime: Runtime, name: str | None = None, email: str | None = None, phone: str | None = None
) -> str:
    """Propose a new billing contact name, e-mail or phone."""
    fields = {"name": name, "email": email, "phone": phone}
    return propose(
        runtime,
        UpdateBillingContact,
        {"contract_id": contract_id, **{k: v for k, v in fields.items() if v is not None}},
    )


@portal_tool(READ)
def card_update_form(contract_id: str, runtime: Runtime) -> str:
    """Link to the secure form that replaces a contract's card. Never take card numbers in chat."""
    ctx = ctx_of(runtime)

    def do() -> str:
        contract = ctx.billing.get_contract(ctx.principal, contract_id)
        if not contract.card_allowed:
            raise CardNotAllowed(contract.id)
        url = ctx.links.path("card_form", contract.id, ctx.principal.email)
        ctx.turn.links.append({"title": f"Update the card on {contract.id}", "url": url, "kind": "card_form"})
        card = asdict(contract.card) if contract.card else None
        return to_json({"ok": True, "contract_id": contract.id, "url": url, "current_card": card})

    return run_tool(runtime, "card_update_form", {"contract_id": contract_id}, do)


@portal_tool(PROPOSE)
def disable_auto_renew(contract_id: str, runtime: Runtime) -> str:
    """Propose turning off a contract's auto-renewal."""
    return propose(runtime, DisableAutoRenew, {"contract_id": contract_id})

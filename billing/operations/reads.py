"""Reads, authorized exactly like writes: only contracts where the user is a billing contact."""

from __future__ import annotations

from billing.access import accessible_contract_ids, contract_for, invoice_for
from billing.entities import (
    OPEN_INTENT_STATES,
    Account,
    Contract,
    ContractContact,
    Invoice,
    Payment,
    PaymentIntent,
    PortalUser,
    SignedQuote,
)
from billing.errors import NotFound
from billing.operations.base import Ctx
from billing.views import ContractUserView, ContractView, InvoiceView, MeView, QuoteView


def me(ctx: Ctx) -> MeView:
    contract_ids = [] if ctx.user.reseller else accessible_contract_ids(ctx.repo, ctx.user)
    return MeView.of(ctx.user, ctx.repo.get(Account, ctx.user.account_id), contract_ids)


def list_contracts(ctx: Ctx) -> list[ContractView]:
    ids = accessible_contract_ids(ctx.repo, ctx.user)
    contracts = sorted(ctx.repo.find(Contract, id=ids), key=lambda c: c.id) if ids else []
    return [ContractView.of(c, ctx.today) for c in contracts]


def get_contract(ctx: Ctx, contract_id: str) -> ContractView:
    return ContractView.of(contract_for(ctx.repo, ctx.user, contract_id), ctx.today)


def list_contract_users(ctx: Ctx, contract_id: str) -> list[ContractUserView]:
    contract = contract_for(ctx.repo, ctx.user, contract_id)
    contacts = sorted(ctx.repo.find(ContractContact, contract_id=contract.id), key=lambda c: c.email)
    users = {u.email: u for u in ctx.repo.find(PortalUser, email=[c.email for c in contacts])} if contacts else {}
    return [ContractUserView.of(c, users.get(c.email)) for c in contacts]


def list_invoices(ctx: Ctx, contract_id: str | None = None, status: str | None = None) -> list[InvoiceView]:
    """Invoices of the user's contracts (or one of them), newest due date first; `status` as shown."""
    if contract_id:
        ids = [contract_for(ctx.repo, ctx.user, contract_id).id]
    else:
        ids = accessible_contract_ids(ctx.repo, ctx.user)
    if not ids:
        return []
    views = _views(ctx, ctx.repo.find(Invoice, contract_id=ids), {c.id: c for c in ctx.repo.find(Contract, id=ids)})
    if status:
        views = [v for v in views if v.status == status.lower()]
    return sorted(views, key=lambda v: (v.invoice.due_date, v.invoice.id), reverse=True)


def get_invoice(ctx: Ctx, invoice_id: str) -> InvoiceView:
    invoice, contract = invoice_for(ctx.repo, ctx.user, invoice_id)
    return _views(ctx, [invoice], {contract.id: contract})[0]


def get_signed_quote(ctx: Ctx, contract_id: str) -> QuoteView:
    contract = contract_for(ctx.repo, ctx.user, contract_id)
    quotes = ctx.repo.find(SignedQuote, contract_id=contract.id)
    if not quotes:
        raise NotFound("signed quote for", contract.id)
    return QuoteView(max(quotes, key=lambda q: q.signed_on))


def _views(ctx: Ctx, invoices: list[Invoice], contracts: dict[str, Contract]) -> list[InvoiceView]:
    """One query for processing payments and one for payments in progress, not one per invoice."""
    ids = [i.id for i in invoices]
    if not ids:
        return []
    processing = {p.invoice_id for p in ctx.repo.find(Payment, invoice_id=ids, status="processing")}
    in_progress = {p.invoice_id for p in ctx.repo.find(PaymentIntent, invoice_id=ids, state=list(OPEN_INTENT_STATES))}
    return [
        InvoiceView.of(i, contracts[i.contract_id], ctx.today, i.id in processing, i.id in in_progress)
        for i in invoices
    ]

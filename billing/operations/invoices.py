"""PO number on an invoice."""

from __future__ import annotations

from typing import Any

from billing.access import invoice_for
from billing.entities import PendingAction
from billing.operations.base import Ctx, Operation, Proposal, queue_mail, require_id
from billing.rules.po import check_po_change, normalize_po


def clean(args: dict[str, Any]) -> dict[str, Any]:
    return {"invoice_id": require_id(args, "invoice_id"), "po_number": normalize_po(str(args.get("po_number") or ""))}


def check(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    invoice, _ = invoice_for(ctx.repo, ctx.user, args["invoice_id"])
    check_po_change(invoice, args["po_number"])
    was = f' (currently "{invoice.po_number}")' if invoice.po_number else " (currently none)"
    return Proposal(f'Set the PO number of {invoice.id} to "{args["po_number"]}"{was}', {})


def apply(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    invoice, contract = invoice_for(ctx.repo, ctx.user, args["invoice_id"], for_update=True)
    check_po_change(invoice, args["po_number"])
    previous, invoice.po_number = invoice.po_number, args["po_number"]
    ctx.repo.update(invoice)
    queue_mail(
        ctx,
        contract.billing_contact.email,
        f"PO number changed on {invoice.id}",
        f'The PO number of {invoice.id} was changed from "{previous}" to "{invoice.po_number}" in the '
        f"Billing Portal by {ctx.user.name} ({ctx.user.email}).",
        "po_changed",
        invoice.id,
    )
    return {"invoice_id": invoice.id, "po_number": invoice.po_number, "previous_po_number": previous}


UPDATE_PO_NUMBER = Operation("update_po_number", clean, check, apply)

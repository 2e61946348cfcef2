"""PO number on an invoice."""

from __future__ import annotations

from billing.access import invoice_for
from billing.commands import UpdatePoNumber
from billing.entities import PendingAction
from billing.json_types import JsonObject
from billing.operations.base import Ctx, Operation, Proposal, queue_mail
from billing.rules.po import check_po_change


def check(ctx: Ctx, command: UpdatePoNumber) -> Proposal:
    invoice, _ = invoice_for(ctx.repo, ctx.user, command.invoice_id)
    check_po_change(invoice, command.po_number)
    was = f' (currently "{invoice.po_number}")' if invoice.po_number else " (currently none)"
    return Proposal(f'Set the PO number of {invoice.id} to "{command.po_number}"{was}')


def apply(ctx: Ctx, command: UpdatePoNumber, action: PendingAction) -> JsonObject:
    invoice, contract = invoice_for(ctx.repo, ctx.user, command.invoice_id, for_update=True)
    check_po_change(invoice, command.po_number)
    previous, invoice.po_number = invoice.po_number, command.po_number
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


UPDATE_PO_NUMBER = Operation(UpdatePoNumber, check, apply)

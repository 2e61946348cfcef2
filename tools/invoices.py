"""Invoices: list, show, download, and the PO number."""

from __future__ import annotations

from billing.commands import UpdatePoNumber
from tools.base import PROPOSE, READ, ctx_of, portal_tool, propose, run_tool, to_json
from tools.context import Runtime

MAX_LISTED = 20


@portal_tool(READ)
def list_invoices(runtime: Runtime, contract_id: str | None = None, status: str | None = None) -> str:
    """The user's invoices, optionally of one contract or status (open, overdue, processing, paid)."""
    ctx = ctx_of(runtime)

    def do() -> str:
        invoices = ctx.billing.list_invoices(ctx.principal, contract_id, status)
        shown = [i.to_json() for i in invoices[:MAX_LISTED]]  # a model's context is not a database export
        more = (
            {"more": len(invoices) - len(shown), "note": "Ask for a contract or a status to narrow the list."}
            if len(invoices) > len(shown)
            else {}
        )
        return to_json({"invoices": shown, "total": len(invoices), **more})

    return run_tool(runtime, "list_invoices", {"contract_id": contract_id, "status": status}, do)


@portal_tool(READ)
def get_invoice(invoice_id: str, runtime: Runtime) -> str:
    """One invoice (e.g. INV-1001), and whether it can be paid by card now."""
    ctx = ctx_of(runtime)
    return run_tool(
        runtime,
        "get_invoice",
        {"invoice_id": invoice_id},
        lambda: to_json(ctx.billing.get_invoice(ctx.principal, invoice_id).to_json()),
    )


@portal_tool(READ)
def invoice_pdf_link(invoice_id: str, runtime: Runtime) -> str:
    """Download link to an invoice PDF (a snapshot: later payments are not on it)."""
    ctx = ctx_of(runtime)

    def do() -> str:
        invoice = ctx.billing.get_invoice(ctx.principal, invoice_id)
        url = ctx.links.path("invoice_pdf", invoice.id, ctx.principal.email)
        ctx.turn.links.append({"title": f"{invoice.id}.pdf", "url": url})
        return to_json(
            {
                "ok": True,
                "invoice_id": invoice.id,
                "contract_id": invoice.contract_id,
                "url": url,
                "expires_in_minutes": ctx.links.ttl_seconds // 60,
                "note": "The PDF does not reflect later payments.",
            }
        )

    return run_tool(runtime, "invoice_pdf_link", {"invoice_id": invoice_id}, do)


@portal_tool(PROPOSE)
def update_po_number(invoice_id: str, po_number: str, runtime: Runtime) -> str:
    """Propose a new PO number for an invoice."""
    return propose(runtime, UpdatePoNumber, {"invoice_id": invoice_id, "po_number": po_number})

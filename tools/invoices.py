"""Invoices: list, show, download, and the PO number."""
from __future__ import annotations

from tools.context import Runtime

from tools.base import READ, WRITE, ctx_of, portal_tool, propose, run_tool, to_json


MAX_LISTED = 20


@portal_tool(READ)
def list_invoices(runtime: Runtime, contract_id: str | None = None,
                  status: str | None = None) -> str:
    """List the user's invoices, newest due date first, optionally for one contract (e.g. C-1001) or
    one status (open, overdue, processing, paid, void). Each shows amount, balance, due date, PO and
    whether it can be paid by card now (payable / not_payable_reason)."""
    ctx = ctx_of(runtime)

    def do() -> str:
        invoices = ctx.billing.list_invoices(ctx.principal, contract_id, status)
        shown = invoices[:MAX_LISTED]  # a model's context is not a database export
        more = {"more": len(invoices) - len(shown), "note": "Ask for a contract or a status to narrow the list."} \
            if len(invoices) > len(shown) else {}
        return to_json({"invoices": shown, "total": len(invoices), **more})

    return run_tool(runtime, "list_invoices", {"contract_id": contract_id, "status": status}, do)


@portal_tool(READ)
def get_invoice(invoice_id: str, runtime: Runtime) -> str:
    """Show one invoice (e.g. INV-1001): status, amount, balance, currency, due date, PO number,
    dispute flag and whether Pay Now is available (with the reason if not)."""
    ctx = ctx_of(runtime)
    return run_tool(runtime, "get_invoice", {"invoice_id": invoice_id},
                    lambda: to_json(ctx.billing.get_invoice(ctx.principal, invoice_id)))


@portal_tool(READ)
def invoice_pdf_link(invoice_id: str, runtime: Runtime) -> str:
    """A short-lived download link to an invoice PDF. The PDF is not a live document: it does not
    show payments made after it was issued (the Invoices page shows the current balance)."""
    ctx = ctx_of(runtime)

    def do() -> str:
        invoice = ctx.billing.get_invoice(ctx.principal, invoice_id)
        url = ctx.links.path("invoice_pdf", invoice["id"], ctx.principal.email)
        ctx.turn.links.append({"title": f"{invoice['id']}.pdf", "url": url})
        return to_json({"ok": True, "invoice_id": invoice["id"], "contract_id": invoice["contract_id"], "url": url,
                        "expires_in_minutes":
                        ctx.links.ttl_seconds // 60, "note": "The PDF does not reflect later payments."})

    return run_tool(runtime, "invoice_pdf_link", {"invoice_id": invoice_id}, do)


@portal_tool(WRITE)
def update_po_number(invoice_id: str, po_number: str, runtime: Runtime) -> str:
    """Propose setting the purchase-order (PO) number of an invoice. Not allowed on paid or void
    invoices; 1-40 letters, digits, spaces, '-', '_' or '/'. Only proposes: the user must confirm."""
    return propose(runtime, "update_po_number", {"invoice_id": invoice_id, "po_number": po_number})

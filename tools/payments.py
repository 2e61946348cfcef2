"""Pay Now by card."""

from __future__ import annotations

from billing.commands import PayInvoice
from tools.base import PROPOSE, portal_tool, propose
from tools.context import Runtime


@portal_tool(PROPOSE)
def pay_invoice(invoice_id: str, runtime: Runtime) -> str:
    """Propose paying an invoice in full with the contract's card on file."""
    return propose(runtime, PayInvoice, {"invoice_id": invoice_id})

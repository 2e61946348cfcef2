"""Pay Now by card."""
from __future__ import annotations

from tools.context import Runtime

from tools.base import WRITE, portal_tool, propose


@portal_tool(WRITE)
def pay_invoice(invoice_id: str, runtime: Runtime) -> str:
    """Propose paying the full balance of an invoice with the contract's card on file. The domain
    checks eligibility (status, balance, dispute, currency, 50,000 limit, card on file) and explains
    any refusal. Only proposes: nothing is charged until the user confirms."""
    return propose(runtime, "pay_invoice", {"invoice_id": invoice_id})

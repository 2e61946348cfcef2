"""Purchase-order number rules."""

from __future__ import annotations

import re

from billing.entities import Invoice, InvoiceStatus
from billing.errors import InvalidInput, InvoiceNotEditable, NoChange
from billing.rules.fields import refuse_card_number

PO_PATTERN = re.compile(r"[A-Za-z0-9 _/\-]{1,40}")


def normalize_po(value: str) -> str:
    """Trim and validate: 1-40 letters, digits, spaces, `-`, `_` or `/`, and never a card number."""
    refuse_card_number(value or "", "po_number")
    po = (value or "").strip()
    if not po:
        raise InvalidInput("po_number", value or "", "it must not be empty")
    if len(po) > 40:
        raise InvalidInput("po_number", po, "it must be at most 40 characters")
    if not PO_PATTERN.fullmatch(po):
        raise InvalidInput("po_number", po, "only letters, digits, spaces, '-', '_' and '/' are allowed")
    return po


def check_po_change(invoice: Invoice, po: str) -> None:
    """Paid and void invoices keep their PO; setting the same PO is not a change."""
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.VOID):
        raise InvoiceNotEditable(invoice.id, invoice.status.value)
    if invoice.po_number == po:
        raise NoChange(invoice.id, f"the PO number is already {po}")

"""Invoice and signed-quote PDFs, rendered with fpdf2 from the domain's read models.

The invoice PDF is a copy of the invoice as issued, not a live document: it says so, and it does
not show payments made later (the Invoices page and the API show the current balance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from fpdf import FPDF

NOT_LIVE_NOTE = (
    "This PDF is a copy of the invoice as issued. It is not a live document: it does not show "
    "payments made after it was issued. The Invoices page of the Billing Portal shows the current "
    "balance and status."
)


def _latin1(value: object) -> str:
    """The core PDF fonts are Latin-1; replace the few typographic characters we might meet."""
    text = str(value if value is not None else "")
    for a, b in {
        "\u2014": "-",
        "\u2013": "-",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2022": "*",
        "\u20ac": "EUR ",
        "\u2026": "...",
    }.items():
        text = text.replace(a, b)
    return text.encode("latin-1", "replace").decode("latin-1")


def _money(currency: str, amount: str) -> str:
    return f"{currency} {float(amount):,.2f}"


class _Doc(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(_latin1(title))
        self.set_author("Billing Portal")
        self.set_creator("Portal Agent")
        self.set_auto_page_break(True, margin=18)
        self.add_page()

    def heading(self, text: str, size: int = 18) -> None:
        self.set_font("helvetica", "B", size)
        self.cell(0, 10, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str, size: int = 10, style: str = "") -> None:
        self.set_font("helvetica", style, size)
        self.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def rows(self, rows: Iterable[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font("helvetica", "B", 10)
            self.cell(55, 7, _latin1(label))
            self.set_font("helvetica", "", 10)
            self.multi_cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", "I", 8)
        self.cell(0, 8, f"Page {self.page_no()}", align="C")


def _address(contract: dict[str, Any]) -> str:
    a = contract.get("billing_address") or {}
    parts = [
        a.get("line1"),
        a.get("line2"),
        " ".join(p for p in (a.get("postal_code"), a.get("city")) if p),
        a.get("region"),
        a.get("country"),
    ]
    return ", ".join(p for p in parts if p)


def invoice_pdf(invoice: dict[str, Any], contract: dict[str, Any], account_name: str, generated: dt.datetime) -> bytes:
    doc = _Doc(f"Invoice {invoice['id']}")
    doc.heading(f"Invoice {invoice['id']}")
    doc.para(account_name or contract.get("account_id", ""), 11, "B")
    contact = contract.get("billing_contact") or {}
    doc.rows(
        [
            ("Contract", invoice["contract_id"]),
            ("Bill to", f"{contact.get('name', '')}, {contact.get('email', '')}"),
            ("Billing address", _address(contract)),
            ("Issue date", invoice.get("issue_date", "")),
            ("Due date", invoice["due_date"]),
            ("PO number", invoice.get("po_number") or "-"),
            ("Amount", _money(invoice["currency"], invoice["amount"])),
        ]
    )
    doc.heading("Payment instructions", 12)
    doc.para(
        f"Pay by wire transfer or ACH, quoting {invoice['id']} as the payment reference. Eligible invoices "
        "can also be paid by card with Pay Now in the Billing Portal. (Demo data: no real bank details.)"
    )
    doc.heading("Important", 12)
    doc.para(NOT_LIVE_NOTE, 10, "B")
    doc.para(f"Generated {generated.strftime('%Y-%m-%d %H:%M UTC')} by the Billing Portal.", 8, "I")
    return bytes(doc.output())


def signed_quote_pdf(
    quote: dict[str, Any], contract: dict[str, Any], account_name: str, generated: dt.datetime
) -> bytes:
    doc = _Doc(f"Signed quote {quote['id']}")
    doc.heading(f"Signed quote {quote['id']}")
    doc.para(account_name or contract.get("account_id", ""), 11, "B")
    doc.rows(
        [
            ("Contract", quote["contract_id"]),
            ("Title", quote.get("title", "")),
            ("Signed on", quote.get("signed_on", "")),
            ("Signed by", quote.get("signed_by", "")),
            ("Total", _money(quote["currency"], quote["total"])),
            ("Billing address", _address(contract)),
        ]
    )
    doc.para("This is a copy of the quote as signed. Questions about its terms go to your Account Executive.")
    doc.para(f"Generated {generated.strftime('%Y-%m-%d %H:%M UTC')} by the Billing Portal.", 8, "I")
    return bytes(doc.output())

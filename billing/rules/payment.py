"""Pay Now eligibility: pure functions over an invoice and its contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from billing.entities import Contract, Invoice, InvoiceStatus
from billing.errors import InvoiceNotPayable
from billing.money import format_money

SUPPORTED_CURRENCIES = frozenset({"USD", "EUR", "GBP", "CAD", "AUD"})
CARD_LIMIT = Decimal("50000.00")
SETTLEMENT_HOURS = 24


def status_on(invoice: Invoice, today: dt.date) -> InvoiceStatus:
    """The status a person sees: an open invoice past its due date is overdue."""
    if invoice.status == InvoiceStatus.OPEN and invoice.due_date < today:
        return InvoiceStatus.OVERDUE
    return invoice.status


# Reasons that mean "a payment is already under way": the invoice must not be paid another way meanwhile.
PAYMENT_UNDER_WAY = frozenset({"payment_in_progress", "payment_processing"})


def not_payable_reason(
    invoice: Invoice, contract: Contract, today: dt.date, payment_processing: bool, payment_in_progress: bool = False
) -> tuple[str, str] | None:
    """First reason the invoice cannot be paid by card, as (code, explanation); None if payable.

    `payment_in_progress`: a confirmed card payment whose outcome the gateway has not yet given."""
    status = status_on(invoice, today)
    checks: list[tuple[bool, str, str]] = [
        (status == InvoiceStatus.PAID, "already_paid", "it is already paid."),
        (status == InvoiceStatus.VOID, "void", "it has been voided."),
        (
            payment_in_progress,
            "payment_in_progress",
            "a card payment for it is being confirmed with the payment service. Please do not pay it another way "
            "meanwhile: it shows as processing once the payment is confirmed, or can be paid again if it did not "
            "go through.",
        ),
        (
            status == InvoiceStatus.PROCESSING or payment_processing,
            "payment_processing",
            "a payment for it is already processing (allow up to 24 hours for it to show as paid).",
        ),
        (invoice.balance <= 0, "no_balance", "it has no balance left to pay."),
        (invoice.disputed, "disputed", "it is under dispute."),
        (
            invoice.currency not in SUPPORTED_CURRENCIES,
            "unsupported_currency",
            f"card payments are accepted only in {', '.join(sorted(SUPPORTED_CURRENCIES))}.",
        ),
        (
            invoice.balance > CARD_LIMIT,
            "over_card_limit",
            f"its balance of {format_money(invoice.currency, invoice.balance)} is over the card payment limit "
            f"of {format_money(invoice.currency, CARD_LIMIT)}.",
        ),
        (
            not contract.card_allowed,
            "card_not_allowed",
            f"contract {contract.id} is paid by invoice or wire transfer, not by card.",
        ),
        (contract.card is None, "no_card_on_file", f"contract {contract.id} has no credit card on file."),
    ]
    for failed, code, detail in checks:
        if failed:
            return code, detail
    return None


def check_payable(
    invoice: Invoice, contract: Contract, today: dt.date, payment_processing: bool, payment_in_progress: bool = False
) -> None:
    """Raise `InvoiceNotPayable` with the first reason, if any."""
    reason = not_payable_reason(invoice, contract, today, payment_processing, payment_in_progress)
    if reason:
        raise InvoiceNotPayable(invoice.id, reason[0], reason[1])


def overdue_balance(invoices: list[Invoice], today: dt.date) -> Decimal:
    """What the account still owes on overdue invoices; processing and paid invoices are covered."""
    return sum((i.balance for i in invoices if status_on(i, today) == InvoiceStatus.OVERDUE), Decimal("0"))

"""Settlement job: processing payments become paid after the settlement delay."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from billing.entities import AuditEntry, Invoice, InvoiceStatus, Payment
from billing.money import to_amount
from billing.operations.base import new_id
from billing.operations.payment_outcome import unsuspend_if_covered
from billing.ports import Repository


@dataclass
class SettlementReport:
    settled: list[str] = field(default_factory=list)  # invoice ids now paid
    unsuspended: list[str] = field(default_factory=list)  # account ids


def settle_due(repo: Repository, now: dt.datetime, today: dt.date, *, everything: bool = False) -> SettlementReport:
    """Settle payments whose time has come (or all of them, `everything`, as a gateway batch would)."""
    report = SettlementReport()
    for payment in repo.find(Payment, status="processing"):
        if everything or payment.settles_at <= now:
            _settle(repo, payment, now)
            report.settled.append(payment.invoice_id)
            if unsuspend_if_covered(repo, payment.account_id, today):
                report.unsuspended.append(payment.account_id)
    return report


def _settle(repo: Repository, payment: Payment, now: dt.datetime) -> None:
    payment.status, payment.settled_at = "settled", now
    repo.update(payment)
    invoice = repo.get(Invoice, payment.invoice_id, for_update=True)
    if invoice is not None:
        invoice.balance = to_amount(max(invoice.balance - payment.amount, 0))
        invoice.status = InvoiceStatus.PAID if invoice.balance == 0 else InvoiceStatus.OPEN
        repo.update(invoice)
    repo.add(AuditEntry(new_id("aud"), now, "system", "job", "", "settle_payment",
                        {"payment_id": payment.id, "invoice_id": payment.invoice_id}, "executed",
                        {"confirmation_number": payment.confirmation_number}))

"""Settlement job: a processing payment becomes paid once the gateway reports its charge settled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from billing.entities import AuditEntry, Invoice, InvoiceStatus, Payment
from billing.money import to_amount
from billing.operations.base import new_id
from billing.operations.payment_outcome import unsuspend_if_covered
from billing.ports import ChargeRecord, Repository


@dataclass
class SettlementReport:
    settled: list[str] = field(default_factory=list)  # invoice ids now paid
    unsuspended: list[str] = field(default_factory=list)  # account ids
    mismatched: list[str] = field(default_factory=list)  # payment ids the gateway settled for another amount


def settle_reported(
    repo: Repository, settled: list[ChargeRecord], now: dt.datetime, today: dt.date
) -> SettlementReport:
    """Settle the processing payments whose charges the gateway reports settled, for the same amount."""
    report = SettlementReport()
    by_charge = {r.charge_id: r for r in settled if r.settled_at is not None}
    for payment in repo.find(Payment, status="processing"):
        record = by_charge.get(payment.gateway_charge_id)
        if record is None:
            continue
        if (record.amount, record.currency) != (payment.amount, payment.currency):
            report.mismatched.append(payment.id)  # money that does not match is left for a person to look at
            continue
        assert record.settled_at is not None
        # The find above did not lock: another settlement run (a job on another host, `portal-agent settle`)
        # may have settled this payment since. Locked and read again, it is settled by one run only.
        current = repo.get(Payment, payment.id, for_update=True)
        if current is None or current.status != "processing":
            continue
        _settle(repo, current, record.settled_at, now)
        report.settled.append(current.invoice_id)
        if unsuspend_if_covered(repo, current.account_id, today):
            report.unsuspended.append(current.account_id)
    return report


def _settle(repo: Repository, payment: Payment, settled_at: dt.datetime, now: dt.datetime) -> None:
    payment.status, payment.settled_at = "settled", settled_at
    repo.update(payment)
    invoice = repo.get(Invoice, payment.invoice_id, for_update=True)
    if invoice is not None:
        invoice.balance = to_amount(max(invoice.balance - payment.amount, Decimal(0)))
        invoice.status = InvoiceStatus.PAID if invoice.balance == 0 else InvoiceStatus.OPEN
        repo.update(invoice)
    repo.add(
        AuditEntry(
            new_id("aud"),
            now,
            "system",
            "job",
            "",
            "settle_payment",
            {"payment_id": payment.id, "invoice_id": payment.invoice_id},
            "executed",
            {"confirmation_number": payment.confirmation_number},
        )
    )

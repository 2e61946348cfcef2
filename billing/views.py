"""Read models: what a person may see, in the JSON shapes of SPEC section 4 (money as strings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from billing.entities import Account, Contract, ContractContact, Invoice, PortalUser, SignedQuote
from billing.errors import AutoRenewNotEligible
from billing.money import amount_str
from billing.rules.autorenew import auto_renew_off_reason
from billing.rules.payment import not_payable_reason, status_on


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    status: str
    payable: bool
    not_payable_reason: str | None
    not_payable_detail: str | None
    days_to_due: int = 0  # negative once overdue ("the one due in 15 days")

    @classmethod
    def of(
        cls,
        invoice: Invoice,
        contract: Contract,
        today: dt.date,
        payment_processing: bool,
        payment_in_progress: bool = False,
    ) -> InvoiceView:
        reason = not_payable_reason(invoice, contract, today, payment_processing, payment_in_progress)
        return cls(
            invoice,
            status_on(invoice, today).value,
            reason is None,
            reason[0] if reason else None,
            reason[1] if reason else None,
            (invoice.due_date - today).days,
        )

    def to_dict(self) -> dict[str, Any]:
        i = self.invoice
        return {
            "id": i.id,
            "contract_id": i.contract_id,
            "status": self.status,
            "amount": amount_str(i.amount),
            "balance": amount_str(i.balance),
            "currency": i.currency,
            "issue_date": i.issue_date.isoformat(),
            "due_date": i.due_date.isoformat(),
            "po_number": i.po_number,
            "disputed": i.disputed,
            "payable": self.payable,
            "not_payable_reason": self.not_payable_reason,
            "not_payable_detail": self.not_payable_detail,
            "days_to_due": self.days_to_due,
        }


def contract_dict(contract: Contract, today: dt.date) -> dict[str, Any]:
    """Contract shape; the card shows brand and last four only, never the token."""
    c = contract
    off = auto_renew_off_reason(c, today)
    return {
        "id": c.id,
        "account_id": c.account_id,
        "status": c.status.value,
        "auto_renew": c.auto_renew,
        "end_date": c.end_date.isoformat(),
        "days_to_end": (c.end_date - today).days,
        "currency": c.currency,
        "card_allowed": c.card_allowed,
        "billing_address": asdict(c.billing_address),
        "billing_contact": asdict(c.billing_contact),
        "card": {"brand": c.card.brand, "last4": c.card.last4} if c.card else None,
        # Whether auto-renewal can be turned off today, and why not (the rule's own explanation).
        "auto_renew_off_reason": off,
        "auto_renew_off_detail": AutoRenewNotEligible(c.id, off, (c.end_date - today).days).message if off else None,
    }


def contact_dict(contact: ContractContact, user: PortalUser | None) -> dict[str, Any]:
    return {"email": contact.email, "name": user.name if user else "", "roles": list(contact.roles)}


def me_dict(user: PortalUser, account: Account | None, contract_ids: list[str]) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "account_id": user.account_id,
        "account_name": account.name if account else "",
        "account_status": account.status.value if account else "",
        "reseller": user.reseller,
        "contracts": contract_ids,
    }


def quote_dict(quote: SignedQuote) -> dict[str, Any]:
    return {
        "id": quote.id,
        "contract_id": quote.contract_id,
        "title": quote.title,
        "signed_on": quote.signed_on.isoformat(),
        "signed_by": quote.signed_by,
        "total": amount_str(quote.total),
        "currency": quote.currency,
    }

"""Read models: what a person may see. Typed here; `to_json` gives the JSON shapes of SPEC section 4
(money as strings, dates in ISO form), called by the edges (tools, API, CLI) when they send a view."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from billing.entities import Account, Address, Contact, Contract, ContractContact, Invoice, PortalUser, SignedQuote
from billing.errors import AutoRenewNotEligible
from billing.json_types import JsonObject, json_list
from billing.money import amount_str
from billing.rules.autorenew import auto_renew_off_reason
from billing.rules.payment import not_payable_reason, status_on


@dataclass(frozen=True)
class InvoiceView:
    """An invoice as its reader sees it today: its shown status and whether Pay Now is possible."""

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

    @property
    def id(self) -> str:
        return self.invoice.id

    @property
    def contract_id(self) -> str:
        return self.invoice.contract_id

    def to_json(self) -> JsonObject:
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


@dataclass(frozen=True)
class CardView:
    """The card on file as shown: brand and last four only, never the token."""

    brand: str
    last4: str


@dataclass(frozen=True)
class ContractView:
    """A contract as its billing contacts see it, with whether auto-renewal can be turned off today."""

    id: str
    account_id: str
    status: str
    auto_renew: bool
    end_date: dt.date
    days_to_end: int
    currency: str
    card_allowed: bool
    billing_address: Address
    billing_contact: Contact
    card: CardView | None
    auto_renew_off_reason: str | None  # why it cannot be turned off today (None: it can)
    auto_renew_off_detail: str | None  # the rule's own explanation

    @classmethod
    def of(cls, c: Contract, today: dt.date) -> ContractView:
        off = auto_renew_off_reason(c, today)
        days = (c.end_date - today).days
        return cls(
            c.id,
            c.account_id,
            c.status.value,
            c.auto_renew,
            c.end_date,
            days,
            c.currency,
            c.card_allowed,
            c.billing_address,
            c.billing_contact,
            CardView(c.card.brand, c.card.last4) if c.card else None,
            off,
            AutoRenewNotEligible(c.id, off, days).message if off else None,
        )

    def to_json(self) -> JsonObject:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "status": self.status,
            "auto_renew": self.auto_renew,
            "end_date": self.end_date.isoformat(),
            "days_to_end": self.days_to_end,
            "currency": self.currency,
            "card_allowed": self.card_allowed,
            "billing_address": asdict(self.billing_address),
            "billing_contact": asdict(self.billing_contact),
            "card": {"brand": self.card.brand, "last4": self.card.last4} if self.card else None,
            "auto_renew_off_reason": self.auto_renew_off_reason,
            "auto_renew_off_detail": self.auto_renew_off_detail,
        }


@dataclass(frozen=True)
class ContractUserView:
    """Someone with access to a contract, and their protected roles."""

    email: str
    name: str
    roles: tuple[str, ...]

    @classmethod
    def of(cls, contact: ContractContact, user: PortalUser | None) -> ContractUserView:
        return cls(contact.email, user.name if user else "", tuple(contact.roles))

    def to_json(self) -> JsonObject:
        return {"email": self.email, "name": self.name, "roles": json_list(self.roles)}


@dataclass(frozen=True)
class MeView:
    """Who the signed-in person is, and which contracts they can see (none for a reseller)."""

    email: str
    name: str
    account_id: str
    account_name: str
    account_status: str
    reseller: bool
    contracts: tuple[str, ...]

    @classmethod
    def of(cls, user: PortalUser, account: Account | None, contract_ids: list[str]) -> MeView:
        return cls(
            user.email,
            user.name,
            user.account_id,
            account.name if account else "",
            account.status.value if account else "",
            user.reseller,
            tuple(contract_ids),
        )

    def to_json(self) -> JsonObject:
        return {
            "email": self.email,
            "name": self.name,
            "account_id": self.account_id,
            "account_name": self.account_name,
            "account_status": self.account_status,
            "reseller": self.reseller,
            "contracts": json_list(self.contracts),
        }


@dataclass(frozen=True)
class QuoteView:
    """A contract's signed quote."""

    quote: SignedQuote

    @property
    def id(self) -> str:
        return self.quote.id

    @property
    def contract_id(self) -> str:
        return self.quote.contract_id

    def to_json(self) -> JsonObject:
        q = self.quote
        return {
            "id": q.id,
            "contract_id": q.contract_id,
            "title": q.title,
            "signed_on": q.signed_on.isoformat(),
            "signed_by": q.signed_by,
            "total": amount_str(q.total),
            "currency": q.currency,
        }

"""Domain entities. Plain dataclasses; persistence maps them to tables in `adapters/`.

Every entity names its primary-key attribute in `KEY` so repositories can be generic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from billing.json_types import JsonObject


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class ContractStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class InvoiceStatus(StrEnum):
    """Stored statuses are open/processing/paid/void; `overdue` is derived from the due date."""

    OPEN = "open"
    OVERDUE = "overdue"
    PROCESSING = "processing"
    PAID = "paid"
    VOID = "void"


class Role(StrEnum):
    PRIMARY_BILLING_CONTACT = "primary_billing_contact"
    CARD_HOLDER = "card_holder"


PROTECTED_ROLES = frozenset({Role.PRIMARY_BILLING_CONTACT, Role.CARD_HOLDER})


@dataclass
class Address:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""


@dataclass
class Contact:
    name: str
    email: str
    phone: str = ""


@dataclass
class Card:
    """Card on file: the gateway's token plus what may be shown. Never the number."""

    token: str
    brand: str
    last4: str
    exp_month: int = 12
    exp_year: int = 2030


@dataclass
class Account:
    KEY: ClassVar[str] = "id"
    id: str
    name: str
    status: AccountStatus
    country: str
    collector_name: str
    collector_email: str
    ae_name: str
    ae_email: str
    reseller: bool = False


@dataclass
class PortalUser:
    KEY: ClassVar[str] = "email"
    email: str
    name: str
    account_id: str
    reseller: bool = False
    created_at: dt.datetime | None = None


@dataclass
class Contract:
    KEY: ClassVar[str] = "id"
    id: str
    account_id: str
    status: ContractStatus
    auto_renew: bool
    end_date: dt.date
    currency: str
    card_allowed: bool
    billing_address: Address
    billing_contact: Contact
    card: Card | None = None


@dataclass
class ContractContact:
    """A user's access to a contract (billing contact), with its protected roles."""

    KEY: ClassVar[str] = "id"
    id: str
    contract_id: str
    email: str
    roles: list[str] = field(default_factory=list)


@dataclass
class Invoice:
    KEY: ClassVar[str] = "id"
    id: str
    contract_id: str
    amount: Decimal
    balance: Decimal
    currency: str
    status: InvoiceStatus
    issue_date: dt.date
    due_date: dt.date
    po_number: str = ""
    disputed: bool = False


@dataclass
class Payment:
    KEY: ClassVar[str] = "id"
    id: str
    confirmation_number: str
    invoice_id: str
    account_id: str
    amount: Decimal
    currency: str
    status: str  # processing | settled
    gateway_charge_id: str
    card_brand: str
    card_last4: str
    action_id: str
    created_at: dt.datetime
    settles_at: dt.datetime
    settled_at: dt.datetime | None = None


class IntentState(StrEnum):
    """A card payment's life at the gateway: `pending` (recorded, the gateway not yet answered),
    then `succeeded` or `declined`; `unknown` when the gateway's answer was lost (reconciliation asks)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    UNKNOWN = "unknown"


OPEN_INTENT_STATES = (IntentState.PENDING, IntentState.UNKNOWN)


@dataclass
class PaymentIntent:
    """A confirmed card payment, committed before the gateway is called; the action id is the
    gateway's idempotency key, so however often it is retried it is charged at most once."""

    KEY: ClassVar[str] = "id"
    id: str
    action_id: str  # = the idempotency key
    invoice_id: str
    account_id: str
    user_email: str  # who confirmed it: the receipt goes to them
    amount: Decimal
    currency: str
    card_token: str
    card_brand: str
    card_last4: str
    state: IntentState
    created_at: dt.datetime
    updated_at: dt.datetime
    charge_id: str = ""
    failure_reason: str = ""
    completed_at: dt.datetime | None = None

    @property
    def idempotency_key(self) -> str:
        return self.action_id


@dataclass
class SignedQuote:
    KEY: ClassVar[str] = "id"
    id: str
    contract_id: str
    title: str
    signed_on: dt.date
    signed_by: str
    total: Decimal
    currency: str


@dataclass
class SupportCase:
    KEY: ClassVar[str] = "id"
    id: str
    account_id: str
    requester_email: str
    queue: str  # customer_service | collector | ae
    assignee: str
    subject: str
    summary: str
    conversation_id: str
    channel: str
    created_at: dt.datetime


@dataclass
class AuditEntry:
    KEY: ClassVar[str] = "id"
    id: str
    at: dt.datetime
    actor_email: str
    channel: str
    conversation_id: str
    operation: str
    args: JsonObject
    outcome: str  # executed | rejected | expired | failed | created
    result: JsonObject
    action_id: str = ""


class MailStatus(StrEnum):
    """An outbox mail's delivery: `queued` until the relay hands it to the mail server (`sent`), or
    gives up after its last attempt (`failed`, kept with the reason for a person to look at)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


@dataclass
class OutboxMail:
    """An e-mail queued in the same transaction as the change it reports, then delivered by the relay.

    A relay claims a queued mail by writing its claim into `claimed_by` and pushing `next_attempt_at`
    past the claim's lease (a claim whose relay died runs out, and the mail is due again); `attempts`
    counts claims, so a mail that keeps killing its relay still ends `failed`. `message_id` is fixed
    at the first claim, so every attempt carries the same Message-ID.
    """

    KEY: ClassVar[str] = "id"
    id: str
    to: str
    subject: str
    body: str
    kind: str
    ref: str
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    status: MailStatus = MailStatus.QUEUED
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None  # None: due now
    claimed_by: str = ""
    last_error: str = ""
    message_id: str = ""


class ActionStatus(StrEnum):
    PENDING = "pending"
    EXECUTED = "executed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"  # confirmed; an outside system's answer (the card payment) is awaited


@dataclass
class PendingAction:
    """A proposed mutation bound to (user, conversation, operation, canonical args); single use."""

    KEY: ClassVar[str] = "id"
    id: str
    user_email: str
    conversation_id: str
    channel: str
    operation: str
    args: JsonObject
    summary: str
    status: ActionStatus
    created_at: dt.datetime
    expires_at: dt.datetime
    decided_at: dt.datetime | None = None
    result: JsonObject | None = None
    bound: JsonObject = field(default_factory=dict)  # facts the user saw (amount, card): re-checked on execute

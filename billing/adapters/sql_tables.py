"""The billing schema. Column names equal entity attribute names so one codec maps them all."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from billing.adapters.sql_types import Money, UTCDateTime
from billing.entities import (
    Account,
    AuditEntry,
    Contract,
    ContractContact,
    Invoice,
    OutboxMail,
    Payment,
    PaymentIntent,
    PendingAction,
    PortalUser,
    SignedQuote,
    SupportCase,
)

metadata = MetaData()


def _id(name: str = "id") -> Column[str]:
    return Column(name, String(64), primary_key=True)


accounts = Table(
    "accounts",
    metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("country", String(2), nullable=False),
    Column("collector_name", String(100), nullable=False),
    Column("collector_email", String(254), nullable=False),
    Column("ae_name", String(100), nullable=False),
    Column("ae_email", String(254), nullable=False),
    Column("reseller", Boolean, nullable=False, default=False),
)

portal_users = Table(
    "portal_users",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("account_id", String(64), nullable=False, index=True),
    Column("reseller", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=True),
)

contracts = Table(
    "contracts",
    metadata,
    _id(),
    Column("account_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("auto_renew", Boolean, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_allowed", Boolean, nullable=False),
    Column("billing_address", JSON, nullable=False),
    Column("billing_contact", JSON, nullable=False),
    Column("card", JSON, nullable=True),
)

contract_contacts = Table(
    "contract_contacts",
    metadata,
    _id(),
    Column("contract_id", String(64), nullable=False, index=True),
    Column("email", String(254), nullable=False, index=True),
    Column("roles", JSON, nullable=False),
    UniqueConstraint("contract_id", "email", name="uq_contract_contact"),
)

invoices = Table(
    "invoices",
    metadata,
    _id(),
    Column("contract_id", String(64), nullable=False, index=True),
    Column("amount", Money, nullable=False),
    Column("balance", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("po_number", String(40), nullable=False, default=""),
    Column("disputed", Boolean, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    _id(),
    Column("confirmation_number", String(32), nullable=False, unique=True),
    Column("invoice_id", String(64), nullable=False, index=True),
    Column("account_id", String(64), nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("gateway_charge_id", String(64), nullable=False),
    Column("card_brand", String(20), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("action_id", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("settles_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime, nullable=True),
)

payment_intents = Table(
    "payment_intents",
    metadata,
    _id(),
    Column("action_id", String(64), nullable=False, unique=True),
    Column("invoice_id", String(64), nullable=False, index=True),
    Column("account_id", String(64), nullable=False),
    Column("user_email", String(254), nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_token", String(64), nullable=False),
    Column("card_brand", String(20), nullable=False),
    Column("card_last4", String(4), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("charge_id", String(64), nullable=False),
    Column("failure_reason", String(300), nullable=False),
    Column("completed_at", UTCDateTime, nullable=True),
)

signed_quotes = Table(
    "signed_quotes",
    metadata,
    _id(),
    Column("contract_id", String(64), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("signed_by", String(100), nullable=False),
    Column("total", Money, nullable=False),
    Column("currency", String(3), nullable=False),
)

support_cases = Table(
    "support_cases",
    metadata,
    _id(),
    Column("account_id", String(64), nullable=False, index=True),
    Column("requester_email", String(254), nullable=False),
    Column("queue", String(32), nullable=False),
    Column("assignee", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    _id(),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_email", String(254), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("args", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("result", JSON, nullable=False),
    Column("action_id", String(64), nullable=False, index=True),
)

outbox = Table(
    "outbox",
    metadata,
    _id(),
    Column("to", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ref", String(254), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("claimed_by", String(64), nullable=False, server_default=""),
    Column("last_error", String(300), nullable=False, server_default=""),
    Column("message_id", String(254), nullable=False, server_default=""),
    # The relay's query: queued mails whose next attempt is due.
    Index("ix_outbox_due", "status", "next_attempt_at"),
)

pending_actions = Table(
    "pending_actions",
    metadata,
    _id(),
    Column("user_email", String(254), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("args", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("result", JSON, nullable=True),
    Column("bound", JSON, nullable=False),
    Index("ix_pending_actions_conversation", "conversation_id", "user_email", "status"),
)

TABLES: dict[type, Table] = {
    Account: accounts,
    PortalUser: portal_users,
    Contract: contracts,
    ContractContact: contract_contacts,
    Invoice: invoices,
    Payment: payments,
    PaymentIntent: payment_intents,
    SignedQuote: signed_quotes,
    SupportCase: support_cases,
    AuditEntry: audit_log,
    OutboxMail: outbox,
    PendingAction: pending_actions,
}

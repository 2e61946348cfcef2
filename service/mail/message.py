"""An outbox mail as an RFC 5322 message: the same headers on every attempt, so duplicates can be dropped."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from billing.entities import OutboxMail


def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    """Raises ValueError when the mail cannot be a message (no Message-ID yet, a line break in a header)."""
    if not mail.message_id:
        raise ValueError(f"mail {mail.id} has no Message-ID: only a claimed mail is sent")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    # When the portal wrote it, not when this attempt runs: a re-sent copy is the same message.
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office robots do not answer it
    message["X-Portal-Mail-Kind"] = mail.kind
    message.set_content(mail.body)
    return message


def envelope_sender(sender: str) -> str:
    """The bare address of a From header ("Billing <billing@x.example>" -> "billing@x.example")."""
    return parseaddr(sender)[1]

"""Hand-off to a person: a support case routed to Customer Service, the Collector or the AE."""

from __future__ import annotations

import uuid

from billing.entities import Account, AuditEntry, SupportCase
from billing.errors import InvalidInput
from billing.operations.base import Ctx, new_id, queue_mail
from billing.rules.fields import clean_text

QUEUES = ("customer_service", "collector", "ae")
CUSTOMER_SERVICE = ("Customer Service", "customer.service@billing.example")


def assignee(account: Account | None, queue: str) -> tuple[str, str]:
    if account and queue == "collector":
        return account.collector_name, account.collector_email
    if account and queue == "ae":
        return account.ae_name, account.ae_email
    return CUSTOMER_SERVICE


def create_case(ctx: Ctx, conversation_id: str, queue: str, subject: str, summary: str) -> SupportCase:
    """Changes no billing data, so it needs no confirmation; it is audited like every write."""
    if queue not in QUEUES:
        raise InvalidInput("queue", queue, f"use one of {', '.join(QUEUES)}")
    account = ctx.repo.get(Account, ctx.user.account_id)
    name, email = assignee(account, queue)
    case = SupportCase(
        case_number(),
        ctx.user.account_id,
        ctx.user.email,
        queue,
        name,
        clean_text(subject, "subject", max_len=200),
        clean_text(summary, "summary", max_len=4000),
        conversation_id,
        ctx.principal.channel,
        ctx.clock.now(),
    )
    ctx.repo.add(case)
    queue_mail(
        ctx,
        email,
        f"[{case.id}] {case.subject}",
        f"From {ctx.user.name} <{ctx.user.email}>:\n{case.summary}",
        "support_case",
        case.id,
    )
    ctx.repo.add(
        AuditEntry(
            new_id("aud"),
            ctx.clock.now(),
            ctx.user.email,
            ctx.principal.channel,
            conversation_id,
            "create_support_case",
            {"queue": queue, "subject": case.subject},
            "created",
            {"case_id": case.id, "assignee": name},
        )
    )
    return case


def case_number() -> str:
    return f"CS-{uuid.uuid4().hex[:8].upper()}"

"""Pay Now, steps 2 and 3: the gateway call, made outside any transaction, and its outcome, recorded
exactly once (by the request that charged, or by reconciliation, whichever comes first)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from billing.entities import (
    OPEN_INTENT_STATES,
    Account,
    AccountStatus,
    ActionStatus,
    Contract,
    IntentState,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentIntent,
    PendingAction,
)
from billing.errors import PaymentFailed
from billing.json_types import JsonObject
from billing.money import amount_str, format_money
from billing.operations import actions
from billing.operations.base import Ctx, confirmation_number, new_id, queue_mail
from billing.operations.payments import in_progress_result
from billing.ports import ChargeRecord, ChargeRefused, PaymentGateway, Repository
from billing.rules.payment import SETTLEMENT_HOURS, overdue_balance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayAnswer:
    """What the gateway said about an intent's charge: succeeded, declined, or nothing (unknown)."""

    state: IntentState
    charge_id: str = ""
    reason: str = ""


NO_ANSWER = GatewayAnswer(IntentState.UNKNOWN)


def charge(gateway: PaymentGateway, intent: PaymentIntent) -> GatewayAnswer:
    """Step 2. Only a refusal is a decline: any other failure may have charged the card."""
    try:
        made = gateway.charge(intent.card_token, intent.amount, intent.currency, intent.idempotency_key)
    except ChargeRefused as refused:
        return GatewayAnswer(IntentState.DECLINED, reason=refused.reason)
    except Exception as exc:  # time-out, lost connection, or anything else: the outcome is unknown
        log.warning("payment %s: no answer from the gateway (%s)", intent.id, type(exc).__name__)
        return NO_ANSWER
    return GatewayAnswer(IntentState.SUCCEEDED, made.charge_id)


def ask(gateway: PaymentGateway, intent: PaymentIntent) -> GatewayAnswer:
    """Reconciliation's question. A key the gateway never saw is voided there first, so a request
    still on its way cannot charge after we have concluded that it did not."""
    try:
        record = gateway.lookup(intent.idempotency_key) or gateway.void(intent.idempotency_key)
    except Exception as exc:  # the gateway is still unreachable: ask again next time
        log.warning("payment %s: reconciliation got no answer (%s)", intent.id, type(exc).__name__)
        return NO_ANSWER
    return answer_of(record)


def answer_of(record: ChargeRecord) -> GatewayAnswer:
    if record.succeeded:
        return GatewayAnswer(IntentState.SUCCEEDED, record.charge_id)
    return GatewayAnswer(IntentState.DECLINED, reason=record.reason)


def record_outcome(ctx: Ctx, intent_id: str, answer: GatewayAnswer, via: str = "payment") -> PendingAction | None:
    """Step 3, in its own transaction. The conditional update of the intent's state makes it exactly
    once: returns None, having written nothing, when another process completed the intent first."""
    now = ctx.clock.now()
    if answer.state == IntentState.UNKNOWN:
        return _no_answer(ctx, intent_id, now)
    if not ctx.repo.transition_intent(intent_id, OPEN_INTENT_STATES, answer.state, now):
        return None
    intent = ctx.repo.get(PaymentIntent, intent_id)
    action = ctx.repo.get(PendingAction, intent.action_id) if intent else None
    assert intent is not None and action is not None  # an intent is written with its action
    intent.state, intent.charge_id, intent.failure_reason = answer.state, answer.charge_id, answer.reason
    intent.updated_at = intent.completed_at = now
    ctx.repo.update(intent)
    if answer.state == IntentState.SUCCEEDED:
        return actions.finish(ctx, action, ActionStatus.EXECUTED, _paid(ctx, intent, via))
    return actions.finish(ctx, action, ActionStatus.FAILED, PaymentFailed(intent.invoice_id, answer.reason).to_dict())


def _no_answer(ctx: Ctx, intent_id: str, now: dt.datetime) -> PendingAction | None:
    """The intent becomes unknown (if still pending): the invoice stays blocked until it is resolved."""
    moved = ctx.repo.transition_intent(intent_id, (IntentState.PENDING,), IntentState.UNKNOWN, now)
    intent = ctx.repo.get(PaymentIntent, intent_id)  # read after the update: it may have been completed meanwhile
    assert intent is not None
    action = ctx.repo.get(PendingAction, intent.action_id)
    if moved and action is not None:
        actions.note_progress(ctx, action, {**in_progress_result(intent), "gateway": "no answer yet"})
    return action


def _paid(ctx: Ctx, intent: PaymentIntent, via: str) -> JsonObject:
    now = ctx.clock.now()
    payment = Payment(
        new_id("pay"),
        confirmation_number(),
        intent.invoice_id,
        intent.account_id,
        intent.amount,
        intent.currency,
        "processing",
        intent.charge_id,
        intent.card_brand,
        intent.card_last4,
        intent.action_id,
        now,
        now + dt.timedelta(hours=SETTLEMENT_HOURS),
    )
    ctx.repo.add(payment)
    invoice = ctx.repo.get(Invoice, intent.invoice_id, for_update=True)
    if invoice is not None and invoice.status == InvoiceStatus.OPEN:
        invoice.status = InvoiceStatus.PROCESSING
        ctx.repo.update(invoice)
    _send_receipt(ctx, payment, intent.user_email)
    result: JsonObject = {
        "confirmation_number": payment.confirmation_number,
        "invoice_id": payment.invoice_id,
        "amount": amount_str(payment.amount),
        "currency": payment.currency,
        "card": f"{payment.card_brand} ending {payment.card_last4}",
        "status": "processing",
        "settles_by": payment.settles_at.isoformat(),
        "receipt_to": intent.user_email,
        "account_unsuspended": unsuspend_if_covered(ctx.repo, intent.account_id, ctx.today),
    }
    return result if via == "payment" else {**result, "recorded_by": via}


def _send_receipt(ctx: Ctx, payment: Payment, to: str) -> None:
    body = (
        f"Thank you for your payment of {format_money(payment.currency, payment.amount)} on "
        f"{payment.invoice_id} with {payment.card_brand} ending {payment.card_last4}.\n"
        f"Confirmation number: {payment.confirmation_number}.\n"
        f"Please allow up to {SETTLEMENT_HOURS} hours for the invoice to show as paid. "
        "The invoice PDF is not a live document and will not show this payment."
    )
    queue_mail(ctx, to, f"Payment received for {payment.invoice_id}", body, "payment_receipt", payment.id)


def unsuspend_if_covered(repo: Repository, account_id: str, today: dt.date) -> bool:
    """A suspended account whose whole overdue balance is covered by portal payments is active again."""
    account = repo.get(Account, account_id, for_update=True)
    if account is None or account.status != AccountStatus.SUSPENDED:
        return False
    contract_ids = [c.id for c in repo.find(Contract, account_id=account_id)]
    if overdue_balance(repo.find(Invoice, contract_id=contract_ids), today) > 0:
        return False
    account.status = AccountStatus.ACTIVE
    repo.update(account)
    return True

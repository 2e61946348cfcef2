"""Pay Now: the full balance with the contract's card on file."""
from __future__ import annotations

import datetime as dt
from typing import Any

from billing.access import invoice_for
from billing.entities import Account, AccountStatus, Contract, Invoice, InvoiceStatus, Payment, PendingAction
from billing.errors import InvoiceNotPayable, PaymentFailed
from billing.money import amount_str, format_money
from billing.operations.base import Ctx, Operation, Proposal, confirmation_number, new_id, queue_mail, require_id
from billing.ports import ChargeRefused
from billing.rules.payment import SETTLEMENT_HOURS, check_payable, overdue_balance


def processing_payment(ctx: Ctx, invoice_id: str) -> bool:
    return bool(ctx.repo.find(Payment, invoice_id=invoice_id, status="processing"))


def clean(args: dict[str, Any]) -> dict[str, Any]:
    return {"invoice_id": require_id(args, "invoice_id")}


def check(ctx: Ctx, args: dict[str, Any]) -> Proposal:
    invoice, contract = invoice_for(ctx.repo, ctx.user, args["invoice_id"])
    check_payable(invoice, contract, ctx.today, processing_payment(ctx, invoice.id))
    assert contract.card is not None  # check_payable guarantees a card on file
    summary = (f"Pay {format_money(invoice.currency, invoice.balance)} on {invoice.id} "
               f"with {contract.card.brand} ending {contract.card.last4}")
    return Proposal(summary, {"amount": amount_str(invoice.balance), "currency": invoice.currency,
                              "card_last4": contract.card.last4})


def apply(ctx: Ctx, args: dict[str, Any], action: PendingAction) -> dict[str, Any]:
    invoice, contract = invoice_for(ctx.repo, ctx.user, args["invoice_id"], for_update=True)
    check_payable(invoice, contract, ctx.today, processing_payment(ctx, invoice.id))
    if action.bound.get("amount") not in (None, amount_str(invoice.balance)):
        raise InvoiceNotPayable(invoice.id, "balance_changed",
                                "its balance changed after you were asked to confirm; please ask again.")
    payment = _charge(ctx, invoice, contract, action)
    invoice.status = InvoiceStatus.PROCESSING
    ctx.repo.update(invoice)
    _send_receipt(ctx, payment)
    unsuspended = unsuspend_if_covered(ctx.repo, contract.account_id, ctx.today)
    return {"confirmation_number": payment.confirmation_number, "invoice_id": invoice.id,
            "amount": amount_str(payment.amount), "currency": payment.currency,
            "card": f"{payment.card_brand} ending {payment.card_last4}", "status": "processing",
            "settles_by": payment.settles_at.isoformat(), "receipt_to": ctx.user.email,
            "account_unsuspended": unsuspended}


def _charge(ctx: Ctx, invoice: Invoice, contract: Contract, action: PendingAction) -> Payment:
    card = contract.card
    assert card is not None
    try:
        charge = ctx.gateway.charge(card.token, invoice.balance, invoice.currency, idempotency_key=action.id)
    except ChargeRefused as declined:
        raise PaymentFailed(invoice.id, declined.reason) from declined
    except Exception as exc:  # a gateway outage must not leave a half-made payment
        raise PaymentFailed(invoice.id, f"payment service error: {type(exc).__name__}") from exc
    now = ctx.clock.now()
    payment = Payment(new_id("pay"), confirmation_number(), invoice.id, contract.account_id, invoice.balance,
                      invoice.currency, "processing", charge.charge_id, card.brand, card.last4, action.id,
                      now, now + dt.timedelta(hours=SETTLEMENT_HOURS))
    ctx.repo.add(payment)
    return payment


def _send_receipt(ctx: Ctx, payment: Payment) -> None:
    body = (f"Thank you for your payment of {format_money(payment.currency, payment.amount)} on "
            f"{payment.invoice_id} with {payment.card_brand} ending {payment.card_last4}.\n"
            f"Confirmation number: {payment.confirmation_number}.\n"
            f"Please allow up to {SETTLEMENT_HOURS} hours for the invoice to show as paid. "
            "The invoice PDF is not a live document and will not show this payment.")
    queue_mail(ctx, ctx.user.email, f"Payment received for {payment.invoice_id}", body, "payment_receipt",
               payment.id)


def unsuspend_if_covered(repo: Any, account_id: str, today: dt.date) -> bool:
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


PAY_INVOICE = Operation("pay_invoice", clean, check, apply)

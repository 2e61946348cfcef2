"""Pay Now: the full balance with the contract's card on file.

Executing a confirmed payment takes three steps, so that no crash, lost connection or failed commit
can leave a charge without its payment or charge twice (issue 20):
1. `apply`, in the claiming transaction: re-check everything and record a `PaymentIntent` (pending)
   keyed by the action id; the action is then `in_progress`, and the invoice not payable again.
2. `payment_outcome.charge`, outside any transaction: the gateway call with that key.
3. `payment_outcome.record_outcome`, in a new transaction: the payment, or the failure, exactly once.
"""

from __future__ import annotations

from billing.access import invoice_for
from billing.commands import PayInvoice
from billing.entities import OPEN_INTENT_STATES, Contract, IntentState, Invoice, Payment, PaymentIntent, PendingAction
from billing.errors import InvoiceNotPayable
from billing.json_types import JsonObject
from billing.money import amount_str, format_money
from billing.operations.base import Ctx, Operation, Proposal, new_id
from billing.ports import Repository
from billing.rules.payment import check_payable


def processing_payment(repo: Repository, invoice_id: str) -> bool:
    return bool(repo.find(Payment, invoice_id=invoice_id, status="processing"))


def payment_in_progress(repo: Repository, invoice_id: str) -> bool:
    """A confirmed card payment for the invoice whose outcome the gateway has not given yet."""
    return bool(repo.find(PaymentIntent, invoice_id=invoice_id, state=list(OPEN_INTENT_STATES)))


def _check(ctx: Ctx, invoice: Invoice, contract: Contract) -> None:
    check_payable(
        invoice,
        contract,
        ctx.today,
        processing_payment(ctx.repo, invoice.id),
        payment_in_progress(ctx.repo, invoice.id),
    )


def check(ctx: Ctx, command: PayInvoice) -> Proposal:
    invoice, contract = invoice_for(ctx.repo, ctx.user, command.invoice_id)
    _check(ctx, invoice, contract)
    assert contract.card is not None  # check_payable guarantees a card on file
    summary = (
        f"Pay {format_money(invoice.currency, invoice.balance)} on {invoice.id} "
        f"with {contract.card.brand} ending {contract.card.last4}"
    )
    return Proposal(
        summary,
        {"amount": amount_str(invoice.balance), "currency": invoice.currency, "card_last4": contract.card.last4},
    )


def apply(ctx: Ctx, command: PayInvoice, action: PendingAction) -> JsonObject:
    """Step 1: record the intent. The invoice row is locked, so two payments of it queue here and the
    second one finds the first one's intent."""
    invoice, contract = invoice_for(ctx.repo, ctx.user, command.invoice_id, for_update=True)
    _check(ctx, invoice, contract)
    if action.bound.get("amount") not in (None, amount_str(invoice.balance)):
        raise InvoiceNotPayable(
            invoice.id, "balance_changed", "its balance changed after you were asked to confirm; please ask again."
        )
    card, now = contract.card, ctx.clock.now()
    assert card is not None
    intent = PaymentIntent(
        new_id("pi"),
        action.id,
        invoice.id,
        contract.account_id,
        ctx.user.email,
        invoice.balance,
        invoice.currency,
        card.token,
        card.brand,
        card.last4,
        IntentState.PENDING,
        now,
        now,
    )
    ctx.repo.add(intent)
    return in_progress_result(intent)


def in_progress_result(intent: PaymentIntent) -> JsonObject:
    """What the action shows while the gateway's answer is awaited: not paid, not failed."""
    return {
        "status": "payment_in_progress",
        "invoice_id": intent.invoice_id,
        "amount": amount_str(intent.amount),
        "currency": intent.currency,
        "card": f"{intent.card_brand} ending {intent.card_last4}",
        "receipt_to": intent.user_email,
    }


PAY_INVOICE = Operation(PayInvoice, check, apply, external=True)

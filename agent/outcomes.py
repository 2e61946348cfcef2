"""What the user is told after a decision. Written by the runner from the recorded result, so the
outcome (confirmation number, settlement note, receipt, or a payment still being confirmed) is always
stated exactly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing.entities import ActionStatus, PendingAction
from billing.rules.billing_info import ADDRESS_FIELDS


def _paid(r: dict[str, Any]) -> str:
    text = (
        f"Done: your payment of {r['currency']} {float(r['amount']):,.2f} on {r['invoice_id']} with "
        f"{r['card']} was accepted. Confirmation number: {r['confirmation_number']}. An e-mail receipt is on "
        f"its way to {r['receipt_to']}. The invoice shows as processing until the payment settles, which can "
        "take up to 24 hours; then it shows as paid."
    )
    if r.get("account_unsuspended"):
        text += " Your account's overdue balance is now covered, so the account is no longer suspended."
    return text


def _payment_in_progress(r: dict[str, Any]) -> str:
    """The gateway's answer was lost: the card may or may not have been charged, so neither "paid" nor "failed"."""
    return (
        f"Your payment of {r['currency']} {float(r['amount']):,.2f} on {r['invoice_id']} with {r['card']} is "
        "being confirmed with the payment service; it has not failed. Please don't pay this invoice another way "
        f"meanwhile. Once it is confirmed, the invoice shows as processing and a receipt goes to {r['receipt_to']}; "
        "if it did not go through, nothing is charged and you can pay again."
    )


def _address(r: dict[str, Any]) -> str:
    a = r["billing_address"]
    parts = ", ".join(a[k] for k in ADDRESS_FIELDS if a.get(k))
    return f"Done: the billing address of {r['contract_id']} is now {parts}. The change is effective immediately."


def _contact(r: dict[str, Any]) -> str:
    c = r["billing_contact"]
    phone = f", {c['phone']}" if c.get("phone") else ""
    return f"Done: the billing contact of {r['contract_id']} is now {c['name']}, {c['email']}{phone}."


EXECUTED: dict[str, Callable[[dict[str, Any]], str]] = {
    "pay_invoice": _paid,
    "update_po_number": lambda r: f'Done: the PO number of {r["invoice_id"]} is now "{r["po_number"]}"'
    + (f' (it was "{r["previous_po_number"]}").' if r["previous_po_number"] else "."),
    "update_billing_address": _address,
    "update_billing_contact": _contact,
    "update_card": lambda r: f"Done: {r['card']['brand']} ending {r['card']['last4']} is now the card on file "
    f"for {r['contract_id']}, and you are its Credit Card Holder.",
    "disable_auto_renew": lambda r: f"Done: auto-renewal is now off for {r['contract_id']}; the contract ends on "
    f"{r['end_date']} and will not renew.",
    "add_portal_user": lambda r: f"Done: I sent {r['name']} ({r['email']}) an invitation to "
    f"{', '.join(r['contract_ids'])} by e-mail; they sign in with a Trailblazer "
    "account using that address.",
    "grant_contract_access": lambda r: f"Done: {r['email']} now has access to {', '.join(r['granted'])}.",
    "remove_contract_access": lambda r: f"Done: {r['email']} no longer has access to {', '.join(r['removed'])}.",
}


def outcome_text(action: PendingAction) -> str:
    result = action.result or {}
    if action.status == ActionStatus.EXECUTED:
        return EXECUTED[action.operation](result)
    if action.status == ActionStatus.IN_PROGRESS:  # only payments wait for an outside answer
        return _payment_in_progress(result)
    if action.status == ActionStatus.FAILED:
        return f"I could not complete it: {result.get('message', 'the request is no longer allowed.')} Nothing was changed."
    if action.status == ActionStatus.EXPIRED:
        return "That request expired before it was confirmed, so nothing was changed. Ask again if you still want it."
    return "Cancelled: nothing was changed."

"""Phrasing for people: tool results with amounts, dates and statuses, and what to do next.

The one place the offline planner's wording lives (the domain's refusal messages are quoted as
they are). Money is formatted from the decimal strings the domain returns, never through float.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

ROLE = {"primary_billing_contact": "Primary Billing Contact", "card_holder": "Credit Card Holder"}
QUEUE_LABEL = {"customer_service": "Customer Service", "collector": "your Collector", "ae": "your Account Executive"}
NO_CONTRACTS = (
    "You don't have access to any contracts yet, so there is nothing to show. Access is granted contract "
    "by contract: ask a colleague who already uses the portal for your contract to add you under "
    "**Manage Users** (with the e-mail address you sign in with), then sign out and in again."
)
RESELLER = (
    "The Billing Portal is not available to partners and resellers, so I can't show or change billing data "
    "for this account. Billing questions for partner accounts go through your usual partner channel or "
    "Customer Service. I can still answer general questions about how the portal works."
)
CARD_TYPED = (
    "For your security I never take card numbers in the chat: the number you typed was removed before I "
    "could see it, and it was not stored or used. Card details can only be entered in the secure card form."
)
CARD_SAFETY = "Please never type card numbers in the chat: the form sends them straight to the payment processor."
CAPABILITIES = (
    "I can show your invoices and contracts, send invoice PDFs and signed quotes, pay an invoice by card, "
    "set PO numbers, update billing addresses and contacts, give you the secure form to replace a card, "
    "turn off auto-renewal, manage portal users, answer questions about the portal, and connect you with "
    "a person. Every change is shown to you first and only happens once you confirm."
)
DONT_KNOW = (
    "I don't know the answer to that: I couldn't find it in the Billing Portal help articles, and I "
    "don't want to guess."
)
# After a proposal withdrawn because the user only asked how (a remote model proposed it anyway).
QUESTION_OFFER = (
    "\n\nIf you would like me to do that for you, just ask, and I'll show you exactly what will change "
    "before anything happens."
)
OFF_TOPIC = (
    "Sorry, I can only help with the Billing Portal: invoices, payments, contracts, billing details, "
    "portal users and how the portal works."
)
NOTHING_WAITING = "There's nothing waiting for your confirmation right now. What would you like to do?"
NOTHING_PARKED = "There's nothing else queued up from your earlier message. What would you like to do next?"
LOOP = "I couldn't complete that."


def money(currency: str, amount: Any) -> str:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return f"{currency} {amount}"
    return f"{currency} {value:,.2f}"


def offer_case(queue: str) -> str:
    return f"Would you like me to open a case with {QUEUE_LABEL.get(queue, 'Customer Service')}?"


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


# -- invoices ---------------------------------------------------------------------------------------


def invoice_line(i: dict[str, Any]) -> str:
    parts = [f"{i['id']} ({i['contract_id']}): {money(i['currency'], i['amount'])}, {i['status']}"]
    if i.get("status") not in ("paid", "void") and i.get("balance") is not None and i["balance"] != i["amount"]:
        parts.append(f"balance {money(i['currency'], i['balance'])}")
    parts.append(f"due {i['due_date']}")
    if i.get("po_number"):
        parts.append(f"PO {i['po_number']}")
    if i.get("disputed"):
        parts.append("disputed")
    line = ", ".join(parts)
    return line + " — can be paid now" if i.get("payable") else line


def not_payable(i: dict[str, Any]) -> str:
    """Why an invoice cannot be paid by card — never advice to pay an invoice that is paid or being paid."""
    reason = i.get("not_payable_reason")
    if reason == "already_paid" or i.get("status") == "paid":
        return f"{i['id']} is already paid, so there is nothing to pay."
    if reason == "payment_in_progress" and i.get("not_payable_detail"):  # it may be charged: never "pay another way"
        detail = str(i["not_payable_detail"])
        return f"{i['id']}: {detail}"
    if reason in ("payment_processing", "payment_in_progress") or i.get("status") == "processing":
        return (
            f"A payment for {i['id']} is already being processed; it shows as paid once it settles (up to 24 "
            "hours). Please don't pay it again."
        )
    if reason == "void" or i.get("status") == "void":
        return f"{i['id']} has been voided, so there is nothing to pay."
    if reason == "no_balance":
        return f"{i['id']} has no balance left to pay."
    detail = i.get("not_payable_detail") or "it does not meet the conditions for Pay Now."
    return (
        f"{i['id']} cannot be paid by card in the portal: {detail} It can be paid following the payment "
        "instructions printed on the invoice."
    )


def invoice_detail(i: dict[str, Any]) -> str:
    text = (
        f"{i['id']} (contract {i['contract_id']}) is **{i['status']}**: amount {money(i['currency'], i['amount'])}, "
        f"balance {money(i['currency'], i['balance'])}, due {i['due_date']}"
    )
    text += f", PO {i['po_number']}." if i.get("po_number") else ", no PO number."
    if i.get("disputed"):
        text += " It is under dispute."
    if i.get("payable"):
        text += " It can be paid by card now (Pay Now) — just ask me to pay it."
    elif i.get("status") not in ("paid", "void"):
        text += " " + not_payable(i)
    return text


def invoice_list(invoices: list[dict[str, Any]], status: str | None, contract_id: str | None) -> str:
    where = f" on {contract_id}" if contract_id else ""
    if not invoices:
        return f"You have no {status + ' ' if status else ''}invoices{where}."
    head = f"Here are your {status + ' ' if status else ''}invoices{where}:"
    return head + "\n" + bullets([invoice_line(i) for i in invoices])


# -- contracts and users ----------------------------------------------------------------------------


def contract_line(c: dict[str, Any]) -> str:
    card = (
        f"{c['card']['brand']} ending {c['card']['last4']}"
        if c.get("card")
        else ("no card on file" if c.get("card_allowed") else "invoice/wire payment only")
    )
    renew = "auto-renew on" if c.get("auto_renew") else "auto-renew off"
    return (
        f"{c['id']}: {c['status']}, {renew}, ends {c['end_date']} (in {c['days_to_end']} days), {c['currency']}, {card}"
    )


def address_text(a: dict[str, Any]) -> str:
    return ", ".join(str(a[k]) for k in ("line1", "line2", "city", "region", "postal_code", "country") if a.get(k))


def contract_detail(c: dict[str, Any]) -> str:
    p = c.get("billing_contact") or {}
    contact = ", ".join(x for x in (p.get("name"), p.get("email"), p.get("phone")) if x)
    return (
        contract_line(c) + f".\nBilling address: {address_text(c.get('billing_address') or {})}.\n"
        f"Billing contact: {contact}."
    )


def users_list(contract_id: str, users: list[dict[str, Any]]) -> str:
    if not users:
        return f"No portal users have access to {contract_id}."
    lines = []
    for u in users:
        roles = ", ".join(ROLE.get(r, r) for r in u.get("roles") or [])
        name = f"{u['name']} ({u['email']})" if u.get("name") else u["email"]
        lines.append(name + (f" — {roles}" if roles else ""))
    return f"Users with access to {contract_id}:\n" + bullets(lines)


# -- proposals, refusals, parked requests -----------------------------------------------------------


def proposal(summary: str) -> str:
    return (
        f"Here is what I'll do: **{summary}**. Nothing has changed yet — please confirm (reply yes or press "
        "Confirm) to go ahead, or reply no to cancel."
    )


def parked_note(text: str) -> str:
    return (
        f'\n\nYou also asked: "{text}". One change at a time: once this one is done, say "next" and I\'ll '
        "take care of it."
    )


def refusal(r: dict[str, Any]) -> str:
    """The domain's own explanation of a refusal (it names the rule); an invalid value is asked again."""
    kind, message = r.get("kind"), r.get("message", "That is not allowed.")
    if kind == "forbidden":
        return RESELLER
    if kind == "unauthenticated":
        return message + " I can only help signed-in portal users with billing data."
    if kind == "invalid":
        return f"That didn't work: {message} Could you check it and send it again?"
    return message

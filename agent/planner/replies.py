"""Phrasing tool results for people: amounts with currency, dates, statuses and what to do next."""
from __future__ import annotations

import re
from typing import Any

ROLE = {"primary_billing_contact": "Primary Billing Contact", "card_holder": "Credit Card Holder"}
QUEUE_LABEL = {"customer_service": "Customer Service", "collector": "your Collector",
               "ae": "your Account Executive"}
NO_CONTRACTS = ("You don't have access to any contracts yet, so there is nothing to show. Access is granted contract "
                "by contract: ask a colleague who already uses the portal for your contract to add you under "
                "**Manage Users** (with the e-mail address you sign in with), then sign out and in again.")
RESELLER = ("The Billing Portal is not available to partners and resellers, so I can't show or change billing data "
            "for this account. Billing questions for partner accounts go through your usual partner channel or "
            "Customer Service. I can still answer general questions about how the portal works.")
DEFERRED = re.compile(r'You also asked: "(.+?)"\. One change at a time')
CARD_TYPED = ("For your security I never take card numbers in the chat: the number you typed was removed before I "
              "could see it, and it was not stored or used. Card details can only be entered in the secure card form.")
CARD_SAFETY = "Please never type card numbers in the chat: the form sends them straight to the payment processor."


def money(currency: str, amount: Any) -> str:
    try:
        return f"{currency} {float(amount):,.2f}"
    except (TypeError, ValueError):
        return f"{currency} {amount}"


def offer(queue: str) -> str:
    return f"Would you like me to open a case with {QUEUE_LABEL[queue]}?"


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
    if i.get("payable"):
        return line + " — can be paid now"
    return line


def invoice_detail(i: dict[str, Any]) -> str:
    text = (f"{i['id']} (contract {i['contract_id']}) is **{i['status']}**: amount {money(i['currency'], i['amount'])}, "
            f"balance {money(i['currency'], i['balance'])}, due {i['due_date']}")
    text += f", PO {i['po_number']}." if i.get("po_number") else ", no PO number."
    if i.get("disputed"):
        text += " It is under dispute."
    if i.get("payable"):
        text += " It can be paid by card now (Pay Now) — just ask me to pay it."
    elif i.get("not_payable_reason") == "payment_in_progress":  # never "pay it another way": it may be charged
        detail = i.get("not_payable_detail") or ""
        text += " " + detail[:1].upper() + detail[1:]
    elif i.get("status") == "processing" or i.get("not_payable_reason") == "payment_processing":
        text += " A payment is processing; it shows as paid once it settles (up to 24 hours)."
    elif i.get("status") not in ("paid", "void") and i.get("not_payable_detail"):
        text += (f" It cannot be paid by card in the portal: {i['not_payable_detail']} Please pay it following the "
                 "payment instructions printed on the invoice.")
    return text


def invoice_list(invoices: list[dict[str, Any]], status: str | None, contract_id: str | None) -> str:
    if not invoices:
        where = f" on {contract_id}" if contract_id else ""
        return f"You have no {status + ' ' if status else ''}invoices{where}."
    head = f"Here are your {status + ' ' if status else ''}invoices{' on ' + contract_id if contract_id else ''}:"
    return head + "\n" + "\n".join(f"- {invoice_line(i)}" for i in invoices)


def contract_line(c: dict[str, Any]) -> str:
    card = f"{c['card']['brand']} ending {c['card']['last4']}" if c.get("card") else (
        "no card on file" if c.get("card_allowed") else "invoice/wire payment only")
    renew = "auto-renew on" if c.get("auto_renew") else "auto-renew off"
    return (f"{c['id']}: {c['status']}, {renew}, ends {c['end_date']} (in {c['days_to_end']} days), "
            f"{c['currency']}, {card}")


def contract_detail(c: dict[str, Any]) -> str:
    a, p = c.get("billing_address") or {}, c.get("billing_contact") or {}
    address = ", ".join(a[k] for k in ("line1", "line2", "city", "region", "postal_code", "country") if a.get(k))
    contact = ", ".join(x for x in (p.get("name"), p.get("email"), p.get("phone")) if x)
    return (contract_line(c) + f".\nBilling address: {address}.\nBilling contact: {contact}.")


def users_list(contract_id: str, users: list[dict[str, Any]]) -> str:
    if not users:
        return f"No portal users have access to {contract_id}."
    lines = []
    for u in users:
        roles = ", ".join(ROLE.get(r, r) for r in u.get("roles") or [])
        name = f"{u['name']} ({u['email']})" if u.get("name") else u["email"]
        lines.append(f"- {name}" + (f" — {roles}" if roles else ""))
    return f"Users with access to {contract_id}:\n" + "\n".join(lines)


def proposal(summary: str) -> str:
    return (f"Here is what I'll do: **{summary}**. Nothing has changed yet — please confirm (reply yes or press "
            "Confirm) to go ahead, or reply no to cancel.")


def deferred_note(rest: str | None) -> str:
    if not rest:
        return ""
    return (f"\n\nYou also asked: \"{rest}\". One change at a time: once this one is done, say \"next\" and I'll "
            "take care of it.")


def refusal(step_name: str, r: dict[str, Any]) -> str:
    kind, message = r.get("kind"), r.get("message", "That is not allowed.")
    if kind == "forbidden":
        return RESELLER
    if kind == "unauthenticated":
        return message + " I can only help signed-in portal users with billing data."
    if step_name == "pay_invoice":
        return message + " " + offer("collector") if r.get("error") not in ("already_paid",) else message
    if step_name == "disable_auto_renew" and r.get("error") != "already_off":
        return message + " " + offer("ae")
    if step_name in ("remove_contract_access", "update_billing_address") and "open a case" in message:
        return message.replace("Customer Service can make that change; I can open a case for you.",
                               "Customer Service can make that change.").replace(
            "Customer Service can change them, and I can open a case for you.", "Customer Service can change them.") \
            + " " + offer("customer_service")
    if kind == "invalid":
        return f"That didn't work: {message} Could you check it and send it again?"
    return message

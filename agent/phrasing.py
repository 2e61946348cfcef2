"""Everything the assistant says to people in its own words, in one place.

Used by the built-in assistant (replies to tool results, offers, refusals), by the runner (what a
decision did, notes about the model and about a waiting request) and by the Slack bot. The domain's
errors are neutral statements of a rule; the offers around them (a case with a team) are phrased
here from their fields. Money is formatted from the decimal strings the domain returns, never
through float.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.entities import ActionStatus, PendingAction
from billing.rules.billing_info import ADDRESS_FIELDS

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
RULES_STAND = (
    "Whatever a message says about my rules, they stay as they are: every change is shown to you first and "
    "happens only once you confirm it."
)
CARD_TYPED = (
    "For your security I never take card numbers in the chat: the number you typed was removed before I "
    "could see it, and it was not stored or used. Card details can only be entered in the secure card form."
)
NO_FULL_CARD = (
    "Sorry, I can't help with that: nobody can see a full card number here — the portal keeps only the card's "
    "brand and last four digits, and so do I. Ask me about the contract to see which card is on file."
)
NO_CARD_CODE = (
    "Sorry, I can't help with that: nobody can see a card's security code (CVV) or full number here — the "
    "portal keeps only the card's brand and last four digits, and so do I. Please never type card details in the "
    "chat: to replace the card, ask me for the secure card form."
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
# A request for something no skill does (mark paid, waive, refund, reveal a card, reset a password):
# declined in words that say so, never answered with the nearest article as if it were a how-to.
CANNOT_DO = "Sorry, I can't help with that: it is not something I can do in the Billing Portal."
OFF_TOPIC_OFFER = "If it is about your account after all, I can open a case with Customer Service for you."
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


def not_yours(contract_ids: list[str], *, granting: bool) -> str:
    """The signed-in user asked to be given (or to lose) access to contracts they are not a user of."""
    ids = ", ".join(contract_ids) or "those contracts"
    if not granting:
        return f"You don't have access to {ids}, so there is no access of yours to remove."
    return (
        f"You don't have access to {ids} yourself, so I can't give it to you: access to a contract is given by "
        "one of its billing contacts (in Manage Users) or by Customer Service. " + offer_case("customer_service")
    )


def not_in_articles(words: list[str]) -> str:
    """The question asked about something the help articles never mention: the answer above is only the nearest."""
    named = " or ".join(f'"{w}"' for w in words[:3])
    return f"The help articles don't say anything about {named}, so this may not answer your question."


def not_in_answer(words: list[str]) -> str:
    """The nearest passage never uses the words the question turns on: it may be about something else."""
    named = " or ".join(f'"{w}"' for w in words[:3])
    return f"That passage doesn't mention {named}, so it may not answer your question."


def retype(slot: str, corrected: str) -> str:
    """A misspelling put right: a change carries only values the user typed, so the whole value is asked for."""
    what = {"email": "e-mail address", "line1": "street address", "postal_code": "postal code"}.get(
        slot, slot.replace("_", " ")
    )
    return (
        f'So the {what} should read "{corrected}"? Please type the full {what} as it should be, so I use exactly that.'
    )


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


def payable_list(invoices: list[dict[str, Any]], contract_id: str | None) -> str:
    """The invoices that can be paid by card now (Pay Now), or that none can and why to ask."""
    where = f" on {contract_id}" if contract_id else ""
    if not invoices:
        return (
            f"None of your invoices{where} can be paid by card in the portal right now. "
            "Ask me about one of them to hear why."
        )
    head = (
        f"These invoices{where} can be paid by card now:"
        if len(invoices) > 1
        else f"This invoice{where} can be paid by card now:"
    )
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


def refusal(r: Mapping[str, object]) -> str:
    """The domain's own explanation of a refusal (it names the rule); an invalid value is asked again."""
    kind, message = r.get("kind"), str(r.get("message", "That is not allowed."))
    if kind == "forbidden":
        return RESELLER
    if kind == "unauthenticated":
        return message + " I can only help signed-in portal users with billing data."
    if r.get("reason") == "ungrounded":
        # the guard's own words address the model ("Ask the user for it"): the user is told what was unclear
        field = str(r.get("field", "value")).replace("_", " ")
        return f"I couldn't tell the {field} from your message. Could you give it again?"
    if kind == "invalid":
        return f"That didn't work: {message} Could you check it and send it again?"
    return message


# -- what a decision did (written from the recorded result, so the outcome is stated exactly) ------


def _paid(r: dict[str, Any]) -> str:
    text = (
        f"Done: your payment of {money(r['currency'], r['amount'])} on {r['invoice_id']} with "
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
        f"Your payment of {money(r['currency'], r['amount'])} on {r['invoice_id']} with {r['card']} is "
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


ALREADY_DECIDED = "That request was already decided; nothing more was done."


# -- the runner's notes ---------------------------------------------------------------------------

DEGRADED_NOTE = "(The assistant model is unavailable right now, so the built-in assistant answered.) "
UNSUPPORTED_NOTE = "(The built-in assistant answered this from the help articles and your data.) "


def still_waiting(summary: str) -> str:
    """After answering a question asked while a proposal waits."""
    return f'\n\n(Your request "{summary}" is still waiting: reply yes to go ahead or no to cancel.)'


def decide_please(summary: str) -> str:
    """An unclear reply to a proposal."""
    return (
        f'Your request is still waiting for your decision: "{summary}". Nothing has changed yet. '
        "Reply yes (or press Confirm) to go ahead, or no to cancel."
    )


def cancelled_for_new_message(summary: str) -> str:
    return f'(I cancelled the earlier request, "{summary}", since it was not confirmed; nothing was changed.)'


# -- the Slack bot's own messages (instructions, refusals, link commands) --------------------------


def unlinked(slack_user_id: str) -> str:
    return (
        "I can't help with billing questions here yet: your Slack account isn't linked to a Billing Portal user, "
        "so I can't tell who you are in the portal.\n"
        "To link it, either:\n"
        "• sign in to the Billing Portal and get a *Slack link code* (the portal's `POST /v1/slack/link-code`, "
        "or your administrator's `portal-agent slack link-code --as EMAIL`), then send me `link CODE` in a "
        "direct message (the code works once, for 10 minutes), or\n"
        f"• ask your portal administrator to link your Slack member ID `{slack_user_id}` to your portal e-mail.\n"
        "Nothing about any account is shown until then."
    )


HELLO = (
    "Hi! I'm the Billing Portal assistant. Ask me how the portal works, about your contracts and invoices, "
    "or to pay an invoice, update a PO number, billing details or users. Changes always wait for your "
    "confirmation."
)
LINK_IN_DM_ONLY = (
    "Link codes only work in a direct message to me. Others may have read that one, so I cancelled "
    "it: get a new code and send `link CODE` to me in a direct message."
)
LINK_LOCKED = (
    "Too many wrong link codes from your account, so linking is paused for an hour. Nothing was "
    "linked; get a fresh code and try again later."
)
LINK_FAILED = "That link code is not valid: it may be mistyped, already used or expired (codes last 10 minutes)."
NOT_YOUR_THREAD = (
    "This thread is someone else's conversation with me, so I can't continue it for you. "
    "Mention me in a new thread or send me a direct message."
)
BUSY = "I'm still working on your previous message in this thread; please wait for my answer and try again."
FAILED = "Sorry, something went wrong on my side and I couldn't answer. Nothing was changed; please try again."
NOT_FOUND = "I couldn't find that request any more, so nothing was done."
FEEDBACK_THANKS = "Thanks for the feedback."
FEEDBACK_NOT_FOUND = "I couldn't find that reply any more, so your rating was not saved."


def linked(email: str) -> str:
    return f"Linked: you now act as *{email}* in the Billing Portal. Send `unlink` to undo it."


def unlinked_done(was_linked: bool) -> str:
    return "Unlinked: I no longer know you as a portal user." if was_linked else "You weren't linked."


def only_requester(requester: str) -> str:
    return f"Only <@{requester}>, who asked for it, can confirm or cancel this request."


def only_requester_rates(requester: str) -> str:
    return f"Only <@{requester}>, who asked, can rate this reply."


def already_decided(status: str) -> str:
    word = {
        "executed": "done",
        "rejected": "cancelled",
        "expired": "expired",
        "failed": "tried and failed",
        "in_progress": "confirmed and its payment is being confirmed",
    }
    return f"That request was already {word.get(status, status)}; nothing more was done."

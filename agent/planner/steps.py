"""Acting on a goal: the next tool call, or the reply once the tools have answered.

Each handler looks at the tool calls already made in this turn (and their JSON results) and
returns the next `Call` or the final `Say`. Missing ids are looked up (list_invoices /
list_contracts / list_contract_users) so the question back to the user offers real candidates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from agent.planner import faq, replies as R
from agent.planner.goals import Goal, queue_for
from agent.planner.history import Step, Turn


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Say:
    text: str


Action = Call | Say


def _last(steps: list[Step], name: str) -> Step | None:
    return next((s for s in reversed(steps) if s.name == name), None)


def _refused(step: Step) -> Say:
    return Say(R.refusal(step.name, step.result or {}))


def _items(steps: list[Step], tool: str, key: str) -> list[dict[str, Any]] | Action:
    """What a list tool returned this turn, or the action that gets it: call it, or explain its refusal."""
    listed = _last(steps, tool)
    if listed is None:
        return Call(tool, {})
    if not listed.ok:
        return _refused(listed)
    return listed.result[key]


def _nth(items: list[dict[str, Any]], ordinal: int | None) -> dict[str, Any] | None:
    if ordinal is None or not items:
        return None
    i = len(items) - 1 if ordinal == -1 else ordinal - 1
    return items[i] if 0 <= i < len(items) else None


# -- invoices -----------------------------------------------------------------------------------

INVOICE_TOOL = {"get_invoice": "get_invoice", "invoice_pdf": "invoice_pdf_link", "pay": "pay_invoice",
                "po": "update_po_number"}
ASK_INVOICE = {"get_invoice": "Which invoice would you like to see?", "invoice_pdf": "Which invoice's PDF do you need?",
               "pay": "Which invoice would you like to pay?", "po": "Which invoice should get the PO number?"}


def _invoice_goal(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    target, deferred = goal.invoice_id, goal.deferred
    if not target:
        invoices = _items(steps, "list_invoices", "invoices")
        if not isinstance(invoices, list):
            return invoices
        if not invoices:
            return Say(R.NO_CONTRACTS)
        picked = _nth(invoices, goal.ordinal)
        payable = [i for i in invoices if i.get("payable")]
        if picked:
            target = picked["id"]
        elif goal.intent == "get_invoice":
            return Say(R.invoice_list(invoices, None, None))
        elif goal.intent == "pay" and payable and (goal.all_items or len(payable) == 1):
            target = payable[0]["id"]
            if len(payable) > 1:
                deferred = " and ".join(f"pay {i['id']}" for i in payable[1:])
        else:
            note = "" if payable or goal.intent != "pay" else (
                "\n\nNone of them can be paid by card right now; invoices that cannot use Pay Now are paid following "
                "the payment instructions printed on the invoice.")
            return Say(f"{ASK_INVOICE[goal.intent]} You have:\n" +
                       "\n".join(f"- {R.invoice_line(i)}" for i in invoices) + note)
    if goal.intent == "po" and not goal.po_number:
        return Say(f"What PO number should {target} have? (1 to 40 letters, digits, spaces, '-', '_' or '/'.)")
    tool = INVOICE_TOOL[goal.intent]
    main = _last(steps, tool)
    if main is None:
        args = {"invoice_id": target} if goal.intent != "po" else {"invoice_id": target, "po_number": goal.po_number}
        return Call(tool, args)
    r = main.result or {}
    if not main.ok:
        if r.get("kind") == "not_found":
            invoices = _items(steps, "list_invoices", "invoices")
            if not isinstance(invoices, list):
                return invoices
            if not invoices:
                return Say(f"I couldn't find {target}. " + R.NO_CONTRACTS)
            return Say(f"I couldn't find {target} among the invoices you can access. You have:\n" +
                       "\n".join(f"- {R.invoice_line(i)}" for i in invoices))
        return Say(_refused(main).text + R.deferred_note(deferred))
    if goal.intent == "get_invoice":
        return Say(R.invoice_detail(r))
    if goal.intent == "invoice_pdf":
        minutes = r.get("expires_in_minutes")
        expiry = f" (the link works for {minutes} minutes)" if minutes else ""
        return Say(f"Here is the PDF of {r['invoice_id']}: {r['url']}{expiry}. Note that the PDF is not a live "
                   "document: it does not show payments made after it was issued; the Invoices page shows the "
                   "current balance." + R.deferred_note(deferred))
    return Say(R.proposal(r.get("summary", "")) + R.deferred_note(deferred))


# -- contracts ----------------------------------------------------------------------------------

CONTRACT_TOOL = {"get_contract": "get_contract", "signed_quote": "signed_quote_link",
                 "address": "update_billing_address", "contact": "update_billing_contact",
                 "card": "card_update_form", "auto_renew": "disable_auto_renew", "list_users": "list_contract_users"}
ASK_CONTRACT = {"get_contract": "Which contract?", "signed_quote": "Which contract's signed quote do you need?",
                "address": "Which contract's billing address should change?",
                "contact": "Which contract's billing contact should change?",
                "card": "Which contract's card should be replaced?",
                "auto_renew": "Which contract should stop renewing automatically?",
                "list_users": "Which contract's users would you like to see?"}


def _pick_contract(goal: Goal, steps: list[Step], question: str) -> tuple[list[str] | None, Action | None]:
    """The target contract ids, or the action that finds or asks for them."""
    if goal.contract_ids:
        return goal.contract_ids, None
    contracts = _items(steps, "list_contracts", "contracts")
    if not isinstance(contracts, list):
        return None, contracts
    if not contracts:
        return None, Say(R.NO_CONTRACTS)
    picked = _nth(contracts, goal.ordinal)
    if picked:
        return [picked["id"]], None
    if goal.all_items:
        return [c["id"] for c in contracts], None
    if len(contracts) == 1:
        return [contracts[0]["id"]], None
    return None, Say(f"{question} You have:\n" + "\n".join(f"- {R.contract_line(c)}" for c in contracts))


def _contract_goal(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    if goal.intent == "signed_quote" and not goal.contract_ids and goal.quote_id:
        goal.contract_ids = ["C-" + goal.quote_id.split("-", 1)[1]]
    if goal.intent == "get_contract" and not goal.contract_ids:
        return _list_contracts(goal, steps, earlier)
    if goal.intent == "card" and not goal.contract_ids and goal.invoice_id:
        # "pay INV-1001 with this other card": the card on file to replace is that of the invoice's contract.
        shown = _last(steps, "get_invoice")
        if shown is None:
            return Call("get_invoice", {"invoice_id": goal.invoice_id})
        if shown.ok and (shown.result or {}).get("contract_id"):
            goal.contract_ids = [shown.result["contract_id"]]
    ids, action = _pick_contract(goal, steps, ASK_CONTRACT[goal.intent])
    if action is not None:
        if goal.card_typed and isinstance(action, Say):
            return Say(R.CARD_TYPED + " " + action.text)
        return action
    cid = ids[0]
    if goal.intent == "address" and not goal.address:
        return Say(f"What should the new billing address of {cid} be? Please give the street, city, region or state, "
                   "and postal code.")
    if goal.intent == "contact" and not (goal.name or goal.email or goal.phone):
        return Say(f"What should change in the billing contact of {cid}: the name, the e-mail or the phone number?")
    tool = CONTRACT_TOOL[goal.intent]
    main = _last(steps, tool)
    if main is None:
        args: dict[str, Any] = {"contract_id": cid}
        if goal.intent == "address":
            args.update(goal.address)
        if goal.intent == "contact":
            args.update({k: v for k, v in (("name", goal.name), ("email", goal.email), ("phone", goal.phone)) if v})
        return Call(tool, args)
    r = main.result or {}
    if not main.ok:
        if r.get("kind") == "not_found":
            contracts = _items(steps, "list_contracts", "contracts")
            if not isinstance(contracts, list):
                return contracts
            what = f"a signed quote for {cid}" if goal.intent == "signed_quote" and cid in {c["id"] for c in contracts} \
                else cid
            if not contracts:
                return Say(f"I couldn't find {cid}. " + R.NO_CONTRACTS)
            extra = (" Customer Service can help with a missing signed quote. " + R.offer("customer_service")
                     if goal.intent == "signed_quote" else "")
            return Say(f"I couldn't find {what} among the contracts you can access. You have:\n" +
                       "\n".join(f"- {R.contract_line(c)}" for c in contracts) + extra)
        return Say(_refused(main).text + R.deferred_note(goal.deferred))
    return Say(_contract_reply(goal, r) + R.deferred_note(goal.deferred))


def _contract_reply(goal: Goal, r: dict[str, Any]) -> str:
    if goal.intent == "get_contract":
        return R.contract_detail(r)
    if goal.intent == "list_users":
        return R.users_list(r.get("contract_id", goal.contract_id or ""), r.get("users") or [])
    if goal.intent == "signed_quote":
        q = r.get("quote") or {}
        return (f"Here is the signed quote {q.get('id')} for {q.get('contract_id')} (\"{q.get('title')}\", signed on "
                f"{q.get('signed_on')} by {q.get('signed_by')}, total {R.money(q.get('currency', ''), q.get('total'))}): "
                f"{r.get('url')}. The link is short-lived.")
    if goal.intent == "card":
        card = r.get("current_card")
        now = f" (currently {card['brand']} ending {card['last4']})" if card else ""
        text = f"Use this secure form to replace the card on file for {r.get('contract_id')}{now}: {r.get('url')}."
        text = f"{R.CARD_TYPED} {text}" if goal.card_typed else f"{text} {R.CARD_SAFETY}"
        if goal.card_typed:
            if goal.invoice_id:
                text += (f" Pay Now always charges the card on file of the invoice's contract: to pay {goal.invoice_id} "
                         "with another card, replace the card with the form first, then ask me to pay it.")
        return text
    return R.proposal(r.get("summary", ""))


def _list_contracts(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    contracts = _items(steps, "list_contracts", "contracts")
    if not isinstance(contracts, list):
        return contracts
    if not contracts:
        return Say(R.NO_CONTRACTS)
    return Say("Your contracts:\n" + "\n".join(f"- {R.contract_line(c)}" for c in contracts) + R.deferred_note(goal.deferred))


def _list_invoices(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    listed = _last(steps, "list_invoices")
    if listed is None:
        args = {k: v for k, v in (("contract_id", goal.contract_id), ("status", goal.status)) if v}
        return Call("list_invoices", args)
    if not listed.ok:
        r = listed.result or {}
        if r.get("kind") == "not_found":
            return Say(f"{r.get('message')} Ask me to list your contracts to see which ones you can access.")
        return _refused(listed)
    invoices = listed.result["invoices"]
    if not invoices and not listed.args.get("status") and not listed.args.get("contract_id"):
        return Say(R.NO_CONTRACTS)
    return Say(R.invoice_list(invoices, listed.args.get("status"), listed.args.get("contract_id"))
               + R.deferred_note(goal.deferred))


# -- users --------------------------------------------------------------------------------------

USER_TOOL = {"add_user": "add_portal_user", "grant": "grant_contract_access", "remove": "remove_contract_access"}
ASK_USER_CONTRACT = {"add_user": "Which contracts should the new user get access to?",
                     "grant": "Which contracts should they get access to?",
                     "remove": "Which contracts should they be removed from?"}


def _find_person(person: str, steps: list[Step]) -> str | None:
    for step in steps:
        for u in (step.result or {}).get("users") or []:
            first = (u.get("name") or "").split()[:1]
            if person in {(first[0].lower() if first else ""), u["email"].split("@")[0].lower(),
                          (u.get("name") or "").lower()}:
                return u["email"]
    return None


def _user_goal(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    if goal.intent == "add_user":
        if not goal.email:
            return Say("What is the new user's e-mail address (the one they sign in with), and their name?")
        if not goal.name:
            return Say(f"What is the full name of {goal.email}?")
    ids, action = _pick_contract(goal, steps, ASK_USER_CONTRACT[goal.intent])
    if action is not None:
        return action
    email = goal.email
    if not email:
        if not goal.person:
            return Say("Which user? Please give their e-mail address.")
        email = _find_person(goal.person, steps)
        if not email:
            searched = {s.args.get("contract_id") for s in steps if s.name == "list_contract_users"}
            listed = _last(steps, "list_contracts")
            pool = list(ids) + ([c["id"] for c in listed.result.get("contracts", [])] if listed and listed.ok else [])
            todo = [c for c in pool if c not in searched]
            if todo:
                return Call("list_contract_users", {"contract_id": todo[0]})
            if listed is None and goal.intent == "grant":
                return Call("list_contracts", {})
            last = _last(steps, "list_contract_users")
            if last is not None and not last.ok:
                return _refused(last)
            return Say(f"I couldn't find a portal user called \"{goal.person}\" on your contracts. What is their "
                       "e-mail address?")
    tool = USER_TOOL[goal.intent]
    main = _last(steps, tool)
    if main is None:
        args: dict[str, Any] = {"email": email, "contract_ids": ids}
        if goal.intent == "add_user":
            args = {"name": goal.name, "email": email, "contract_ids": ids}
        return Call(tool, args)
    r = main.result or {}
    if not main.ok:
        text = _refused(main).text
        if r.get("error") == "UserAlreadyExists" or "already a portal user" in r.get("message", ""):
            text += f" If you'd like, ask me to \"grant {email} access to {', '.join(ids)}\"."
        return Say(text + R.deferred_note(goal.deferred))
    return Say(R.proposal(r.get("summary", "")) + R.deferred_note(goal.deferred))


# -- hand-off, knowledge, conversation ------------------------------------------------------------

def _handoff(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    main = _last(steps, "create_support_case")
    queue = goal.queue or queue_for(goal.text, earlier)
    if main is None:
        return Call("create_support_case", {"queue": queue, "subject": _subject(goal, earlier, queue),
                                            "summary": _summary(goal, earlier)})
    r = main.result or {}
    if not main.ok:
        return _refused(main)
    who = f", assigned to {r['assignee']}" if r.get("assignee") else ""
    return Say(f"I've opened case {r.get('case_id')} with {R.QUEUE_LABEL.get(r.get('queue', queue), 'Customer Service')}"
               f"{who}. It includes a summary of our conversation, and someone will get back to you.")


def _subject(goal: Goal, earlier: list[Turn], queue: str) -> str:
    topic = {"collector": "Payment / collections question", "ae": "Renewal question"}.get(queue, "Customer request")
    source = next((t.human for t in reversed(earlier) if t.human and len(t.human.split()) > 2), goal.text)
    text = " ".join(source.split())
    return f"{topic}: {text[:60]}" + ("…" if len(text) > 60 else "")


def _summary(goal: Goal, earlier: list[Turn]) -> str:
    asked = [t.human for t in earlier[-4:] if t.human] + [goal.text]
    parts = ["The customer asked: " + " | ".join(" ".join(a.split())[:200] for a in asked)]
    for turn in reversed(earlier[-3:]):
        refusals = [s.result.get("message") for s in turn.steps if s.result and s.result.get("ok") is False]
        if refusals and refusals[-1]:
            parts.append("Last answer from the portal: " + refusals[-1])
            break
    return ". ".join(parts)[:1500]


def _faq(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    question = " ".join(goal.text.split())
    searches = [s for s in steps if s.name == "search_knowledge"]
    if not searches:
        return Call("search_knowledge", {"query": question})
    found = [(s.result or {}).get("passages") or [] for s in searches]
    focus = faq.focus_query(question)
    if focus and len(searches) == 1 and found[0]:
        # Every article is about the portal: searching again without the portal's name and the asking
        # words reaches the sections on the topic itself ("How do I sign in to the portal?" -> "sign in").
        return Call("search_knowledge", {"query": focus})
    passages = faq.number(found)
    text = faq.answer(question, passages) if passages else ""
    if not text:
        return Say("I don't know the answer to that: I couldn't find it in the Billing Portal help articles, and I "
                   "don't want to guess. " + R.offer("customer_service"))
    return Say(text)


CAPABILITIES = ("I can show your invoices and contracts, send invoice PDFs and signed quotes, pay an invoice by card, "
                "set PO numbers, update billing addresses and contacts, give you the secure form to replace a card, "
                "turn off auto-renewal, manage portal users, answer questions about the portal, and connect you with "
                "a person. Every change is shown to you first and only happens once you confirm.")
SMALL_TALK = {
    "hello": "Hello! I'm the Portal Agent. " + CAPABILITIES + " What can I do for you?",
    "thanks": "You're welcome! Is there anything else I can help with?",
    "bye": "Thanks for stopping by. Goodbye!",
    "capabilities": CAPABILITIES + " What would you like to do?",
    "affirm": "There's nothing waiting for your confirmation right now. What would you like to do?",
    "deny": "Okay, nothing was changed. Is there anything else I can help with?",
    "next": "There's nothing else queued up from your earlier message. What would you like to do next?",
    "off_topic": ("Sorry, I can only help with the Billing Portal: invoices, payments, contracts, billing details, "
                  "portal users and how the portal works. " + R.offer("customer_service")),
}


def _talk(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    return Say(SMALL_TALK.get(goal.intent, SMALL_TALK["capabilities"]))


HANDLERS: dict[str, Callable[[Goal, list[Step], list[Turn]], Action]] = {
    **{k: _invoice_goal for k in INVOICE_TOOL}, **{k: _contract_goal for k in CONTRACT_TOOL},
    **{k: _user_goal for k in USER_TOOL}, "list_invoices": _list_invoices, "list_contracts": _list_contracts,
    "handoff": _handoff, "faq": _faq,
}


def decide(goal: Goal, steps: list[Step], earlier: list[Turn]) -> Action:
    if steps and (steps[-1].result or {}).get("kind") == "forbidden":
        return Say(R.RESELLER)
    action = HANDLERS.get(goal.intent, _talk)(goal, steps, earlier)
    if isinstance(action, Call) and (len(steps) >= 6 or any(s.name == action.name and s.args == action.args
                                                             for s in steps)):
        return Say("I couldn't complete that. " + R.offer("customer_service"))  # never loop
    return action


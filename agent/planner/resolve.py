"""Filling a skill's slots: from the message, from what was shown or discussed, or by looking it up.

`collect` takes what a message says for a skill (exact extractors, `slots`). `resolve` finds a
missing id the way a person would: "the second one" in the list just shown, "it" for the invoice
the conversation is about, the only candidate the user has (their one payable invoice) — or asks,
listing the candidates. Each returns a value or an `Ask`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent import phrasing as R
from agent.planner import slots
from agent.planner.skills import Skill, Slots
from agent.planner.state import Shown
from agent.planner.work import Work


@dataclass(frozen=True)
class Ask:
    """The question that asks for a slot (the list of candidates is part of it)."""

    text: str
    final: bool = False  # nothing the user could answer makes the change possible: said, not asked


ME = "me"  # the user a grant or removal is about is the signed-in user
NOT_ME = "not me"  # "remove the one that isn't me": the contract's one user who is not the signed-in user
# "remove me from C-2001, someone else will take over": the user named as the change's object comes first
_ME_OBJECT = re.compile(r"\b(?:remove|take|drop|delete|revoke|kick|add|give|grant)\s+(?:me|myself)\b", re.I)
_NOT_ME = re.compile(r"\b(?:isn'?t|is not|not|other than|except|besides|apart from)\s+(?:me|myself)\b", re.I)
VALUE_SLOTS = ("po_number", "address", "contact", "email", "name")  # values only the user can give


def collect(skill: Skill, text: str, asked: str | None = None) -> Slots:
    """The slot values this message gives for `skill` (only what the user typed)."""
    f = slots.found(text)
    s: Slots = {}
    if f.invoice_ids:
        s["invoice_id"] = f.invoice_ids[0]
    if f.contract_ids:
        s["contract_id"], s["contract_ids"] = f.contract_ids[0], f.contract_ids
    elif f.quote_ids and skill.name == "signed_quote":
        s["contract_id"] = "C-" + f.quote_ids[0].split("-", 1)[1]  # Q-1001 is the quote of C-1001
    if f.card_typed:
        s["card_typed"] = True
    name = skill.name
    if name == "update_po" and (po := slots.po_number(text, asked=asked == "po_number")):
        s["po_number"] = po
    if name == "update_address" and (address := slots.address(text)):
        s["address"] = address
    if name == "update_contact" and (contact := _contact(text, asked == "contact")):
        s["contact"] = contact
    if name == "add_user":
        if f.emails:
            s["email"] = f.emails[0]
        # the question for the e-mail also asks for the name: "Tom Nguyen" answers it
        answering = asked == "name" or (asked == "email" and not f.emails)
        who = slots.name_answer(text) if answering else slots.full_name(text)
        if who is None and f.emails:
            who = _typed_name_of(f.emails[0], text)
        if who is None:
            who = slots.invited_name(text)
        if who:
            s["name"] = who
    if name in ("grant_access", "remove_access"):
        if who := slots.full_name(text):
            s["name"] = who  # kept in case the person is not a user yet and has to be invited
        person = f.emails[0] if f.emails else (ME if _ME_OBJECT.search(text) else slots.person_reference(text))
        if person is None and _NOT_ME.search(text):
            person = NOT_ME
        if person is None and re.search(r"\b(?<!for )(?:me|myself)\b", text, re.I):
            person = ME  # "remove me from C-2001": the signed-in user, found in the contract's users
        if person is None and asked == "user" and re.fullmatch(r"\s*[A-Za-z][A-Za-z'\-]+\s*", text):
            person = text.strip().lower()
        if person:
            s["user"] = person
    if name == "list_invoices" and (status := slots.status(text)):
        s["status"] = status
    if name == "handoff" and (queue := slots.queue(text)):
        s["queue"] = queue
    return s


def _contact(text: str, asked: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    found = slots.emails(text) or re.findall(r"[\w.+\-]+@[\w\-.]*\w", text)  # "billing@acme": the domain explains
    if found:
        out["email"] = found[0]
    if phone := slots.phone(text):
        out["phone"] = phone
    m = re.search(r"\bname\b.*?\b(?:to|is|should be|:)\s+([A-Z][\w'\-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w'\-]+){0,2})", text)
    who = m.group(1) if m else slots.full_name(text)
    if who is None and asked and not out:
        who = slots.name_answer(text)
    if who:
        out["name"] = who
    return out


def _typed_name_of(email: str, text: str) -> str | None:
    """ "add greg green greg.green@acme.example": a name typed in lower case is a name when it is the
    e-mail's own first.last words (a guess from the address alone would not be)."""
    words = [w for w in re.split(r"[._\-]", email.split("@")[0]) if w]
    if len(words) < 2 or not all(w.isalpha() for w in words):
        return None
    typed = slots.EMAIL.sub(" ", text)
    if re.search(r"\b" + r"\s+".join(map(re.escape, words)) + r"\b", typed, re.I):
        return " ".join(w.capitalize() for w in words)
    return None


def missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


# -- finding ids the user did not type ------------------------------------------------------------


def pick_shown(w: Work, kind: str, ref: slots.Reference, exclude: tuple[str, ...] = ()) -> str | None:
    """ "The second one", "the last one", "the other one" in the list shown last."""
    shown = w.before.shown
    if shown is None or shown.kind != kind or not shown.ids:
        return None
    if ref.ordinal is not None:
        i = len(shown.ids) - 1 if ref.ordinal == -1 else ref.ordinal - 1
        return shown.ids[i] if 0 <= i < len(shown.ids) else None
    if ref.other:
        rest = [x for x in shown.ids if x not in exclude]
        return rest[0] if len(rest) == 1 else None
    if ref.pronoun and len(shown.ids) == 1 and shown.turn == w.state.turn - 1:
        return shown.ids[0]  # "pay that one" right after the one invoice that can be paid was shown
    return None


def by_description(
    invoices: list[dict[str, Any]], d: slots.Described, w: Work, exclude: tuple[str, ...] = ()
) -> str | None:
    """The one invoice the description fits ("the 1200 one", "the paid one", "the other open one")."""
    if not d.any:
        return None
    pool = [i for i in invoices if i["id"] not in exclude]
    shown = w.before.shown
    if shown is not None and shown.kind == "invoices":
        pool = [i for i in invoices if i["id"] in shown.ids] or invoices
    if d.amount is not None:
        pool = [i for i in pool if _whole(i.get("amount")) == d.amount or _whole(i.get("balance")) == d.amount]
    if d.status is not None:
        pool = [i for i in pool if i.get("status") == d.status or (d.status == "disputed" and i.get("disputed"))]
    if d.due_in_days is not None:
        pool = [i for i in pool if _days_until(i, w) == d.due_in_days]
    if d.superlative and len(pool) > 1:
        key = {
            "earliest_due": lambda i: i["due_date"],
            "latest_due": lambda i: i["due_date"],
            "largest": lambda i: float(i["balance"]),
            "smallest": lambda i: float(i["balance"]),
        }[d.superlative]
        ordered = sorted(pool, key=key, reverse=d.superlative in ("latest_due", "largest"))
        pool = ordered[:1]
    return pool[0]["id"] if len(pool) == 1 else None


def _whole(amount: Any) -> str:
    try:
        return str(int(float(str(amount))))
    except (TypeError, ValueError):
        return ""


def _days_until(invoice: dict[str, Any], w: Work) -> int | None:
    days = invoice.get("days_to_due")
    return int(days) if isinstance(days, int) else None


def _listed(w: Work, kind: str) -> list[dict[str, Any]] | Ask:
    """The user's invoices or contracts, or what to say when there are none to choose from."""
    listed = w.call(f"list_{kind}", {})
    if listed.get("ok") is False:
        return Ask(R.refusal(listed))
    return listed.get(kind) or Ask(R.NO_CONTRACTS)


def recent_focus(w: Work) -> bool:
    """The focus was set by the last turn or earlier in this one: "and change its PO", "ok, pay"."""
    return w.state.focus_turn >= w.state.turn - 1


# A number on its own that may be an invoice's ("pay 1002 and 1001", "and 2002"): not part of another id, an
# amount, a PO value or a count of days, and not a contract's ("the 1001 contract", "contract 1001")
_BARE_NUMBER = re.compile(
    r"(?<![\w\-/#$£€.,@])(?<!\bcontract )(?<!\bcontract no )"
    r"(\d{3,6})(?![\w\-/%@]|[.,]\d|\s*(?:days?|k|dollars?|usd|gbp|eur|pounds?|contract)\b)",
    re.I,
)


# a card's last four ("the visa ending 4242") is never an id
_CARD_DIGITS = r"|\b(?:ending(?: in)?|ends? in|last (?:four|4)(?: digits)?)\s*$"
_VALUE_BEFORE = re.compile(slots.PO_CUE_BEFORE.pattern + _CARD_DIGITS + r"|\b(?:to|is|be)\s*$|[:=]\s*$", re.I)
_CONTRACT_VALUE_BEFORE = re.compile(slots.PO_CUE_BEFORE.pattern + _CARD_DIGITS, re.I)


def with_ids(w: Work, text: str, kind: str) -> str | None:
    """The message with each bare number that is one of the user's invoices (or contracts) written as its id
    ("pay 1002 and 1001" → "pay INV-1002 and INV-1001", "who can see 1001" → "… C-1001"), so the numbers are
    read as ids are (two invoices, two requests); None when no number is one of them."""
    value = _CONTRACT_VALUE_BEFORE if kind == "contracts" else _VALUE_BEFORE  # "set the PO on INV-1001 to 1003"
    taken = slots.taken_spans(text)
    numbers = [
        m
        for m in _BARE_NUMBER.finditer(text)
        if not value.search(text[: m.start()]) and not any(a <= m.start() < b for a, b in taken)
    ]
    if not numbers:
        return None
    prefix = "INV-" if kind == "invoices" else "C-"
    mine = {str(i["id"]) for i in w.call(f"list_{kind}", {}).get(kind) or []}
    named = [m for m in numbers if f"{prefix}{m.group(1)}" in mine]
    for m in reversed(named):
        text = f"{text[: m.start()]}{prefix}{m.group(1)}{text[m.end() :]}"
    return text if named else None


def named_invoice(w: Work, text: str, exclude: tuple[str, ...] = ()) -> str | None:
    """One of the user's invoices named without its id: by its number alone ("the 1001 one", "the pdf for
    1003") or by what it shows ("the 1200 one", "the older one"); one look at the list for both."""
    numbers = re.findall(r"(?<![\w-])(\d{3,6})(?![\w-])", slots.without_entities(text))
    described = slots.described(text)
    if not numbers and not described.any:
        return None
    invoices = w.call("list_invoices", {}).get("invoices") or []
    mine = {i["id"] for i in invoices}
    numbered = next((f"INV-{n}" for n in numbers if f"INV-{n}" in mine), None)
    return numbered or by_description(invoices, described, w, exclude)


def invoice_id(w: Work, skill: Skill, s: Slots, text: str) -> str | Ask:
    ref = slots.reference(text)
    # "the invoice of C-1001": the contract named says which invoices are meant, not the one talked about
    contracts = slots.found(text).contract_ids
    focus = None if contracts else w.state.focus.get("invoice_id")
    handled = (focus,) if focus else ()
    if (
        focus
        and ref.pronoun
        and not ref.other
        and recent_focus(w)
        and not re.search(r"\d", slots.without_entities(text))
    ):
        return focus  # "is it showing paid now?" after paying INV-1001: "paid" asks about it, does not pick another
    # "the older one first": what it shows decides, not the word "first"
    if (named := named_invoice(w, text, handled if ref.other else ())) is not None:
        return named
    if (picked := pick_shown(w, "invoices", ref, handled)) is not None:
        return picked
    if focus and not ref.other and (ref.pronoun or recent_focus(w)):
        return focus
    invoices = _listed(w, "invoices")
    if isinstance(invoices, Ask):
        return invoices
    if of_named := [i for i in invoices if i.get("contract_id") in contracts]:
        invoices = of_named  # "the invoice pdf for C-1002": only that contract's invoices are meant
    candidates = [i for i in invoices if skill.candidate is None or skill.candidate(i)]
    if ref.other:
        candidates = [i for i in candidates if i["id"] not in handled]
    if ref.every and skill.name == "update_po" and s.get("po_number"):
        # "put PO X on both overdue invoices": the ones described, oldest first; the others wait for "next"
        status = slots.described(text).status
        pool = sorted(
            (i for i in candidates if status is None or i.get("status") == status), key=lambda i: i["due_date"]
        )
        if len(pool) > 1:
            w.state.parked.extend(f"set the PO number of {i['id']} to {s['po_number']}" for i in pool[1:])
            return str(pool[0]["id"])
    if ref.every and skill.name == "pay_invoice" and len(candidates) > 1:
        # "pay both": one change at a time; the others wait for "next"
        w.state.parked.extend(skill.again.format(i["id"]) for i in candidates[1:])
        return str(candidates[0]["id"])
    if len(invoices) == 1 or (len(candidates) == 1 and (ref.every or ref.other)):
        return str(candidates[0]["id"] if candidates else invoices[0]["id"])
    shown = invoices  # all of them, in the order listed, so "the third one" means what the user sees
    w.state.shown = Shown("invoices", [i["id"] for i in shown], w.state.turn)
    question = next(n.question for n in skill.needs if n.slot == "invoice_id")
    note = ""
    if skill.name == "pay_invoice" and not candidates:
        note = "\n\nNone of them can be paid by card in the portal right now."
    return Ask(f"{question} You have:\n" + R.bullets([R.invoice_line(i) for i in shown]) + note)


def contract_id(w: Work, skill: Skill, s: Slots, text: str) -> str | Ask:
    ref = slots.reference(text)
    focus = w.state.focus.get("contract_id")
    if (picked := pick_shown(w, "contracts", ref, (focus,) if focus else ())) is not None:
        return picked
    if s.get("invoice_id"):  # "replace the card for INV-1001": the invoice's contract
        shown = w.call("get_invoice", {"invoice_id": s["invoice_id"]})
        if shown.get("ok") is not False and shown.get("contract_id"):
            return str(shown["contract_id"])
    if (paid := described_contract(w, text)) is not None:
        return paid
    if ref.ordinal is not None and re.search(r"\bcontract\b", text, re.I) and (nth := _nth_contract(w, ref.ordinal)):
        return nth  # "and for the second contract?" with no contracts on screen: as the portal lists them
    if focus and not ref.other and not ref.every and (ref.pronoun or recent_focus(w)):
        return focus
    contracts = _listed(w, "contracts")
    if isinstance(contracts, Ask):
        return contracts
    if ref.every and skill.name in ("add_user", "grant_access", "remove_access"):
        return ",".join(c["id"] for c in contracts)
    if ref.every and skill.name == "disable_auto_renew" and len(contracts) > 1:
        return _one_then_the_others(w, skill, contracts)
    if len(contracts) == 1:
        return str(contracts[0]["id"])
    candidates = [c for c in contracts if skill.candidate is not None and skill.candidate(c)]
    if skill.kind == "form" and len(candidates) == 1:
        return str(candidates[0]["id"])  # only one contract can have a card on file
    if ref.other and focus:
        rest = [c["id"] for c in contracts if c["id"] != focus]
        if len(rest) == 1:
            return str(rest[0])
    w.state.shown = Shown("contracts", [c["id"] for c in contracts], w.state.turn)
    question = next((n.question for n in skill.needs if n.slot in ("contract_id", "contract_ids")), "Which contract?")
    return Ask(f"{question} You have:\n" + R.bullets([R.contract_line(c) for c in contracts]))


def described_contract(w: Work, text: str) -> str | None:
    """The one contract paid the way the message says ("the card one", "the one without a card") or ending
    when it says ("the one ending in about 3 months", "the one that runs out first")."""
    paid, days = slots.paid_by(text), slots.ends_in(text)
    if paid is None and days is None:
        return None
    contracts = w.call("list_contracts", {}).get("contracts") or []
    if paid is not None:
        fits = [c["id"] for c in contracts if bool(c.get("card") or c.get("card_allowed")) == (paid == "card")]
        return str(fits[0]) if len(fits) == 1 else None
    return _ending(contracts, days) if days is not None else None


def _ending(contracts: list[dict[str, Any]], days: int) -> str | None:
    dated = sorted((int(c["days_to_end"]), str(c["id"])) for c in contracts if isinstance(c.get("days_to_end"), int))
    if len(dated) < 2:
        return None
    if days in (0, -1):
        return dated[0][1] if days == 0 else dated[-1][1]
    # the nearest, and only when it is clearly nearer than the next (about a third of the distance)
    near = sorted(dated, key=lambda d: abs(d[0] - days))
    return near[0][1] if abs(near[0][0] - days) * 3 < abs(near[1][0] - days) + 1 else None


def _nth_contract(w: Work, ordinal: int) -> str | None:
    contracts = w.call("list_contracts", {}).get("contracts") or []
    i = len(contracts) - 1 if ordinal == -1 else ordinal - 1
    return str(contracts[i]["id"]) if 0 <= i < len(contracts) else None


def _one_then_the_others(w: Work, skill: Skill, contracts: list[dict[str, Any]]) -> str:
    """ "Turn off auto-renew on both": one change at a time, an eligible contract first; the others wait
    for "next" (where one cannot be turned off, the user hears why then)."""
    renewing = [c for c in contracts if c.get("auto_renew")] or contracts
    first = next((c for c in renewing if skill.candidate is None or skill.candidate(c)), renewing[0])
    w.state.parked.extend(skill.again.format(c["id"]) for c in renewing if c is not first)
    return str(first["id"])


def contract_ids(w: Work, skill: Skill, s: Slots, text: str) -> list[str] | Ask:
    found = contract_id(w, skill, s, text)
    if isinstance(found, Ask):
        return found
    return found.split(",")


def user_email(w: Work, s: Slots, text: str, *, granting: bool = False) -> str | Ask:
    """The e-mail of the user a grant or removal is about: typed, picked from a list, or found by name."""
    person = str(s.get("user") or "")
    if "@" in person:
        return person
    if not person:
        known = user_in_context(w, s, text)
        return known if known is not None else Ask("Which user? Please give their e-mail address.")
    # Someone to be given access is looked for on every contract the user sees (not yet on the ones named)
    pool = _contracts_to_search(w, [] if granting and person != ME else list(s.get("contract_ids") or []))
    others: set[str] = set()
    for cid in pool:
        users = w.call("list_contract_users", {"contract_id": cid})
        for u in users.get("users") or []:
            if person == NOT_ME and not u.get("you"):
                others.add(str(u["email"]))
            elif person != NOT_ME and _is_person(person, u):
                return str(u["email"])
    if person == NOT_ME:
        return others.pop() if len(others) == 1 else Ask("Which user? Please give their e-mail address.")
    if person == ME:
        return Ask(R.not_yours(pool, granting=granting), final=True)
    if person.startswith(slots.ROLE_PREFIX):
        role = R.ROLE.get(person.removeprefix(slots.ROLE_PREFIX), "")
        return Ask(f"I couldn't find the {role} among the users of your contracts. What is their e-mail address?")
    return Ask(f'I couldn\'t find a portal user called "{person}" on your contracts. What is their e-mail address?')


_PERSON = re.compile(r"\b(?:him|her|them|he|she|they)\b", re.I)


def _contracts_to_search(w: Work, named: list[str]) -> list[str]:
    """The contracts a person is looked for on: the ones named, else every contract the user sees."""
    if named:
        return named
    listed = w.call("list_contracts", {})
    return [c["id"] for c in listed.get("contracts") or []] if listed.get("ok") is not False else []


def user_named(w: Work, s: Slots, text: str) -> str | None:
    """ "bob brown left last friday, remove him from C-1001": a colleague on the user's contracts whose
    name the message spells out, in any case (the names come from the contracts, never guessed)."""
    pool = _contracts_to_search(w, list(s.get("contract_ids") or []))
    users = {
        str(u["email"]): u
        for cid in pool
        for u in w.call("list_contract_users", {"contract_id": cid}).get("users") or []
    }
    for whole in (True, False):  # the full name first: two colleagues may share a first name
        hits = set()
        for email, u in users.items():
            name = str(u.get("name") or "").strip()
            said = name if whole else (name.split() or [""])[0]
            flags = re.I if whole else 0  # a first name alone only capitalised: "will", "may" are words too
            if len(said) >= 3 and not u.get("you") and re.search(rf"\b{re.escape(said)}\b", text, flags):
                hits.add(email)
        if len(hits) == 1:
            return hits.pop()
    return None


def user_in_context(w: Work, s: Slots, text: str) -> str | None:
    """The e-mail of the user a message names without typing it: "him" (the person the conversation is about,
    before any list: "re-add him to that contract" after a list of one), "the second one" (of the users
    shown), or a colleague's name."""
    if (mentioned := person_in_focus(w, text)) is not None:
        return mentioned
    if (picked := pick_shown(w, "users", slots.reference(text))) is not None:
        return picked
    return user_named(w, s, text)


def person_in_focus(w: Work, text: str) -> str | None:
    """ "Give him C-1002 as well", "remove her again": the e-mail of the person the conversation is about."""
    person = w.state.focus.get("user", "")
    return person if "@" in person and _PERSON.search(text) else None


def _is_person(person: str, user: dict[str, Any]) -> bool:
    if person == ME:
        return bool(user.get("you"))
    if person.startswith(slots.ROLE_PREFIX):
        return person.removeprefix(slots.ROLE_PREFIX) in (user.get("roles") or [])
    name = (user.get("name") or "").lower()
    first = name.split()[0] if name else ""
    return person.lower() in {first, name, str(user.get("email", "")).split("@")[0].lower()}

"""From the last human message (and the turns before it) to a goal: an intent with its slots.

Follow-ups are resolved here: pronouns and "the second one" refer to what earlier turns showed,
a bare id or value answers the question the planner asked, "no, INV-1003" corrects the last
request, "next" picks up a request that was deferred, and "yes" accepts an offered hand-off.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from agent.confirm import AFFIRMATIVE, NEGATIVE, _normal
from agent.planner import slots
from agent.planner.history import Turn, contract_refs, invoice_refs, last_list
from agent.planner.intents import INVOICE_INTENTS, classify, repair
from agent.planner.replies import DEFERRED

CONTRACT_LEVEL = {"get_contract", "signed_quote", "address", "contact", "card", "auto_renew", "list_users"}
USER_LEVEL = {"add_user", "grant", "remove"}
ACTIONABLE = INVOICE_INTENTS | CONTRACT_LEVEL | USER_LEVEL | {"list_invoices", "list_contracts"}
OFFER = re.compile(r"open a (?:support )?case with (Customer Service|your Collector|your Account Executive)", re.I)
QUEUES = {"customer service": "customer_service", "your collector": "collector", "your account executive": "ae"}

_PRONOUN = re.compile(r"\b(?:it|its|it's|that|this|that one|this one|the same|same one|them|those|these|the invoice|"
                      r"this invoice|that invoice|the contract|this contract|that contract|the bill)\b", re.I)
_FILLER = set("""
no nope nah sorry i i'm im meant mean actually the one that this it its it's please pls instead not rather oh oops
wait use try with for on to and what about how invoice contract number is email e-mail address name po ok okay yes
yeah then same also too ones a an of my our sure rather than change make set do go correction typo wrong
mistake should be was new hmm well right thanks thank you
""".split())
# A question, possibly after a discourse word ("Actually, what is ...?"), is never a slot value.
QUESTION = re.compile(r"^\W*(?:(?:actually|ok|okay|so|and|also|but|hmm|well|wait|sorry|oh|no|hi|hello|hey)\b[,.!:]?\s*)*"
                      r"(?:what|what's|whats|which|when|where|who|whose|why|how|is|are|does|do|did|can|could|will|"
                      r"would|has|have)\b.*\?\s*$", re.I)
_CORRECTION = re.compile(r"^\s*(?:no|nope|sorry|oops|actually|wait|i meant|i mean|correction|not that)\b", re.I)
_NEXT = re.compile(r"^\s*(?:ok(?:ay)?[,.!]?\s*)?(?:(?:and|now|then)\s+)?(?:next|continue|go on|carry on|the next one|"
                   r"do the next|do the other|the other (?:one|request|thing)|now the (?:next|other|second)|"
                   r"and the rest|what's next|whats next|proceed with the next)\b", re.I)
_SPLIT = re.compile(r"\s*(?:;|\band then\b|\bthen\b|\band also\b|\balso\b|\band\b|\.\s+)\s*", re.I)


@dataclass
class Goal:
    intent: str
    text: str
    invoice_id: str | None = None
    contract_ids: list[str] = field(default_factory=list)
    quote_id: str | None = None
    email: str | None = None
    name: str | None = None
    person: str | None = None
    phone: str | None = None
    po_number: str | None = None
    address: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    all_items: bool = False
    ordinal: int | None = None
    deferred: str | None = None
    queue: str | None = None
    card_typed: bool = False  # the message had a card number in it (masked before the planner saw it)

    @property
    def contract_id(self) -> str | None:
        return self.contract_ids[0] if self.contract_ids else None

    def missing(self) -> str | None:
        """The first slot still needed before the tool can be called (None when complete)."""
        if self.intent in INVOICE_INTENTS and not self.invoice_id:
            return "invoice"
        if self.intent == "po" and not self.po_number:
            return "po_number"
        if self.intent in CONTRACT_LEVEL and not self.contract_ids:
            return "contract"
        if self.intent == "address" and not self.address:
            return "address"
        if self.intent == "contact" and not (self.name or self.email or self.phone):
            return "contact"
        if self.intent in USER_LEVEL:
            if self.intent == "add_user":
                if not self.email:
                    return "email"
                if not self.name:
                    return "name"
            elif not (self.email or self.person):
                return "user"
            if not self.contract_ids:
                return "contract"
        return None


# -- extraction -----------------------------------------------------------------------------------

def extract(intent: str, text: str) -> Goal:
    goal = Goal(intent, text)
    invoices = slots.invoice_ids(text)
    goal.invoice_id = invoices[0] if invoices else None
    goal.contract_ids = slots.contract_ids(text)
    quotes = slots.quote_ids(text)
    goal.quote_id = quotes[0] if quotes else None
    found = slots.emails(text)
    goal.email = found[0] if found else None
    goal.ordinal = slots.ordinal(text)
    goal.all_items = slots.wants_all(text)
    if intent == "list_invoices":
        goal.status = slots.status(text)
    if intent == "po":
        goal.po_number = slots.po_number(text)
    if intent == "address":
        goal.address = slots.address(text)
    if intent in ("contact", "add_user"):
        goal.name = slots.full_name(text)
        goal.phone = slots.phone(text) if intent == "contact" else None
        if intent == "contact" and not (goal.name or goal.email or goal.phone):
            goal.name = _contact_name(text)
    if intent in ("grant", "remove") and not goal.email:
        goal.person = slots.person_reference(text)
    return goal


def _contact_name(text: str) -> str | None:
    m = re.search(r"\bname\b.*?\b(?:to|is|should be|:)\s+([A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){0,2})", text)
    return m.group(1) if m else None


# -- queues for hand-offs ----------------------------------------------------------------------

_PRIOR = re.compile(r"\b(?:e-?mailed|sent (?:an? )?(?:e-?mail|request|letter)|called|phoned|outside the portal|"
                    r"before the portal|previous (?:request|inquiry|enquiry|ticket)|nobody (?:answered|replied)|"
                    r"no one (?:answered|replied)|follow up on)\b", re.I)
_AE = re.compile(r"\b(?:account exec\w*|\bae\b|renew\w*|auto[\s-]?renew\w*|contract terms|cancel (?:the |our )?contract)",
                 re.I)
_COLLECTOR = re.compile(r"\b(?:collector|collections?|overdue|pay\w*|charge\w*|balance|owe|debt|suspen\w*|refund\w*|"
                        r"dispute\w*|late fee)\b", re.I)
_REFUSAL_QUEUE = {"AutoRenewNotEligible": "ae", "autorenew": "ae"}


def queue_from_text(text: str) -> str | None:
    if re.search(r"\baccount exec\w*|\bae\b", text, re.I):
        return "ae"
    if re.search(r"\bcollector|\bcollections?\b", text, re.I):
        return "collector"
    if _PRIOR.search(text):
        return "customer_service"
    if _AE.search(text):
        return "ae"
    if _COLLECTOR.search(text):
        return "collector"
    return None


def queue_for(text: str, earlier: list[Turn]) -> str:
    found = queue_from_text(text)
    if found:
        return found
    for turn in reversed(earlier[-3:]):
        for step in reversed(turn.steps):
            r = step.result or {}
            if r.get("ok") is False:
                if step.name == "disable_auto_renew":
                    return "ae"
                if step.name == "pay_invoice":
                    return "collector"
                return "customer_service"
        found = queue_from_text(turn.human)
        if found:
            return found
    return "customer_service"


# -- understanding ------------------------------------------------------------------------------

def understand(turns: list[Turn], index: int | None = None, depth: int = 0) -> Goal:
    """The goal of turn `index` (default: the last one), read in the context of the turns before it."""
    index = len(turns) - 1 if index is None else index
    text = turns[index].human.strip()
    earlier = turns[:index]
    previous = understand(turns, index - 1, depth + 1) if index > 0 and depth < 4 else None
    norm = _normal(text)

    if slots.CARD_MASK.search(text):
        # A card number is only ever typed to pay with it or to put it on file: neither happens in chat.
        # Whatever was asked, the answer is the secure card form of the contract concerned.
        goal = extract("card", text)
        goal.card_typed = True
        return _resolve(goal, earlier, previous)
    if norm in AFFIRMATIVE or norm in {"yes please do", "please", "yes please open one", "ok please", "please do so"}:
        offered = _offered_queue(earlier)
        if offered:
            return Goal("handoff", text, queue=offered)
        return Goal("affirm", text)
    if norm in NEGATIVE:
        return Goal("deny", text)
    if _NEXT.search(text):
        for turn in reversed(earlier):
            if _NEXT.search(turn.human):
                break  # that deferral was already picked up
            m = DEFERRED.search(turn.reply or "")
            rest = m.group(1) if m else None
            if rest is None and depth < 4 and _ACTED.intersection(s.name for s in turn.steps):
                rest = understand(turns, turns.index(turn), depth + 1).deferred
            if rest:
                return _resolve(_first_request(rest, earlier), earlier, previous)
        return Goal("next", text)
    merged = _as_follow_up(text, earlier, previous) or _bare_reference(text, earlier)
    if merged is not None:
        return _resolve(merged, earlier, previous)
    goal = _first_request(text, earlier, _points_back(text, earlier))
    if goal.intent == "handoff":
        goal.queue = queue_for(text, earlier)
    return _resolve(goal, earlier, previous)


_ACTED = {"pay_invoice", "update_po_number", "update_billing_address", "update_billing_contact", "disable_auto_renew",
          "add_portal_user", "grant_contract_access", "remove_contract_access", "invoice_pdf_link", "get_invoice",
          "signed_quote_link", "card_update_form", "list_invoices", "list_contracts", "get_contract"}
_OFFERING = {"pay_invoice": "collector", "disable_auto_renew": "ae", "remove_contract_access": "customer_service",
             "update_billing_address": "customer_service"}


def _offered_queue(earlier: list[Turn]) -> str | None:
    """The team a hand-off was offered to at the end of the last turn (by the reply or the refusal behind it)."""
    if not earlier:
        return None
    m = OFFER.search(earlier[-1].reply or "")
    if m:
        return QUEUES[m.group(1).lower()]
    steps = earlier[-1].steps
    if not earlier[-1].reply and steps and (steps[-1].result or {}).get("ok") is False:
        r = steps[-1].result or {}
        if r.get("kind") == "conflict" and steps[-1].name in _OFFERING and r.get("error") not in ("already_off",
                                                                                                 "already_paid"):
            return _OFFERING[steps[-1].name]
    return None


def _points_back(text: str, earlier: list[Turn]) -> bool:
    """"the last one" after a list, or "it" when the conversation is about one thing."""
    if slots.ordinal(text) is not None and last_list(earlier):
        return True
    return bool(_PRONOUN.search(text)) and any(invoice_refs(t) or contract_refs(t) for t in earlier[-3:])


def _first_request(text: str, earlier: list[Turn], referenced: bool = False) -> Goal:
    """Several requests in one message: the first is the goal, the rest is deferred."""
    intent = classify(text, referenced).name
    goal = extract(intent, text)
    if intent not in ACTIONABLE:
        return goal
    clauses = [c for c in _SPLIT.split(text) if c and c.strip()]
    if len(clauses) < 2:
        return goal
    for cut in range(1, len(clauses)):
        head, tail = " ".join(clauses[:cut]), " ".join(clauses[cut:])
        if not _has_verb(tail):
            continue
        first, second = classify(head).name, classify(tail).name
        if first in ACTIONABLE and second in ACTIONABLE and second != first and _distinct(head, tail):
            goal = extract(first, head)
            later = extract(second, tail)
            ref = goal.invoice_id or goal.contract_id
            rest = _substitute(text[text.find(tail.split()[0], len(head) - 1):] if tail.split() else tail, ref)
            goal.deferred = rest if (later.invoice_id or later.contract_ids or not ref) else rest
            return goal
    return goal


_VERBS = re.compile(r"\b(?:pay|set|change|update|add|remove|turn|disable|download|send|show|give|grant|invite|put|"
                    r"make|cancel|stop|list|get|switch|replace|revoke|take)\b", re.I)


def _has_verb(text: str) -> bool:
    return bool(_VERBS.search(text))


def _distinct(head: str, tail: str) -> bool:
    # "C-1001 and C-1002" or "Jane and Tom" are one request with a list, not two requests.
    return bool(re.search(r"[a-z]{3,}", _strip(tail), re.I)) and _has_verb(head)


def _strip(text: str) -> str:
    return re.sub(r"\b(?:INV|C|Q)-\S+|\S+@\S+", " ", text, flags=re.I)


def _substitute(text: str, ref: str | None) -> str:
    if not ref:
        return text.strip()
    return re.sub(r"\b(?:its|it's|it|that|this one)\b", lambda m: ref + ("'s" if m.group(0).startswith("its") else ""),
                  text.strip(), count=1, flags=re.I)


_BARE_OK = set("""
no nope sorry i meant mean actually the one that it please pls and what about how invoice contract number ok okay
show me see open details oh hmm well then also a an of my our
""".split())


def _fragment_words(text: str) -> list[str]:
    cleaned = slots.EMAIL.sub(" ", text)
    cleaned = re.sub(r"\b(?:INV|C|Q)[\s\-]?\d+\b|\binv(?:oice)?\s*\d{3,}\b", " ", cleaned, flags=re.I)
    cleaned = re.sub(r"\b(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|latest)\b", " ", cleaned, flags=re.I)
    return [w for w in re.findall(r"[a-z']+", repair(cleaned).lower()) if w not in _FILLER]


def _as_follow_up(text: str, earlier: list[Turn], previous: Goal | None) -> Goal | None:
    """A message that only supplies or corrects a slot of the previous request, or None."""
    if previous is None or previous.intent not in ACTIONABLE | {"handoff"}:
        return _bare_reference(text, earlier)
    if QUESTION.search(text) and not _bare_reference(text, earlier):
        return None  # "actually, what is the PO on INV-1001?" asks something new; it fills no slot
    words = _fragment_words(text)
    wanted = previous.missing()
    new = extract(previous.intent, text)
    if previous.intent == "po" and not new.po_number and (wanted == "po_number" or _CORRECTION.search(text)):
        value = slots.po_fragment(text, asked=wanted == "po_number")
        if value:
            new.po_number, words = value, []
    if wanted == "name" and not new.name and re.fullmatch(r"[A-Z][\w'\-]+(?:\s+[A-Z][\w'\-]+){0,2}", text.strip(" .")):
        new.name, words = text.strip(" ."), []
    if previous.intent == "address" and new.address and (wanted == "address" or not new.contract_ids
                                                         or new.contract_ids == previous.contract_ids):
        words = []  # "the postal code is 94107": one more part of the address being changed
    if wanted == "contact" and (new.name or new.email or new.phone):
        words = []
    if wanted == "user" and (new.email or new.person):
        words = []
    if words and not _CORRECTION.search(text):
        return None
    if words and _CORRECTION.search(text) and len(words) > 2:
        return None
    supplied = _supplied(new, previous, earlier)
    if not supplied and not (new.ordinal and wanted in ("invoice", "contract")):
        return None if words or not _CORRECTION.search(text) else None
    goal = replace(previous, text=previous.text + " / " + text, deferred=None, card_typed=False)
    for key in supplied:
        setattr(goal, key, getattr(new, key))
    if "address" in supplied and (not new.contract_ids or new.contract_ids == previous.contract_ids):
        goal.address = {**previous.address, **new.address}
    if new.ordinal and wanted in ("invoice", "contract"):
        goal.ordinal = new.ordinal
        if wanted == "invoice":
            goal.invoice_id = None
        else:
            goal.contract_ids = []
    return goal


def _supplied(new: Goal, previous: Goal, earlier: list[Turn]) -> list[str]:
    keys = []
    if new.invoice_id and previous.intent in INVOICE_INTENTS | {"list_invoices"}:
        keys.append("invoice_id")
    if new.contract_ids and previous.intent in CONTRACT_LEVEL | USER_LEVEL | {"list_invoices", "get_contract"}:
        keys.append("contract_ids")
    if new.email and previous.intent in USER_LEVEL | {"contact"}:
        keys.append("email")
    for key in ("po_number", "name", "phone", "person"):
        if getattr(new, key) and previous.intent in ("po", "add_user", "contact", "grant", "remove"):
            keys.append(key)
    if new.address and previous.intent == "address":
        keys.append("address")
    return keys


def _bare_reference(text: str, earlier: list[Turn]) -> Goal | None:
    """"INV-1003" or "the second one" on its own: show that item."""
    if any(w not in _BARE_OK for w in _fragment_words(text) + re.findall(r"[a-z']+", text.lower())
           if w in _FILLER and w not in _BARE_OK) or _fragment_words(text):
        return None
    new = extract("get_invoice", text)
    if new.invoice_id:
        return new
    if new.contract_ids:
        return extract("get_contract", text)
    if new.ordinal:
        shown = last_list(earlier)
        if shown and shown[0] == "contracts":
            return replace(new, intent="get_contract")
        if shown and shown[0] == "invoices":
            return new
    return None


def _resolve(goal: Goal, earlier: list[Turn], previous: Goal | None) -> Goal:
    """Fill missing ids from ordinals over the last list, or from what the conversation is about."""
    text = goal.text
    if goal.intent == "list_invoices" and goal.invoice_id:
        goal.intent = "get_invoice"
    if goal.intent in INVOICE_INTENTS and not goal.invoice_id:
        picked = _pick(earlier, "invoices", goal.ordinal)
        if picked:
            goal.invoice_id = picked
        elif goal.ordinal is None and not goal.all_items:
            goal.invoice_id = _focus(earlier, invoice_refs, bool(_PRONOUN.search(text)))
        if goal.intent == "get_invoice" and not goal.invoice_id and goal.ordinal is None:
            goal.intent, goal.status = "list_invoices", slots.status(text)  # "anything past due?"
    if (goal.intent in CONTRACT_LEVEL or goal.intent in USER_LEVEL) and not goal.contract_ids and not goal.all_items:
        picked = _pick(earlier, "contracts", goal.ordinal) if goal.intent not in USER_LEVEL or not goal.email else None
        if picked:
            goal.contract_ids = [picked]
        elif goal.intent == "signed_quote" and goal.quote_id:
            pass
        elif goal.intent in CONTRACT_LEVEL or _PRONOUN.search(text) or _listed_users(earlier[-1:]):
            focus = _focus(earlier, contract_refs, bool(_PRONOUN.search(text)))
            goal.contract_ids = [focus] if focus else []
    if goal.intent in ("grant", "remove") and not goal.email and goal.person is None and goal.ordinal:
        shown = last_list(earlier)
        if shown and shown[0] == "users":
            goal.email = _nth(shown[1], goal.ordinal, "email")
    return goal


def _listed_users(turns: list[Turn]) -> bool:
    return any(s.name == "list_contract_users" for t in turns for s in t.steps)


def _nth(items: list[dict[str, Any]], ordinal: int, key: str) -> str | None:
    if not items:
        return None
    i = len(items) - 1 if ordinal == -1 else ordinal - 1
    return str(items[i][key]) if 0 <= i < len(items) else None


def _pick(earlier: list[Turn], kind: str, ordinal: int | None) -> str | None:
    if ordinal is None:
        return None
    shown = last_list(earlier)
    if not shown or shown[0] != kind:
        return None
    return _nth(shown[1], ordinal, "id")


def _focus(earlier: list[Turn], refs: Any, pronoun: bool) -> str | None:
    """The id the conversation is about: the last turn's, or with a pronoun any of the last three."""
    window = earlier[-3:] if pronoun else earlier[-1:]
    for turn in reversed(window):
        found = refs(turn)
        if found and (pronoun or len(set(found)) == 1):
            return found[-1]
    return None

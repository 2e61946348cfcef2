"""From a message (in the state of the dialogue) to what it does and what it is about.

The dialogue act and the intent come from the learned classifier; exact rules only say what is
exact: a message made of yes/no words is an affirmation or a denial (the same lexicon the service
uses for confirmations), a masked card number is about the card on file, and a message with two
requests ("what's the balance of INV-1001, and change its PO to Y") is read as two parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.confirm import Reply, lexical_reply
from agent.planner import classifier, faq, slots
from agent.planner.acts import GENERAL, NONE, QUESTIONS, Act
from agent.planner.state import DialogueState

# A clause boundary where a second request may start.
_BOUNDARY = re.compile(
    r"(?:[.;!?]+\s+|,\s*(?:and|then|also|plus|but)?\s*|\s+[-–—]+\s+|\s+(?:and then|and also|and|"
    r"then|also|plus|as well as|\+|&)\s+)",
    re.I,
)
_CONTINUES = re.compile(
    r"(?:to|for|on|in|of|from|with|at|by|as|into|onto|and|or|but|name|named|"
    r"called|e-?mail|which|who|that|because|since|so|if|when|while|she|he|they|she's|he's|"
    r"they're|we're|i'm|it's)\b|[\w.+\-]+@",
    re.I,
)
# A clause that only sets a condition ("if I pay it today, ...") asks nothing to be done.
_CONDITION = re.compile(
    r"^\W*(?:(?:and|so|but|ok)\W+)?(?:if|when|once|after|before|suppose|say)\s+(?:i|we|you|they|it|he|she|the|my|our|a|an)\b",
    re.I,
)
_SECOND_OK = frozenset({Act.PORTAL_QUESTION, Act.DATA_QUESTION, Act.REQUEST, Act.HANDOFF})
PART_CONFIDENCE = 0.6
INTENT_CONFIDENCE = 0.4
SURE_TOPIC = 0.9  # an intent this sure outweighs an act head that calls the message off-topic
DECLINE_FLOOR = 0.4  # a request this surely about no skill is declined, not mapped to the nearest one
CONSISTENT_FLOOR = 0.2


@dataclass(frozen=True)
class Part:
    """One thing a message does: its act and intent (with the classifier's confidence) and its text."""

    text: str
    act: Act
    intent: str
    act_p: float = 1.0
    intent_p: float = 1.0

    @property
    def found(self) -> slots.Found:
        return slots.found(self.text)


def _gives(text: str, asked: str) -> bool:
    """Whether the message holds an exact value for the slot asked for (an id, an e-mail)."""
    f = slots.found(text)
    return {
        "invoice_id": bool(f.invoice_ids),
        "contract_id": bool(f.contract_ids),
        "contract_ids": bool(f.contract_ids) or f.ref.every,
        "email": bool(f.emails),
        "user": bool(f.emails),
    }.get(asked, False)


def _first_clause(text: str) -> str:
    """ "C-1002 only, the card contract stays as is": what comes before the first comma or full stop."""
    return re.split(r"[,;.!?]\s", text, maxsplit=1)[0]


def classify(text: str, context: str) -> Part:
    """The whole message's act and intent: the yes/no lexicon first, then the learned classifier."""
    lexical = lexical_reply(text)
    if lexical is Reply.AFFIRM:
        return Part(text, Act.AFFIRM, NONE)
    if lexical is Reply.DENY:
        return Part(text, Act.DENY, NONE)
    return _part(text, context)


def read(text: str, state: DialogueState) -> list[Part]:
    """The parts of a message, in the order the user said them (one part for most messages)."""
    whole = classify(text, state.context())
    if whole.act in (Act.AFFIRM, Act.DENY) and lexical_reply(text) is not None:
        return [whole]
    if whole.act in (Act.AFFIRM, Act.DENY) and slots.gives_again(text, after_yes=whole.act == Act.AFFIRM):
        return [Part(text, Act.CORRECTION, NONE, whole.act_p, whole.intent_p)]  # "no, make that Finance Team"
    if (
        state.frame is not None
        and state.frame.asked
        and len(_first_clause(text).split()) <= 6
        and _gives(_first_clause(text), state.frame.asked)
        and whole.act != Act.SLOT_ANSWER
        and not (whole.act in QUESTIONS and _QUESTION_SHAPE.search(text))  # "what's the balance of INV-1001"
    ):
        # "just C-1002" right after "Which contracts?": the value asked for, whatever else the words suggest
        return [Part(text, Act.SLOT_ANSWER, NONE, whole.act_p, 1.0)]
    if (
        state.frame is not None
        and state.frame.asked in ("contract_id", "contract_ids")
        and len(text.split()) <= 10
        and (slots.paid_by(text) is not None or slots.ends_in(text) is not None)
        and whole.act not in QUESTIONS
    ):
        # "the one we pay by bank transfer" right after "Which contract?": a contract described, not a request
        return [Part(text, Act.SLOT_ANSWER, NONE, whole.act_p, 1.0)]
    if _reported_wrong(whole):
        whole = Part(text, Act.REQUEST, whole.intent, whole.act_p, whole.intent_p)
    if whole.act == Act.PORTAL_QUESTION and whole.intent == GENERAL and slots.PAID_ALREADY.search(text):
        whole = Part(text, whole.act, "pay_invoice", whole.act_p, whole.intent_p)  # a payment that does not show
    if state.last is not None and slots.JUST_ONE.match(text) and slots.person_reference(text):
        return [Part(text, Act.CORRECTION, NONE, whole.act_p, whole.intent_p)]  # "only bob please", after two people
    if whole.act == Act.REQUEST and _IF_I.search(text):
        # "if i switch off auto renew on C-1001 can i undo it later?": what would follow, not the change
        whole = Part(text, Act.PORTAL_QUESTION, whole.intent, whole.act_p, whole.intent_p)
    if whole.act != Act.HANDOFF and _CHASE.search(_last_sentence(text)):
        # "…never heard back. Can you chase that?": a person asked for outright
        return [Part(text, Act.HANDOFF, "handoff", 1.0, 1.0)]
    if (
        whole.act in (Act.PORTAL_QUESTION, Act.DATA_QUESTION)
        and whole.intent == "handoff"
        and slots.ASKS_ASSISTANT.search(_last_sentence(text))
    ):
        return [Part(text, Act.HANDOFF, "handoff", whole.act_p, whole.intent_p)]  # "can you get collections to call?"
    if (
        whole.act != Act.HANDOFF
        and slots.names_team(text)
        and slots.WANTS_PERSON.search(text)
        and not _told_to(text)
        and not slots.asks_if_a_person_is_needed(text)
    ):
        # "and for C-1002 I need the AE", "pls raise it with customer service": a team named and asked for
        return [Part(text, Act.HANDOFF, "handoff", whole.act_p, 1.0)]
    if whole.act == Act.PORTAL_QUESTION and _HUMANS.search(text):
        whole = Part(text, whole.act, "handoff", whole.act_p, whole.intent_p)  # "do real people still answer?"
    if whole.act == Act.PORTAL_QUESTION and _DESCRIBED_CONTRACT.search(text) and slots.paid_by(text):
        # "when does the contract with the credit card run out?": one of the user's own contracts
        whole = Part(text, Act.DATA_QUESTION, whole.intent, whole.act_p, whole.intent_p)
    if whole.act == Act.DATA_QUESTION and _ASKS_WHY_MISSING.search(text) and not slots.found(text).names_item:
        # "There are Globex contracts I know exist but they're missing from my list. Why?": how access works
        return [Part(text, Act.PORTAL_QUESTION, GENERAL, whole.act_p, whole.intent_p)]
    if _HOW_MUCH_OPEN.search(text) and not slots.found(text).invoice_ids and whole.act in QUESTIONS:
        # "how much is still open on contract C-1002": the open invoices (of that contract), not the contract
        return [Part(text, Act.DATA_QUESTION, "list_invoices", whole.act_p, 1.0)]
    if whole.act == Act.PORTAL_QUESTION and (mine := _WHICH_OF_MINE.search(text)):
        # "which of my invoices can I actually pay online?": the list, filtered as asked
        listed = "list_contracts" if mine.group(1).lower() == "contracts" else "list_invoices"
        whole = Part(text, Act.DATA_QUESTION, listed, whole.act_p, whole.intent_p)
    if whole.act == Act.PORTAL_QUESTION and (state.focus or state.shown) and slots.points_to_item(text):
        whole = Part(text, Act.DATA_QUESTION, whole.intent, whole.act_p, whole.intent_p)
    if whole.act == Act.PORTAL_QUESTION and state.shown is not None and slots.reference(text).ordinal is not None:
        # "when does the second one end?": a question about an item just shown is about one's own data
        whole = Part(text, Act.DATA_QUESTION, whole.intent, whole.act_p, whole.intent_p)
    if _ON_THE_CARD.search(text) and not slots.CARD_MASK.search(text):
        # "put it on the card": charge it (`_part` reads it so); after a question of its own, both: "what's left on
        # INV-1003, and can you put it on the card?"
        return _two_parts(text, state) or [whole]
    if slots.CARD_MASK.search(text):
        # A card number is only ever typed to pay with it or to put it on file: neither happens in chat.
        return [Part(text, Act.REQUEST, "update_card", whole.act_p, 1.0)]
    if whole.act == Act.OFF_TOPIC and faq.names_billing_concept(text) and not _CREATIVE.search(text):
        # "what's your refund policy on annual subscriptions": about billing, even if the articles are silent
        return [Part(text, Act.PORTAL_QUESTION, GENERAL, whole.act_p, whole.intent_p)]
    if whole.act == Act.OFF_TOPIC and (topical := _on_a_skill(whole)) is not None:
        return [topical]
    if whole.act == Act.AFFIRM and (asked := _after_yes(text)) is not None:
        return [asked]  # "ok fine. what's due next for us": an acknowledgement, then a question
    if whole.act == Act.HANDOFF and _aside(whole) and (topic := _skill_asked(text, state.context())) is not None:
        return [topic]  # "send me the signed quote for C-2001, the customer asked me to get it": no person wanted
    if whole.act == Act.HANDOFF and slots.asks_who_hears(text):
        return [Part(text, Act.PORTAL_QUESTION, "handoff", whole.act_p, whole.intent_p)]
    if whole.act in (Act.SLOT_ANSWER, Act.AFFIRM, Act.DENY, Act.SMALLTALK, Act.OFF_TOPIC, Act.CORRECTION):
        return [whole]
    if (asked := _main_clause(text)) is not None:
        return [asked]
    if (whole.act in QUESTIONS or (whole.act, whole.intent) == (Act.REQUEST, GENERAL)) and (
        told := _final_request(text)
    ) is not None:
        return [told]  # "I'm Carol from Globex, on Alice's laptop. pay INV-2002 for me": the story, then the request
    parts = _two_parts(text, state)
    if parts and len(kept := [p for p in parts if not _aside(p)]) == 1:
        return kept  # "can I see INV-2001? a supplier sent it to me": the rest only tells a story
    if (
        parts
        and any(p.act == Act.HANDOFF and _told_to(p.text) for p in parts)
        and (asked := next((p for p in parts if p.act in QUESTIONS), None))
    ):
        # "my finance lead said to talk to our collector - what do they handle?": a question about the team
        return [Part(text, asked.act, "handoff", asked.act_p, asked.intent_p)]
    if parts and any(p.act == Act.HANDOFF for p in parts) and all(p.act != Act.REQUEST for p in parts):
        # "Our renewal for C-1002 is coming up and I want to negotiate. connect me with the right person":
        # the rest is what the person is needed for (and says which team), not a second thing to do
        return [Part(text, Act.HANDOFF, "handoff", whole.act_p, 1.0)]
    if parts:
        return parts
    if whole.act == Act.REQUEST and text.rstrip().endswith("?") and (asked := _final_question(text)) is not None:
        # "We pay C-1002 by wire - could we switch to card?": background, then a question
        return [Part(text, Act.PORTAL_QUESTION, asked.intent, asked.act_p, asked.intent_p)]
    return [whole]


# An invoice put on the card is paid with it; a card put on file ("put the new card on C-1001") is the card form.
_ON_THE_CARD = re.compile(
    r"\b(?:put|charge|stick|bill|run)\s+(?:it|this|that|them|this one|that one|the (?:invoice|bill|balance|rest|"
    r"amount))\s+(?:on|to|through)\s+(?:the|our|my|that|a)?\s*(?:card|visa|mastercard|amex|credit card|"
    r"company card|corporate card)\b",
    re.I,
)
_ACK_THEN = re.compile(r"^\s*(.{1,24}?)(?:[.;!]+|\s+[-–—]+)\s+(\S.*)$", re.S)


def _after_yes(text: str) -> Part | None:
    """The question after an acknowledgement ("ok fine. what's due next for us"): a question takes no offer
    and confirms nothing, so what it asks is the message."""
    m = _ACK_THEN.match(text)
    if m is None or lexical_reply(m.group(1)) is not Reply.AFFIRM:
        return None
    asked = _part(m.group(2), "none")
    return Part(text, asked.act, asked.intent, asked.act_p, asked.intent_p) if asked.act in QUESTIONS else None


# "write me a limerick about accounts payable": a piece of writing about billing is still not about the account
_CREATIVE = re.compile(
    r"\b(?:write|compose|make up|tell|sing|draft)\b.{0,25}\b(?:poem|limerick|haiku|song|story|joke|rap|sonnet|"
    r"essay|verse|letter|resume|résumé|cv|speech|recipe|tweet|lyric|blog post)s?\b",
    re.I,
)


# Someone else's advice to reach a team, reported: not yet a request to be put through
_TOLD_TO = re.compile(
    r"\b(?:said|told (?:me|us)|asked (?:me|us)|suggested|recommended|advised)\s+(?:to|that|we|i)\b", re.I
)


def _told_to(text: str) -> bool:
    return bool(_TOLD_TO.search(text)) and text.rstrip().endswith("?")


_DESCRIBED_CONTRACT = re.compile(
    r"\b(?:the|our|my)\s+(?:one|contract)\s+(?:that'?s\s+|which is\s+|we\s+pay\s+|is\s+)?(?:with|without|on|by|paid|via)\b",
    re.I,
)
_CHASE = re.compile(
    r"^\W*(?:(?:ok|so|and|please|pls)\W+)*(?:can|could|would|will)\s+(?:you|u|ya|someone|somebody)\s+(?:please\s+)?"
    r"(?:chase|follow(?:\s+|-)?up|escalate)\b",
    re.I,
)
_ASKS_WHY_MISSING = re.compile(
    r"^(?=.*\b(?:why|how come)\b)(?=.*\b(?:missing|not (?:showing|there|listed|visible|appearing)|"
    r"(?:can'?t|cannot|don'?t|do not) see|(?:doesn'?t|don'?t|does not|do not) (?:show|appear))\b)",
    re.I | re.S,
)
_HOW_MUCH_OPEN = re.compile(
    r"\bhow much\b(?![^.?!]*\b(?:limit|max\w*|can (?:i|we|you)|allowed|fee|cost|charge)\b)[^.?!]{0,30}"
    r"\b(?:open|owe|owing|outstanding|unpaid|left to pay|still to pay|in arrears)\b",
    re.I,
)
_HUMANS = re.compile(r"\b(?:real|actual|live)\s+(?:people|persons?|humans?|agents?)\b|\bhumans?\b", re.I)
_WHICH_OF_MINE = re.compile(r"^\W*(?:so\s+|and\s+|ok\s+)?which (?:of )?(?:my|our) (invoices|contracts|bills)\b", re.I)
_PERSON = re.compile(
    r"\b(?:human|person|people|someone|somebody|agent|rep|representative|team|call|phone|ring|contact|case|ticket)\b",
    re.I,
)


def _aside(part: Part) -> bool:
    """A part the classifier calls a hand-off only half-sure, that asks for nobody: background."""
    text = part.text
    asks = slots.WANTS_PERSON.search(text) or slots.names_team(text) or _PERSON.search(text)
    return part.act == Act.HANDOFF and part.act_p < 0.8 and not asks


_WRONG_NOW = re.compile(
    r"\b(?:is|are|'s)\s+(?:wrong|incorrect|outdated|out of date|not right|old)\b|"
    r"\bneeds?\s+(?:to be\s+)?(?:chang|updat|correct|fix)\w*",
    re.I,
)
# "if we pay INV-1001 today, will the PDF show it?": a question about what follows from a change
_IF_I = re.compile(
    _CONDITION.pattern + r"[^?.!]*?\b(?:can|could|will|would|do|does|is|are)\s+(?:i|we|it|that|they|its|the)\b",
    re.I,
)
_QUESTION_SHAPE = re.compile(
    r"\?\s*$|^\W*(?:how|hw|what|whats|where|when|why|who|which|is|are|can i|can we|do|does)\b", re.I
)


def _reported_wrong(whole: Part) -> bool:
    """ "hi, the PO on our invoice is wrong": a detail the user can change, reported wrong, is a change asked for."""
    from agent.planner.skills import BY_NAME

    skill = BY_NAME.get(whole.intent)
    return (
        whole.act in QUESTIONS
        and skill is not None
        and skill.writes
        and bool(_WRONG_NOW.search(whole.text))
        and not _QUESTION_SHAPE.search(whole.text)
    )


def _on_a_skill(whole: Part) -> Part | None:
    """An "off-topic" message the intent head is sure names one skill ("hw do i downlod a sigend quote",
    "city changed to Oakland, CA 94612, street is 1 Broadway"): typos and terse values throw the act head,
    not the topic. A question about it, or a request when the skill changes something."""
    from agent.planner.skills import BY_NAME

    skill = BY_NAME.get(whole.intent)
    if skill is None or skill.name == "handoff" or whole.intent_p < SURE_TOPIC or _CREATIVE.search(whole.text):
        return None
    if _QUESTION_SHAPE.search(whole.text):
        act = Act.PORTAL_QUESTION
    else:
        act = Act.REQUEST if skill.writes or skill.kind == "form" else Act.DATA_QUESTION
    return Part(whole.text, act, whole.intent, whole.act_p, whole.intent_p)


def _skill_asked(text: str, context: str) -> Part | None:
    """The skill a message the act head half-calls a hand-off asks for, when the intent head is fairly sure."""
    from agent.planner.skills import BY_NAME

    p = classifier.load().predict(text, context)
    ranked = sorted((v, k) for k, v in p.intents.items() if k in BY_NAME and k != "handoff")
    if not ranked or ranked[-1][0] < 0.5:
        return None
    intent_p, intent = ranked[-1]
    skill = BY_NAME[intent]
    act = Act.REQUEST if skill.writes or skill.kind == "form" else Act.DATA_QUESTION
    return Part(text, act, intent, p.act_p, intent_p)


def _part(text: str, context: str) -> Part:
    if _ON_THE_CARD.search(text) and not slots.CARD_MASK.search(text):
        return Part(text, Act.REQUEST, "pay_invoice")
    p = classifier.load().predict(text, context)
    act = Act(p.act)
    intent, intent_p = _consistent(act, p.intent, p.intents)
    return Part(text, act, intent, p.act_p, intent_p)


def change_asked(text: str) -> tuple[str, float]:
    """The change (a write skill) the text most likely asks for, with its probability, whatever its act."""
    from agent.planner.skills import BY_NAME

    p = classifier.load().predict(text, "none")
    writes = [n for n, s in BY_NAME.items() if s.writes]
    best = max(writes, key=lambda n: p.intents.get(n, 0.0))
    return best, p.intents.get(best, 0.0)


def _consistent(act: Act, intent: str, probabilities: dict[str, float]) -> tuple[str, float]:
    """The most likely intent the act allows: a request asks for a change (a write skill or the card
    form), a hand-off is about a person. A close second that fits beats a first that does not."""
    from agent.planner.skills import BY_NAME

    allowed = {
        Act.REQUEST: {n for n, s in BY_NAME.items() if s.writes or s.kind == "form"},
        Act.HANDOFF: {"handoff"},
    }.get(act)
    if allowed is None or intent in allowed:
        return intent, probabilities.get(intent, 1.0)
    if act == Act.REQUEST and intent == GENERAL and probabilities.get(GENERAL, 0.0) >= DECLINE_FLOOR:
        return intent, probabilities[GENERAL]  # "mark INV-1003 as paid": a change no skill makes, declined
    best = max(allowed, key=lambda n: probabilities.get(n, 0.0))
    if probabilities.get(best, 0.0) >= CONSISTENT_FLOOR or act == Act.HANDOFF:
        return best, probabilities.get(best, 0.0)
    return intent, probabilities.get(intent, 1.0)


_SENTENCE = re.compile(r"(?:[.;!]+\s+|\s+[-–—]+\s+)")


def _last_sentence(text: str) -> str:
    pieces = [p for p in re.split(r"(?:[.;!?]+\s+|\s+[-–—]+\s+)", text.strip()) if p.strip()]
    return pieces[-1] if pieces else text


def _after_background(text: str) -> str | None:
    """The last sentence of a message of several (what comes before it is background), else None."""
    pieces = [p.strip() for p in _SENTENCE.split(text) if p.strip()]
    return pieces[-1] if len(pieces) >= 2 else None


def _final_question(text: str) -> Part | None:
    """The last sentence, when the message ends with a confident question about the portal."""
    last_text = _after_background(text)
    if last_text is None or slots.ASKS_ASSISTANT.search(last_text):
        return None  # "... can you loop in our account exec?": a request, put politely
    last = _part(last_text, "none")
    return last if last.act == Act.PORTAL_QUESTION and last.act_p >= 0.9 else None


def _final_request(text: str) -> Part | None:
    """ "This is ridiculous, we've been suspended for weeks. Pay INV-2001 and INV-2002 right now.": background,
    then a plain request in its own sentence (not a question): the request is what the message asks."""
    last_text = _after_background(text)
    if last_text is None or last_text.endswith("?"):
        return None
    last = _part(last_text, "none")
    return last if last.act == Act.REQUEST and last.act_p >= 0.9 else None


def _main_clause(text: str) -> Part | None:
    """ "If I pay INV-1001 today, will the invoice PDF reflect it?": a question about what would happen,
    about what its main clause asks (how the portal behaves), not a request to do the condition."""
    head, comma, tail = text.partition(",")
    if not comma or not _CONDITION.match(head) or not text.rstrip().endswith("?") or len(tail.split()) < 3:
        return None
    main = _part(tail.strip(), "none")
    if main.act not in QUESTIONS:
        return None
    return Part(text, Act.PORTAL_QUESTION, main.intent, main.act_p, main.intent_p)


def _two_parts(text: str, state: DialogueState) -> list[Part] | None:
    """A cut where both sides are confident, different requests or questions with words of their own."""
    for m in _BOUNDARY.finditer(text):
        head, tail = text[: m.start()].strip(), text[m.end() :].strip()
        if re.match(r"[.;!?]", m.group(0)):
            tail = re.sub(r"^(?:and|also|plus)\b\W*", "", tail, flags=re.I)  # "…INV-2001? And the signed quote too."
        # "can we still pay while suspended? if yes please pay INV-2002": the request, if the answer allows it
        tail = re.sub(
            r"^(?:if (?:yes|so|possible|that'?s (?:ok|fine|possible))|in that case)\b\W*", "", tail, flags=re.I
        )
        if (
            len(head.split()) < 2
            or len(tail.split()) < 2
            or not re.search(r"[a-z]{3,}", slots.without_entities(tail), re.I)
        ):
            continue
        if _CONTINUES.match(tail):
            continue  # "..., name Jane Roe, to contracts C-1001 and C-1002": the same request goes on
        if slots.found(head).names_item and _only_filler(head) and not slots.found(tail).names_item:
            continue  # "INV-1003 pls, what's the balance": the item, then what is asked of it
        if slots.found(tail).names_item and _only_filler(tail):
            continue  # "pay INV-2002 and INV-2001 for me": the same request for one more item
        if _CONDITION.match(head):
            return None  # "If I pay INV-1001 today, how long before it shows as paid?": a question, whole
        first, second = _part(head, state.context()), _part(tail, "none")
        if first.act not in _SECOND_OK or second.act not in _SECOND_OK:
            continue
        if first.act == Act.HANDOFF:
            return None  # a hand-off takes the whole message: the case carries all of it
        if first.intent == "update_address" and _address_goes_on(head, tail):
            continue  # "… to 200 Berkeley Street, Boston, MA 02116?": the address goes on after the comma
        if _gives_value(first, tail) and not (second.act == Act.REQUEST and second.intent_p >= 0.6):
            continue  # "change the PO of INV-1001, the new number is 4500098811": the same request's value
        if _gives_contracts(first, second):
            continue  # "add a user: Frank Fox, frank@…, access to C-1001 and C-1002": the same request's contracts
        if first.act == Act.REQUEST and second.act in QUESTIONS and first.act_p < 0.9:
            continue  # "We pay C-1002 by wire - could we switch to card?": likely background, then the question
        if len(tail.split()) < 3 and (second.act != Act.REQUEST or second.act_p < 0.8):
            continue  # a short tail is a second request only when it clearly is one ("and then pay it")
        if min(first.act_p, second.act_p) < PART_CONFIDENCE or min(first.intent_p, second.intent_p) < INTENT_CONFIDENCE:
            continue
        if (first.act, first.intent) == (second.act, second.intent):
            continue
        if first.act == second.act == Act.PORTAL_QUESTION and slots.reference(tail).pronoun:
            continue  # "what characters are allowed in a PO, and how long can it be?": one question
        if first.act in QUESTIONS and second.act == Act.DATA_QUESTION and _only_points_back(tail):
            continue  # "and what about INV-2001, what's that one at?": the same item, asked twice
        return [first, second]
    return None


_POINTING = frozenset(
    "what what's whats how how's hows is it it's its that this one at about the now so and then".split()
)


_TAIL_FILLER = frozenset(
    "for me us please pls plz too as well also thanks thx ty now asap today then the invoice invoices one "
    "contract contracts".split()
)


def _only_filler(tail: str) -> bool:
    """A tail that names items and says nothing else of its own ("INV-2001 for me please")."""
    return set(re.findall(r"[a-z']+", slots.without_entities(tail).lower())) <= _TAIL_FILLER


def _only_points_back(tail: str) -> bool:
    """A tail made only of words that point back at the head's item ("what's that one at?"): no item, no topic."""
    words = re.findall(r"[a-z']+", tail.lower())
    return bool(slots.reference(tail).pronoun and words and all(w in _POINTING for w in words))


def _address_goes_on(head: str, tail: str) -> bool:
    """Whether the tail's first sentence holds more of the head's address (its city, code or country)."""
    started = slots.address(head)
    if not started:
        return False  # "how quickly do address changes take effect? also change it to 200 Park Ave, …": two parts
    sentence = re.split(r"[.;!?](?:\s|$)", tail, maxsplit=1)[0]
    more = set(slots.address(f"{head}, {sentence}")) - set(started)
    return bool({"city", "region", "postal_code", "country"} & more)


def _gives_contracts(first: Part, second: Part) -> bool:
    """Whether the tail only names the contracts of the head's change of someone's access (no one of its own)."""
    from agent.planner.skills import USER_SKILLS

    head, tail = first.found, second.found
    return (
        first.act == Act.REQUEST
        and {first.intent, second.intent} <= USER_SKILLS
        and not head.contract_ids
        and bool(tail.contract_ids)
        and not tail.emails
    )


def _gives_value(first: Part, tail: str) -> bool:
    """Whether the tail only gives a value the first part's change needs and does not give itself."""
    from agent.planner.resolve import VALUE_SLOTS, collect
    from agent.planner.skills import BY_NAME

    skill = BY_NAME.get(first.intent)
    if first.act != Act.REQUEST or skill is None or not skill.writes:
        return False
    own, rest = collect(skill, first.text), collect(skill, tail)
    return any(k in rest and k not in own for k in VALUE_SLOTS)

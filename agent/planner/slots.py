"""Exact slot extraction: ids, e-mails, PO numbers, addresses, phones, names, references, queues.

Rules only for exact things; what a message *does* and what it is *about* is learned
(`classifier`). Every value is taken from the user's own words, whole: the domain validates it and
explains its rule, so a value is never trimmed into something valid that the user did not type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from billing.rules.countries import COUNTRIES

# -- ids ------------------------------------------------------------------------------------------
_INVOICE = re.compile(r"\b(?:inv(?:oice|oce|ocie|iose)?s?)\s*(?:number\s+|no\.?\s*|#\s*)?[\s#:\-]*(\d{3,})\b", re.I)
_INVOICE_BARE = re.compile(r"\bINV-[A-Z0-9][A-Z0-9\-]*[A-Z0-9]\b|\bINV-[A-Z0-9]\b", re.I)
# "the 1002 contract" too, but not a year ("our 2027 contract")
_CONTRACT = re.compile(
    r"\bc[\s\-]?(\d{4,})\b|\bcontract\s+(?:number\s+|no\.?\s*|#\s*)?(\d{4,})\b"
    r"|\b(?!20[2-4]\d\b)(\d{4,})\s+contract\b",
    re.I,
)
_CONTRACT_BARE = re.compile(r"\bC-[A-Z]{2,}[A-Z0-9\-]*\b", re.I)
_QUOTE = re.compile(r"\bq[\s\-]?(\d{4,})\b|\bquote\s+(?:number\s+|no\.?\s*|#\s*)?(\d{4,})\b", re.I)
# What the service leaves of a card number typed in chat (agent.masking): the planner never sees the digits.
CARD_MASK = re.compile(r"\[card number ending \d{4} removed\]", re.I)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_ENTITY = re.compile(r"\b(?:INV|C|Q)-[A-Z0-9\-]+\b|\binv(?:oice)?\s*#?\s*\d{3,}\b", re.I)


def invoice_ids(text: str) -> list[str]:
    found: list[tuple[int, str]] = [(m.start(), m.group(0).upper()) for m in _INVOICE_BARE.finditer(text)]
    for m in _INVOICE.finditer(text):
        if not any(pos <= m.start() + 3 and m.start() <= pos + 3 for pos, _ in found):
            found.append((m.start(), "INV-" + m.group(1)))
    return _unique([i for _, i in sorted(found)])


def contract_ids(text: str) -> list[str]:
    found = [(m.start(), m.group(0).upper()) for m in _CONTRACT_BARE.finditer(text)]
    found += [(m.start(), "C-" + next(g for g in m.groups() if g)) for m in _CONTRACT.finditer(EMAIL.sub(" ", text))]
    return _unique([c for _, c in sorted(found)])


def quote_ids(text: str) -> list[str]:
    return _unique(["Q-" + (m.group(1) or m.group(2)) for m in _QUOTE.finditer(text)])


def emails(text: str) -> list[str]:
    return _unique([e.lower().rstrip(".") for e in EMAIL.findall(text)])


def taken_spans(text: str) -> list[tuple[int, int]]:
    """Where the message already names something exact: ids in any spelling, e-mails, phones, a masked card."""
    patterns = (_INVOICE, _INVOICE_BARE, _CONTRACT, _CONTRACT_BARE, _QUOTE, EMAIL, CARD_MASK, _PHONE)
    return [m.span() for p in patterns for m in p.finditer(text)]


def without_entities(text: str) -> str:
    """The message with ids and e-mails blanked (what is left says what is asked)."""
    return " ".join(_ENTITY.sub(" ", EMAIL.sub(" ", CARD_MASK.sub(" ", text))).split())


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -- statuses, references, quantities --------------------------------------------------------------
_STATUS = re.compile(r"\b(overdue|open|unpaid|outstanding|paid|processing|void(?:ed)?|late|past[\s-]due)\b", re.I)
_NOT_PAID_FILTER = re.compile(
    r"\b(?:un|not |been |yet)\s*paid\b|\bpaid (?:yet|already|off)\b|\bis\b.*\bpaid\b|"
    r"\b(?:was|were|got|get|be|being) paid\b",
    re.I,
)


def status(text: str) -> str | None:
    """A list filter ("my overdue invoices"); "unpaid" means open and overdue, so no single filter."""
    m = _STATUS.search(text)
    if not m:
        return None
    word = m.group(1).lower().replace("-", " ")
    if word in ("late", "past due"):
        return "overdue"
    if word in ("unpaid", "outstanding"):
        return None
    if word.startswith("void"):
        return "void"
    if word == "paid" and _NOT_PAID_FILTER.search(text):
        return None
    return word


_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "last": -1,
    "latest": -1,
    "bottom": -1,
    "top": 1,
}
_ORDINAL = re.compile(
    r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|latest|bottom|top)\b"
    r"(?=\s*(?:one|invoice|contract|user|item|on the list|in the list|one on|$|[.,!?]))",
    re.I,
)
_NUMBER_WORD = re.compile(r"\b(?:number|no\.?|#)\s*([1-6])\b(?!\s*\d)", re.I)
_OTHER = re.compile(r"\b(?:the )?other (?:one|invoice|contract|ones)\b|\bthe other\b|\bremaining one\b", re.I)
# Not the idioms: "all the way", "after all", "at all", "all good", "all set", "that's all"
_ALL = re.compile(
    r"(?<!\bafter )(?<!\bat )(?<!\bthat's )(?<!\bthats )\b(?:all|every|each|both)\b(?! the way| good| set| right)",
    re.I,
)
_PRONOUN = re.compile(
    r"\b(?:it|its|it's|that|this|that one|this one|the same|same one|them|those|these|"
    r"the invoice|this invoice|that invoice|the contract|this contract|that contract|the bill)\b",
    re.I,
)


@dataclass(frozen=True)
class Reference:
    """A pointer back to something shown or discussed: an ordinal, "the other one", "all", or "it"."""

    ordinal: int | None = None
    other: bool = False
    every: bool = False
    pronoun: bool = False

    @property
    def any(self) -> bool:
        return self.ordinal is not None or self.other or self.every or self.pronoun


_ITEM = re.compile(
    r"\b(?:on|for|of|with|to) (?:it|that one|this one)\b|\bits\b|\b(?:that|this|the same) "
    r"(?:one|invoice|contract|bill)\b|\b(?:pay|settle|clear) (?:it|that)\b",  # "how do we pay it then?"
    re.I,
)


def points_to_item(text: str) -> bool:
    """ "can I still turn off auto-renew on it?": the question is about the item discussed."""
    return bool(_ITEM.search(text))


def reference(text: str) -> Reference:
    scrubbed = without_entities(text)
    m = _ORDINAL.search(scrubbed)
    ordinal = _ORDINALS[m.group(1).lower()] if m else None
    if ordinal is None and (n := _NUMBER_WORD.search(scrubbed)):
        ordinal = int(n.group(1))
    return Reference(
        ordinal, bool(_OTHER.search(scrubbed)), bool(_ALL.search(scrubbed)), bool(_PRONOUN.search(scrubbed))
    )


# "the card one", "the one without a card", "the contract we pay by wire": a contract by how it is paid.
_NO_CARD = re.compile(
    r"\b(?:without|no|not on|not paid by|non[- ]?)\s*(?:a\s+|the\s+)?(?:credit\s+)?card\b|"
    r"\b(?:wire|bank transfer)\s+(?:one|contract)\b|"
    r"\b(?:on|by|paid by|pays? by|via|through)\s+(?:wire|bank transfer|invoice)\b",
    re.I,
)
_BY_CARD = re.compile(
    r"\b(?:card|visa|credit card)\s+(?:one|contract)\b|"
    r"\b(?:on|by|paid by|pays? by|via|with)\s+(?:a\s+|the\s+)?(?:card|credit card|visa)\b",
    re.I,
)


def paid_by(text: str) -> str | None:
    """How a contract the message describes is paid: "card", "wire", or None when it says neither."""
    if _NO_CARD.search(text):
        return "wire"
    return "card" if _BY_CARD.search(text) else None


_COUNT = dict(
    zip(
        "a an one two three four five six seven eight nine ten eleven twelve".split(),
        [1, 1, *range(1, 13)],
        strict=True,
    )
)
_ENDS_IN = re.compile(
    r"\b(?:end|ends|ending|expir\w*|runs? out|running out|renew\w*|up)\s+(?:in\s+)?(?:about\s+|around\s+|roughly\s+|"
    r"approx\w*\s+|~\s*|some\s+)?(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(day|week|month)s?\b",
    re.I,
)
_ENDS_FIRST = re.compile(r"\b(?:end|ends|ending|expir\w*|runs? out)\s+(?:soon(?:er|est)?|first|next)\b", re.I)
_ENDS_LAST = re.compile(r"\b(?:end|ends|ending|expir\w*|runs? out)\s+(?:later|last)\b", re.I)


def ends_in(text: str) -> int | None:
    """How many days from now a contract the message describes ends ("the one ending in about 3 months" -> 90);
    0 for "the one ending soonest", -1 for "the one that ends later"; None when it says nothing of it."""
    if m := _ENDS_IN.search(text):
        n = int(m.group(1)) if m.group(1).isdigit() else _COUNT[m.group(1).lower()]
        return n * {"day": 1, "week": 7, "month": 30}[m.group(2).lower()]
    if _ENDS_FIRST.search(text):
        return 0
    return -1 if _ENDS_LAST.search(text) else None


# "the 1200 one", "the paid one", "the older one", "the one due in 15 days": an item by what it shows.
_STATUS_WORD = re.compile(r"\b(paid|overdue|open|processing|disputed|dispute|void|unpaid|late|past[\s-]due)\b", re.I)
_SUPERLATIVE = {
    "earliest_due": re.compile(r"\b(?:old(?:er|est)|earli(?:er|est)|first due|longest overdue)\b", re.I),
    "latest_due": re.compile(r"\b(?:new(?:er|est)|lat(?:er|est) one|most recent|due last)\b", re.I),
    "largest": re.compile(r"\b(?:big(?:ger|gest)?|larg(?:e|er|est)|high(?:er|est)|huge|expensive)\b", re.I),
    "smallest": re.compile(r"\b(?:small(?:er|est)?|low(?:er|est)|cheap(?:er|est)?|little)\b", re.I),
}


# "the one that's 40 days late", "overdue by 10 days", "due 40 days ago": days_to_due is negative once overdue
_DAYS_LATE = re.compile(
    r"\b(\d{1,3})\s+days?\s+(?:late|overdue|past[\s-]?due|behind)\b"
    r"|\b(?:overdue|late|past[\s-]?due)\s+(?:by\s+)?(\d{1,3})\s+days?\b|\bdue\s+(\d{1,3})\s+days?\s+ago\b",
    re.I,
)


@dataclass(frozen=True)
class Described:
    """What a message says about an item it does not name: an amount, a status, a superlative, days."""

    amount: str | None = None
    status: str | None = None
    superlative: str | None = None
    due_in_days: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.amount, self.status, self.superlative, self.due_in_days))


def described(text: str) -> Described:
    scrubbed = without_entities(text)
    amount = re.search(
        r"(?<![\w.\-/#])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{2})?(?:\s*(k\b|dollars?|usd|gbp|eur|pounds?))?"
        r"(?=\s*(?:one|invoice|bill|\b))",
        scrubbed,
        re.I,
    )
    days = re.search(r"\b(?:due|in)\s+(?:in\s+)?(\d{1,3})\s+days?\b(?!\s+ago)", scrubbed, re.I)
    late = _DAYS_LATE.search(scrubbed)
    status_m = _STATUS_WORD.search(scrubbed)
    status_word = status_m.group(1).lower() if status_m else None
    status_word = (
        {"late": "overdue", "past due": "overdue", "past-due": "overdue", "unpaid": None, "dispute": "disputed"}.get(
            status_word, status_word
        )
        if status_word
        else None
    )
    superlative = next((k for k, p in _SUPERLATIVE.items() if p.search(scrubbed)), None)
    value = None
    if (
        amount
        and not days
        and not late
        and re.search(r"\bthe\b.*\b(?:one|invoice|bill|charge)\b|\bfor\b", scrubbed, re.I)
    ):
        value = amount.group(1).replace(",", "")
        if (amount.group(2) or "").lower() == "k":  # "the 75k one"
            value = str(int(value) * 1000)
    due_in = int(days.group(1)) if days else -int(next(g for g in late.groups() if g)) if late else None
    return Described(value, status_word, superlative, due_in)


# "we already paid but it still shows unpaid": a payment made, never a reason to offer another one
PAID_ALREADY = re.compile(
    r"\b(?:i|we)(?:'ve| have| had)?\s+(?:already\s+|just\s+)?paid\b|\balready (?:been )?paid\b|"
    r"\b(?:paid|settled) (?:it|this|that)? ?(?:already|yesterday|last week|on)\b",
    re.I,
)


# -- phone ----------------------------------------------------------------------------------------
_PHONE = re.compile(r"(?<![\w-])(\+?\(?\d[\d ()./\-]{5,22}\d)(?![\w-])")


def phone(text: str) -> str | None:
    scrubbed = _ENTITY.sub(" ", EMAIL.sub(" ", text))
    for m in _PHONE.finditer(scrubbed):
        digits = sum(ch.isdigit() for ch in m.group(1))
        if 7 <= digits <= 15 and not re.fullmatch(r"\d{5}(?:-\d{4})?", m.group(1)):
            return m.group(1).strip()
    return None


# -- PO numbers -----------------------------------------------------------------------------------
# The keyword: "PO", "P.O.", "PO#", "purchase order (number)". "PO-5555-X" is a value, not a keyword.
_PO_KEY = re.compile(
    r"(?<![\w-])(?:p\.?\s?o\.?(?![\w\-/])|purchase[\s-]*order)"
    r"(?:\s*(?:number|no\.?|num|nr|reference|ref)\b)?\s*#?",
    re.I,
)
_CUE = re.compile(
    r"(?:\b(?:(?:needs?|has|have|ought|got) to be|to be|should be|must be|should read|will be|"
    r"becomes|reads|to|as|is|be|use|=)\b|[:=]|->|=>|→)\s*",
    re.I,
)
_END = re.compile(
    r"\s*(?:[,;]|[.!?](?=\s|$)|$|\s(?:and|then|please|pls|thanks|thank you|thx|instead|first|now|"
    r"too|as well|asap|ty|tyvm|cheers|for|on|in|of|to|so|because|cause|cos|since|but|which|"
    r"before|after|by|until|till|today|tomorrow|tonight|when|once|if)\b)",  # "PO-7781-B before month end"
    re.I,
)
_VALUE = re.compile(r"['\"“‘`]([^'\"“”‘’`\n]{1,80})['\"”’`]|([^\s,;'\"“”‘’]+(?:\s+[^\s,;'\"“”‘’]+){0,6})")
_NOT_PO = re.compile(
    r"^(?:number|no|num|nr|on|of|for|to|the|it|its|that|this|a|an|is|be|inv|invoice|please|pls|"
    r"field|value|reference|ref|what|which|there|here|now|set|wrong|correct|missing|empty|blank|"
    r"changed|updated|fixed|different|new|same|right|updated|also|too|ok|okay|yes|no|mine|"
    r"one|number\?|needed|required)$",
    re.I,
)
_LEAD_IN = re.compile(
    r"^\s*(?:(?:no|nope|sorry|oops|actually|wait|hmm|ok|okay|correction|oh|yes|yeah|right)\b[\s,.!:\-—]*)+",
    re.I,
)
_SAYS_VALUE = re.compile(
    r"^(?:(?:i meant|i mean|make (?:it|that)|use|set it to|change it to|put|it'?s|its|it is|"
    r"it should be|should be|that'?s|the (?:new |right |correct )?(?:one|number|value) is|"
    r"the (?:new |right |correct )?po(?: number)? (?:is|should be)|new po(?: is)?|po(?: is)?|to)"
    r"\s+)+",
    re.I,
)


# What stands before a PO value typed as a bare number ("PO 1003", "po number: 4500")
PO_CUE_BEFORE = re.compile(r"(?:\bp\.?o\.?|\bpurchase order)(?:\s*(?:number|no\.?|num|#))?\s*[#:]?\s*$", re.I)
_CUED_BEFORE = re.compile(r"(?:\b(?:be|is|to|use|reads)|[:=]|->|=>|→)\s*$", re.I)


def _looks_like_po(value: str) -> bool:
    """A reference as people write them: a digit, one of - _ / #, or capitals (not an ordinary word, nor one
    joined by hyphens: "re-referenced", "follow-up")."""
    if re.fullmatch(r"[a-z]+(?:-[a-z]+)+", value):
        return False
    return bool(re.search(r"[\d\-_/#]", value)) or (value.isupper() and len(value) > 1)


def _clean_value(raw: str) -> str:
    value = raw.strip().strip("'\"“”‘’`").strip()
    value = re.sub(r"^[:=#\-–—]+\s*", "", value) if not re.match(r"^[-–—]\d", value) else value
    return value.rstrip(".,;:!?)").strip()


def _value_at(text: str, start: int, cued: bool = True) -> str | None:
    """The value at `start`; without a cue word before it ("to", "is", ":") it must look like a reference."""
    m = _VALUE.match(text, start)
    if not m:
        return None
    if m.group(1):
        return _clean_value(m.group(1))
    run = m.group(2)
    end = _END.search(run)
    value = _clean_value(run[: end.start()] if end else run)
    if not value or _ENTITY.fullmatch(value) or len(value.split()) > (6 if cued else 3):
        return None
    if all(_NOT_PO.match(word) for word in value.split()):
        return None  # "what PO is on that one?": words that point, not a value
    if not cued and not _looks_like_po(value.split()[0]):
        return None  # "the PO on INV-1003 needs updating": words, not a value
    return value if _looks_like_po(value) or not re.fullmatch(r"[a-z]+", value) else None


def po_number(text: str, *, asked: bool = False) -> str | None:
    """The PO value the user gave: after a cue ("set the PO on INV-1001 to 4500/B"), after the keyword
    ("PO# 4500-77"), a value that is itself a PO ("PO-5555-X"), or the bare answer to the question."""
    body = _ENTITY.sub(lambda m: " " * len(m.group(0)), text)
    for key in _PO_KEY.finditer(body):
        if re.fullmatch(r"PO\s*", key.group(0), re.I) and (
            _CUED_BEFORE.search(body[: key.start()])
            or (asked and re.match(r"PO\s+[\w/\-]*\d", body[key.start() :]))  # typed in capitals
        ):
            # "... should be PO 2024/77", or "PO 2025/ACME-77" answering the question for it: "PO" is the
            # start of the value, not the keyword
            value = _value_at(body, key.start())
            if value and _looks_like_po(value):
                return value
        tail = body[key.end() :]
        lead = re.match(r"\s*(?:(?:on|of|for|in)\s+(?:the\s+)?(?:invoice\s+)?\s*)?\s*", tail, re.I)
        after = key.end() + (lead.end() if lead else 0)
        cue = _CUE.match(body, after)
        value = _value_at(body, cue.end() if cue else after, cued=cue is not None)
        if value and not (cue is None and value.lower() in ("number", "is")):
            return value
    for cue in _CUE.finditer(body):
        value = _value_at(body, cue.end())
        if value and _looks_like_po(value.split()[0]):  # "back to me because the old PO-7781...": not a value
            return value
    if m := re.search(
        r"(?<!\S)([A-Za-z0-9][A-Za-z0-9_/\-]*\d[A-Za-z0-9_/\-]*)\s+as\s+(?:the|our|its)\s+(?:new\s+)?"
        r"(?:po|p\.o\.|purchase order)\b",
        body,
        re.I,
    ):
        return m.group(1)  # "ACME-FIN_0099 as the PO on INV-1004"
    # "PO-4471-X", "GB-PO-313" (a prefix before "PO" is part of the number)
    if m := re.search(r"(?<![\w/\-])((?:[A-Za-z0-9]+[-_/])?PO[-_/][A-Za-z0-9][A-Za-z0-9 _/\-]*)", body, re.I):
        return _clean_value(m.group(1).split(" ")[0])
    return po_answer(text) if asked else None


# "no wait, make that Joanna Smith": a no that gives the value again is a correction, not a cancel
RESTATES = re.compile(r"\b(?:make (?:it|that)|i meant|change (?:it|that) to|(?:it|that) should be)\s+(\S.*)", re.I)


def gives_again(text: str, *, after_yes: bool = False) -> bool:
    """Whether the message gives a value again ("no, make that Finance Team"). After a yes only a value that
    looks like one counts ("yes but make it 4500-2211-B"), not "yes, make it so"."""
    m = RESTATES.search(text)
    return m is not None and (not after_yes or bool(re.search(r"[\d@]|\b[A-Z]", m.group(1))))


def restated(text: str) -> str:
    """A value given again without its lead-in ("hmm, no - make it Accounts Payable" → "Accounts Payable")."""
    value = _SAYS_VALUE.sub("", _LEAD_IN.sub("", text.strip()))
    value = re.sub(r"\s+(?:instead|please|pls|then|thanks|thank you|thx)\b.*$", "", value, flags=re.I)
    return _clean_value(value)


def po_answer(text: str) -> str | None:
    """A PO given on its own ("it's PO-5555-X", "4500012345/B", "ABC 123 please")."""
    value = restated(text)
    if _ENTITY.search(value):
        return None  # "sorry i meant inv 1003": an invoice, not a PO
    if value and len(value.split()) > 1 and not _looks_like_po(value.split()[0]):
        # "typo, it's 4500-88/B": the reference is the run of words that look like one
        m = re.search(r"(?:[\w#]*[\d\-_/#][\w\-_/#]*)(?:\s+[\w\-_/#]*[\d\-_/#][\w\-_/#]*)*", value)
        value = _clean_value(m.group(0)) if m else value
    if not value or len(value.split()) > 3 or _NOT_PO.match(value) or _ENTITY.search(value):
        return None
    return value


# -- addresses ------------------------------------------------------------------------------------
_ISO = set(COUNTRIES.values())
_REGIONS = set(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC ON QC BC AB MB SK NS NB NL PE "
    "NSW VIC QLD WA SA TAS ACT NT".split()
)
_STREET_WORD = (
    r"st|street|ave|avenue|road|rd|blvd|boulevard|way|lane|ln|drive|dr|court|ct|place|pl|square|sq|"
    r"plaza|parkway|pkwy|terrace|hwy|highway|strasse|straße|str|rue|weg|gasse|laan|close|crescent|row|"
    r"mews|walk|circle|cir|broadway|trail|alley|wharf|quay|gardens|park|hill|green|approach|grove|rise|"
    r"gate|vale|yard|parade|esplanade|embankment|causeway|crossing|loop|pike|run|commons"
)
_STREET = re.compile(
    rf"(?<!line )(?<!line)\b\d+[A-Za-z]?(?:[-/]\d+)?\s+(?:[A-Za-z0-9.'\-]+\s+){{0,4}}(?:{_STREET_WORD})\b\.?"
    rf"|\b(?:[A-Za-zäöüß.'\-]+\s+){{0,2}}[A-Za-zäöüß'\-]*(?:strasse|straße|str\.|weg|gasse|laan)\s+\d+[A-Za-z]?\b"
    rf"|\bP\.?\s?O\.?\s+Box\s+\d+\b|\b\d+\s+(?:rue|avenue|boulevard|via|calle)\s+[A-Za-z' \-]+"
    # a street name then its number, as in most of Europe: "Prinsengracht 263, 1016 GV Amsterdam"
    rf"|(?<=[:,]\s)[A-Z][a-zà-ÿß'\-]{{3,}}(?:\s+[A-Za-zà-ÿß'\-]+){{0,2}}\s+\d+[A-Za-z]?(?=\s*,)"
    rf"|(?<=\bto\s)[A-Z][a-zà-ÿß'\-]{{3,}}(?:\s+[A-Za-zà-ÿß'\-]+){{0,2}}\s+\d+[A-Za-z]?(?=\s*,)"
    # a number then a name, no street word ("is 1 Poultry, 3rd Floor, London EC2R 8EJ")
    rf"|(?<=\bis\s)\d+[A-Za-z]?\s+[A-Z][a-zà-ÿß'\-]+(?:\s+[A-Z][a-zà-ÿß'\-]+){{0,2}}(?=\s*,)"
    rf"|(?<=:\s)\d+[A-Za-z]?\s+[A-Z][a-zà-ÿß'\-]+(?:\s+[A-Z][a-zà-ÿß'\-]+){{0,2}}(?=\s*,)"
    rf"|(?<=\bto\s)\d+[A-Za-z]?\s+[A-Z][a-zà-ÿß'\-]+(?:\s+[A-Z][a-zà-ÿß'\-]+){{0,2}}(?=\s*,)",
    re.I,
)
_POSTAL = [
    re.compile(r"\b\d{5}(?:-\d{4})?\b"),  # US ZIP, DE, FR, ES, IT
    re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b", re.I),  # Canada
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I),  # UK
    re.compile(r"\b\d{4}\s?[A-Z]{2}\b"),  # Netherlands
    re.compile(r"\b\d{4}\b"),  # AU, CH, AT, BE, DK, NO
]
_LINE2 = re.compile(
    r"^(?:suite|ste\.?|apt\.?|apartment|unit|floor|fl\.?|building|bldg\.?|room|rm\.?|dept\.?|"
    r"department|attn:?|c/o|#)\s*\S.*|^\d+(?:st|nd|rd|th)\s+floor$",
    re.I,
)
_NAMED_PART = {
    "postal_code": re.compile(r"\b(?:postal|post|zip)\s*code\b|\bzip\b|\bpostcode\b", re.I),
    "city": re.compile(r"\bcity\b|\btown\b", re.I),
    "region": re.compile(r"\b(?:region|state|province|county)\b", re.I),
    "line2": re.compile(r"\b(?:line\s*2|address line two|second line|suite|apt|unit)\b", re.I),
    "line1": re.compile(r"\b(?:line\s*1|address line one|first line|street(?: address)?)\b", re.I),
    "country": re.compile(r"\bcountry\b", re.I),
}


def country_code(text: str) -> str | None:
    """The country a text names (a name, or a two-letter code written in capitals)."""
    low = f" {text.lower()} "
    for name in sorted(COUNTRIES, key=len, reverse=True):
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", low):
            if name in ("us", "u.s.") and not re.search(r"\bU\.?S\.?\b", text):
                continue  # "us" is mostly the pronoun
            return COUNTRIES[name]
    m = re.search(r"(?:,|\bto|\bin)\s*\b([A-Z]{2})\s*$", text.strip(" .!?"))
    if m and m.group(1) in _ISO and m.group(1) not in _REGIONS - {"DE"}:
        return m.group(1)
    return None


def address(text: str) -> dict[str, str]:
    """The address parts a message gives: a whole address ("200 King St, Toronto ON M5H 3T4, Canada") or
    named parts ("the postal code is 94107"). A country named in it is kept: the domain decides."""
    body = re.sub(r"\b(?:(?:for|on|of)\s+)?(?:contract\s+)?C-\d+\b(?:'s)?", " ", text, flags=re.I)
    body = EMAIL.sub(" ", body)
    street = _STREET.search(body)
    parts = _whole_address(body, street) if street else {}
    for name, pattern in _NAMED_PART.items():
        if name == "postal_code" and name not in parts and (m := pattern.search(body)):
            code = next((c for p in _POSTAL[:4] for c in [p.search(body, m.end())] if c), None)
            # "the postcode is wrong, it should be EC1M 3HE not EC1M 3EH"; "postcode LS1 4AP" beside a street
            if code and (not street or not body[m.end() : code.start()].strip(" :")):
                parts[name] = code.group(0)
                continue
        if name not in parts:
            value = _value_after(body, pattern)
            if value and not (street and _STREET.search(value)):
                parts[name] = value
    if "country" in parts:
        parts["country"] = country_code(parts["country"]) or parts["country"].upper()[:2]
    elif street or parts:
        # "to our office in Ireland: 1 Grand Canal Square": the country may come before the street too
        found = (
            country_code(body[street.end() :]) or country_code(body[: street.start()]) if street else country_code(body)
        )
        if found:
            parts["country"] = found
    elif m := re.search(
        r"\b(?:move[ds]?|moving|relocat\w*|based|transfer\w*)\b.*?\b(?:to|in)\s+(?:the\s+)?"
        r"([A-Za-z .]+?)\s*[.!?]?\s*$",
        body,
        re.I,
    ):
        found = country_code(m.group(1))
        if found:
            parts["country"] = found
    if "country" not in parts and (
        m := re.search(
            r"\bcountry\b.*?\bto\s+(?:the\s+)?([A-Za-z .]+?)\s*(?:[,;.!?]|\b(?:please|pls|as|because|since|asap)\b|$)",
            body,
            re.I,
        )
    ):
        found = country_code(m.group(1))  # "change the country on our billing address from UK to Germany"
        if found:
            parts["country"] = found
    if "line2" not in parts and (
        m := re.search(
            r"\b(?:add|put|use|with)\s+(.+?)\s+as\s+(?:the\s+)?(?:second line|"
            r"line\s*2|address line (?:2|two))\b",
            body,
            re.I,
        )
    ):
        parts["line2"] = m.group(1).strip(" '\"")
    if "postal_code" in parts:
        parts["postal_code"] = parts["postal_code"].upper()
    return parts


def _whole_address(body: str, street: re.Match[str]) -> dict[str, str]:
    parts: dict[str, str] = {}
    before = [p.strip(" .:") for p in body[: street.start()].split(",") if p.strip(" .:")][-1:]
    lead = (
        re.search(
            r"(?:^|\s)((?:suite|ste\.?|apt\.?|apartment|unit|floor|fl\.?|room)\s*\S+|\d+(?:st|nd|rd|th)\s+floor)$",
            before[0],
            re.I,
        )
        if before
        else None
    )
    if lead:
        parts["line2"] = lead.group(1)
    line1, end = street.group(0), street.end()
    if saint := re.match(r"\s+[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2}(?=\s*(?:,|\n|$))", body[end:]):
        if re.fullmatch(r"\d+[A-Za-z]?\s+St\.?", line1.strip()):
            line1, end = line1 + saint.group(0), end + saint.end()  # "30 St Mary Axe": St is Saint here
    parts["line1"] = " ".join(line1.rstrip(".").split())
    # "..., Dublin 2, Ireland. Can you update C-2001 accordingly?": a new sentence is not the address
    rest = re.split(r"[.!?]\s+(?=[A-Z][a-z]*\s+[a-z])", body[end:], maxsplit=1)[0]
    # "..., London EC2N 4AY and the contact name to ...": a second request starts after "and"
    tail = re.split(
        r"[,\n;]|\s+-\s+|\s+and\s+(?=(?:the|its|our|my|also|then|change|set|update|make|pay|add|turn)\b)",
        rest,
        flags=re.I,
    )
    for raw in tail:
        piece = re.sub(
            r"^\s*(?:and|please|pls)\b|\b(?:please|pls|thanks|thank you)\s*[.!]*\s*$", "", raw, flags=re.I
        ).strip(" .!?")
        if not piece or any(_value_after(piece, p) for p in _NAMED_PART.values()):
            continue  # "... and the postal code is 94107": a named part, taken below
        if labelled := _LABELLED.match(piece):  # "city New York", "zip 10118": the label says which part
            name = next(n for n, p in _NAMED_PART.items() if p.match(labelled.group(1)))
            parts.setdefault(name, labelled.group(2).strip())
            continue
        _place(piece, parts)
    return parts


_LABELLED = re.compile(
    r"^(city|town|state|region|province|county|zip(?:\s*code)?|post(?:al)?\s*code|postcode)\s*:?\s+(\S.*)$", re.I
)


def _place(piece: str, parts: dict[str, str]) -> None:
    """One comma-separated part of an address after the street."""
    code = country_code(piece)
    if code and piece.lower().strip() in COUNTRIES | {c.lower(): c for c in _ISO}:
        parts.setdefault("country", code)
        return
    if _LINE2.match(piece) and "city" not in parts:
        tokens = piece.split()
        if len(tokens) > 2 and any(p.search(" ".join(tokens[2:])) for p in _POSTAL):
            parts.setdefault("line2", " ".join(tokens[:2]))  # "suite 1200 austin tx 78701": no commas
            _place(" ".join(tokens[2:]), parts)
            return
        parts.setdefault("line2", piece)
        return
    postal = next((m for p in _POSTAL for m in [p.search(piece)] if m), None)
    words = piece
    if postal:
        parts.setdefault("postal_code", postal.group(0))
        words = (piece[: postal.start()] + " " + piece[postal.end() :]).strip()
    tokens = words.split()
    if tokens and tokens[-1].upper().strip(".") in _REGIONS and (len(tokens) > 1 or "city" in parts):
        parts.setdefault("region", tokens[-1].upper().strip("."))
        tokens = tokens[:-1]
    rest = " ".join(tokens).strip(" .")
    if code and rest.lower() in COUNTRIES:
        parts.setdefault("country", code)
    elif rest and (
        re.fullmatch(r"[A-Za-zÀ-ÿ .'\-]{2,60}", rest) or re.fullmatch(r"[A-Z][A-Za-zÀ-ÿ.'\-]+\s\d{1,2}", rest)
    ):  # "Dublin 2": a city with its postal district
        if "city" not in parts:
            parts["city"] = rest
        elif "region" not in parts and "postal_code" not in parts:
            parts["region"] = rest


def _value_after(text: str, keyword: re.Pattern[str]) -> str | None:
    m = keyword.search(text)
    if not m:
        return None
    v = re.match(
        r"\s*(?:on|of|for)?\s*(?:(?:the\s+)?contract\s+)?(?:(?:has\s+)?(?:changed|moved|updated)\s+)?"
        r"(?:(?:to|is|should be|will be|becomes|reads)"
        r"(?:\s+now)?|=|:|as|now)\s+['\"]?([^,;'\"\n]+?)['\"]?\s*(?:[.;!?](?=\s|$)|,|$|(?=\n)|\bplease\b|\bpls\b|"
        r"\band\b|\binstead\b)",
        text[m.end() :],
        re.I,
    )
    if not v:
        return None
    # "the zip is 10166 not 10017": the new value, not the one it replaces
    return re.split(r"\s+(?:not|instead of|rather than)\s+", v.group(1).strip(), flags=re.I)[0]


# -- names and people -----------------------------------------------------------------------------
_NAME_WORD = r"[A-Z][a-zà-ÿ]+(?:[-'][A-Z]?[a-zà-ÿ]+)?"
# "Alice A. Adams-Smith": a middle initial may sit between the names
_FULL_NAME = re.compile(
    rf"\b({_NAME_WORD}(?:\s+[A-Z]\.)?(?:\s+(?:van|von|de|del|da|le|la|di|O')?\s*{_NAME_WORD}){{1,2}})\b"
)
_NOT_NAMES = {
    "Hi",
    "Hello",
    "Hey",
    "Please",
    "Pls",
    "Can",
    "Could",
    "Would",
    "New",
    "Add",
    "Invite",
    "Create",
    "Make",
    "Give",
    "Grant",
    "Remove",
    "Set",
    "Change",
    "Update",
    "The",
    "Our",
    "My",
    "We",
    "I",
    "Thanks",
    "Name",
    "Contract",
    "Contracts",
    "Invoice",
    "Portal",
    "User",
    "Billing",
    "Contact",
    "Email",
    "Phone",
    "Customer",
    "Service",
    "Visa",
    "Mastercard",
    "Amex",
    "Manage",
    "Users",
    "Primary",
    "Credit",
    "Card",
    "Holder",
    "Yes",
    "No",
    "Ok",
    "Okay",
    "Also",
    "Then",
    "And",
    "Dear",
    "Good",
    "Morning",
    "Access",
    "Her",
    "His",
    "Him",
    "She",
    "He",
    "They",
    "Their",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Finance",
    "Accounts",
    "Payable",
    "Team",
    "Street",
    "Road",
    "Avenue",
    "Is",
    "It",
    "Its",
    "This",
    "That",
    "To",
    "From",
    "On",
    "For",
    "With",
    "As",
    "Actually",
    "Sorry",
    "Just",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Acme",
    "Globex",
    "Initech",
}


def full_name(text: str) -> str | None:
    """A capitalised person name ("Jane Doe", "name Jane Roe", "for Sam van Dijk"), not a place or a brand."""
    m = re.search(
        r"\b(?:name(?:d)?|called)(?:\s*(?:is|should be|to|:))?\s+(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})",
        text,
    )
    if m and m.group(1).split()[0] not in _NOT_NAMES:
        return m.group(1)
    scrubbed = EMAIL.sub(" , ", _ENTITY.sub(" , ", text))
    for m in _FULL_NAME.finditer(scrubbed):
        words = [w for w in m.group(1).split()]
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1] in _NOT_NAMES:
            words = words[:-1]
        if len(words) >= 2 and not _STREET.search(" ".join(words)):
            return " ".join(words)
    return None


_INVITED = re.compile(
    r"\b(?:add|invite|onboard)\s+([a-z][a-z'\-]+)\s+([a-z][a-z'\-]+)\s+(?:to|as|on|for|with|onto)\b", re.I
)
_NOT_NAME_WORDS = frozenset(
    "a an the new user users my our your his her their them him someone somebody person colleague coworker "
    "access portal me us this that another other one finance billing team member members".split()
)


def invited_name(text: str) -> str | None:
    """A new user's name typed in lower case after "add"/"invite" ("add priya nair to C-1002")."""
    m = _INVITED.search(text)
    if m is None or {m.group(1).lower(), m.group(2).lower()} & _NOT_NAME_WORDS:
        return None
    return f"{m.group(1).capitalize()} {m.group(2).capitalize()}"


def name_answer(text: str) -> str | None:
    """A name given on its own, in any case ("greg green", "It's Greg Green.")."""
    value = re.sub(
        r"^(?:(?:his|her|their|the)\s+(?:full\s+)?name\s+is|it'?s|name(?:\s*is)?:?|call (?:him|her) )\s*",
        "",
        text.strip(),
        flags=re.I,
    ).strip(" .!")
    value = EMAIL.sub("", value).strip(" ,.-—")
    if re.fullmatch(r"[A-Za-zÀ-ÿ'\-]+(?:\s+[A-Za-zÀ-ÿ'\-]+){1,3}", value):
        return value if any(c.isupper() for c in value) else " ".join(w.capitalize() for w in value.split())
    return full_name(text)


_PERSON_REF = re.compile(
    r"\b(?:remove|take|revoke|delete|drop|kick|grant|give|let|add|share|unassign|invite|"
    r"access for|for|user)\s+([a-z][a-z'\-]+)(?:'s)?\b",
    re.I,
)
_PERSON_STOP = {
    "myself",
    "ourselves",
    "yourself",
    "himself",
    "herself",
    "themselves",
    "access",
    "user",
    "users",
    "him",
    "her",
    "them",
    "me",
    "it",
    "the",
    "a",
    "an",
    "all",
    "everyone",
    "someone",
    "this",
    "that",
    "off",
    "out",
    "my",
    "our",
    "contract",
    "contracts",
    "portal",
    "new",
    "us",
    "c",
    "from",
    "to",
    "permission",
    "permissions",
    "login",
    "someone's",
    "their",
    "his",
    "now",
    "back",
    "anyone",
    "everybody",
    "somebody",
    "here",
    "there",
    "you",
    "any",
    "rights",
    "edit",
    "view",
    "read",
    "more",
    "other",
    "others",
    "both",
    "each",
    "hers",
    "please",
    "pls",
    "also",
    "too",
    "invoices",
    "billing",
    "payment",
    "payments",
    "auto",
    "renewal",
    "as",
    "in",
    "on",
    "at",
    "of",
    "and",
    "what",
    "which",
    "how",
    "why",
    "when",
    "who",
    "whom",
    "is",
    "are",
    "be",
    "so",
    "if",
    "ability",
    "one",
    "two",
    "people",
    "person",
    "colleague",
    "colleagues",
    "coworker",
    "teammate",
    "team",
    "admin",
    "visibility",
}


# A person named by the role they hold on the contract ("remove the card holder"): the role, for the resolver
ROLE_PREFIX = "role:"
_ROLE_REF = (
    ("card_holder", re.compile(r"\b(?:credit[\s-]?)?card[\s-]?holder\b", re.I)),
    ("primary_billing_contact", re.compile(r"\bprimary(?:\s+billing)?\s+contact\b", re.I)),
)
# "bob shouldn't be on C-1001 anymore": a first name that opens the message, then what should change for them
_SUBJECT = re.compile(
    r"^\W*([a-z]+)\s+(?:shouldn'?t|should not|no longer|doesn'?t need|does not need|has left|left|"
    r"isn'?t with us|is leaving|needs|should)\b",
    re.I,
)


JUST_ONE = re.compile(r"^\W*(?:ok(?:ay)?\W+)?(?:just|only)\s+([A-Za-z][a-z]+)(?:\s+(?:then|please|pls))?\W*$", re.I)


def person_reference(text: str) -> str | None:
    """A person named by a first name, an e-mail's local part or a role: "remove bob from C-1001" -> "bob",
    "remove the card holder" -> "role:card_holder"."""
    for role, pattern in _ROLE_REF:
        if pattern.search(text):
            return ROLE_PREFIX + role
    scrubbed = EMAIL.sub(" ", _ENTITY.sub(" ", text))
    if (only := JUST_ONE.match(text)) and only.group(1).lower() not in _PERSON_STOP:
        return only.group(1).lower()  # "just bob then", after a request for two people
    if (subject := _SUBJECT.search(scrubbed)) and (word := subject.group(1).lower()) not in _PERSON_STOP:
        if word not in {"i", "we", "he", "she", "they", "it", "this", "that", "someone", "nobody"}:
            return word
    for m in _PERSON_REF.finditer(scrubbed):
        word = m.group(1).lower()
        if word not in _PERSON_STOP and not re.fullmatch(r"c-?\d+", word):
            return word
    named = re.search(
        r"\b([A-Z][a-z]+)\b(?=\s+(?:from|to|off|out|access|should|no longer|needs|doesn't|does not|has)\b)", scrubbed
    )
    if named and named.group(1) not in _NOT_NAMES:
        return named.group(1).lower()
    return None


# Asking for a person outright ("I need the AE", "put me through to collections"), asking the assistant itself
# ("can you …"), and asking who hears of something ("does our AE get told?"): the words of hand-offs.
WANTS_PERSON = re.compile(
    r"\b(?:i|we)\s*(?:really\s+|just\s+)?(?:need|want|would like|'d like)\b(?!\s+to\s+(?:pay|know|see|change|update))|"
    r"\b(?:connect|transfer|put|pass|hand|escalate|raise|forward|refer)\b(?:\s+(?:me|us|it|this|that|them|on))*\s+"
    r"(?:through|to|with|over)\b|\b(?:talk|speak|chat)\s+(?:to|with|through)\b|\bget me\b|\bloop in\b",
    re.I,
)
ASKS_ASSISTANT = re.compile(r"^\W*(?:(?:ok|so|and|please|pls)\W+)*(?:can|could|would|will)\s+(?:you|u|ya)\b", re.I)
_NOTIFIED = re.compile(
    r"\b(?:get|gets|got|be|is|are|was|were|been|being)\s+(?:\w+\s+){0,3}(?:told|notified|informed|alerted|copied|cc'?d)\b|"
    r"\b(?:hear|know|find out)\s+about\b|\baware of\b",
    re.I,
)


_MUST_I_CALL = re.compile(
    r"\b(?:do|does|should|must|would|will)\s+(?:i|we|one)\s+(?:\w+\s+)?(?:have to|need to|got to)?\s*"
    r"(?:call|contact|ring|phone|e-?mail|write to|speak to|talk to|reach out to|get in touch with|get hold of)\b",
    re.I,
)


def asks_if_a_person_is_needed(text: str) -> bool:
    """ "so are we unsuspended now or do I have to call someone?": whether a person is needed, asked, not a call
    for one (the answer says who, and a case is offered where the articles say so)."""
    return (
        bool(_MUST_I_CALL.search(text))
        and bool(re.search(r"\?\s*$|^\W*(?:so\s+)?(?:do|does|is|are|should)\b", text, re.I))
        and not ASKS_ASSISTANT.search(text)
    )


def asks_who_hears(text: str) -> bool:
    """ "wait, does our AE get told about this?": a question about who hears of something, not a call for them."""
    return (
        bool(_NOTIFIED.search(text))
        and text.rstrip().endswith("?")
        and not (WANTS_PERSON.search(text) or ASKS_ASSISTANT.search(text))
    )


# -- hand-off queues ------------------------------------------------------------------------------
_PRIOR = re.compile(
    r"\b(?:e-?mailed|sent (?:an? |them an? )?(?:e-?mail|request|letter|message)|called|phoned|"
    r"outside (?:of )?the portal|before the portal|previous(?:ly)? (?:request|inquiry|enquiry|ticket|"
    r"question|issue|case)|earlier (?:request|inquiry|enquiry|ticket|case)|old (?:ticket|case|inquiry)|"
    r"nobody (?:answered|replied)|no one (?:answered|replied)|follow(?:ing)? up on|existing (?:case|ticket))\b",
    re.I,
)
_AE = re.compile(
    r"\baccount exec\w*|\baccount manager\b|\bsales ?(?:rep|person)?\b|\b(?:my|our|the) ae\b|\bae\b|"
    r"\brenew\w*|\bauto[\s-]?renew\w*|\bcontract terms\b|\bpricing\b|\bprice\b|\bupgrade\b|\bdowngrade\b|"
    r"\bcancel (?:the |our |my )?(?:contract|subscription)\b|\bterminat\w+",
    re.I,
)
_COLLECTOR = re.compile(
    r"\bcollector\b|\bcollections?\b|\bpayment plan\b|\binstal(?:l)?ments?\b|\boverdue\b|"
    r"\bpast due\b|\bpay\w*\b|\bcharge\w*\b|\bbalance\b|\bowe\w*\b|\bdebt\b|\bsuspen\w*|"
    r"\brefund\w*|\bdisput\w*|\blate fee\w*|\bextension\b|\bdunning\b|\bremittance\b",
    re.I,
)


def queue(text: str) -> str | None:
    """The team a hand-off goes to, when the message says: collector, account executive, or customer service."""
    if re.search(r"\baccount exec\w*|\b(?:my|our|the) ae\b|\bae\b|\baccount manager\b", text, re.I):
        return "ae"
    if re.search(r"\bcollector\b|\bcollections?\b|\bpayment plan\b", text, re.I):
        return "collector"
    if re.search(r"\bcustomer (?:service|support|care)\b|\bsupport team\b|\bhelp ?desk\b", text, re.I):
        return "customer_service"
    if _PRIOR.search(text):
        return "customer_service"
    if _AE.search(text):
        return "ae"
    if _COLLECTOR.search(text):
        return "collector"
    return None


def names_team(text: str) -> bool:
    """Whether the message names a team to talk to (collector, account executive, customer service)."""
    return bool(
        re.search(
            r"\bcollector\b|\bcollections?\b|\baccount exec\w*|\b(?:my|our|the) ae\b|"
            r"\bcustomer (?:service|support|care)\b|\bsupport team\b|\bsomeone (?:in|from)\b",
            text,
            re.I,
        )
    )


# -- all slots of one message ---------------------------------------------------------------------


@dataclass
class Found:
    """Everything exact a message contains (the skill decides which of it matters)."""

    invoice_ids: list[str] = field(default_factory=list)
    contract_ids: list[str] = field(default_factory=list)
    quote_ids: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    ref: Reference = field(default_factory=Reference)
    card_typed: bool = False

    @property
    def names_item(self) -> bool:
        """Whether the message names an invoice or a contract by its id."""
        return bool(self.invoice_ids or self.contract_ids)


def found(text: str) -> Found:
    return Found(
        invoice_ids(text),
        contract_ids(text),
        quote_ids(text),
        emails(text),
        reference(text),
        bool(CARD_MASK.search(text)),
    )


_RESPELL = (
    re.compile(r"(?:^|[\s,:;])(?P<new>[\w.@'+-]{3,})\s*,?\s+not\s+(?P<old>[\w.@'+-]{3,})\W*$", re.I),
    re.compile(r"\bnot\s+(?P<old>[\w.@'+-]{3,})\s*,?\s+(?:but\s+)?(?P<new>[\w.@'+-]{3,})\W*$", re.I),
    re.compile(r"(?P<old>[\w.@'+-]{3,})\s+(?:should (?:be|read|say)|->|→|=>)\s+(?P<new>[\w.@'+-]{3,})\W*$", re.I),
)
_NOT_VALUES = frozenset("that this one it the them him her me you".split())


def respelling(text: str) -> tuple[str, str] | None:
    """(new, old) when the message fixes a misspelt part of a value: "it's globex.example not exmaple",
    "Smyth should be Smith". Applied only to a value of the request in progress that contains `old`."""
    for pattern in _RESPELL:
        if (m := pattern.search(text.strip())) is not None:
            new, old = m.group("new").strip(".,"), m.group("old").strip(".,")
            if new.lower() != old.lower() and not {new.lower(), old.lower()} & _NOT_VALUES:
                return new, old
    return None


def respell(value: str, new: str, old: str) -> str | None:
    """`value` with `old` put right as `new`, which may repeat the text around it ("globex.example" for
    "exmaple" in "carol@globex.exmaple" is "carol@globex.example"); None when `old` is not in it."""
    low = value.lower()
    i = low.find(old.lower())
    if i < 0:
        return None
    before = next(k for k in range(min(i, len(new)), -1, -1) if low[i - k : i] == new[:k].lower())
    after_text, rest = low[i + len(old) :], len(new) - before
    after = next(j for j in range(min(len(after_text), rest), -1, -1) if after_text[:j] == new[len(new) - j :].lower())
    return value[: i - before] + new + value[i + len(old) + after :]

"""Exact slot extraction: ids, e-mails, PO numbers, addresses, phones, names, ordinals.

Rules where rules are exact; the fuzzy part (what the user wants) is in `intents`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_INVOICE = re.compile(r"\b(?:inv(?:oice|oce|ocie)?s?)[\s#:\-]*(\d{3,})\b|\binvoice\s+(?:number\s+|no\.?\s+|#\s*)?(\d{3,})\b",
                      re.I)
_INVOICE_BARE = re.compile(r"\bINV-[A-Z0-9][A-Z0-9\-]*\b", re.I)
_CONTRACT = re.compile(r"\bc[\s\-]?(\d{4,})\b|\bcontract\s+(?:number\s+|#\s*)?(\d{4,})\b", re.I)
_CONTRACT_BARE = re.compile(r"\bC-[A-Z]{2,}[A-Z0-9\-]*\b", re.I)
_QUOTE = re.compile(r"\bq[\s\-]?(\d{4,})\b", re.I)
# What the service leaves of a card number typed in chat (agent.masking): the planner never sees the digits.
CARD_MASK = re.compile(r"\[card number ending \d{4} removed\]", re.I)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w-])(\+?\d[\d ()./\-]{6,22}\d)(?![\w-])")
_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
    "5th": 5, "sixth": 6, "6th": 6, "last": -1, "latest": -1, "top": 1,
}
_ORDINAL = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|latest)\b"
                      r"(?:\s+(?:one|invoice|contract|user|item|on the list))?", re.I)
_NUMBER_WORD = re.compile(r"\b(?:number|no\.?|#)\s*([1-6])\b", re.I)
STATUSES = ("overdue", "open", "paid", "processing", "void")
_STATUS = re.compile(r"\b(overdue|open|unpaid|outstanding|paid|processing|void(?:ed)?|late|past due)\b", re.I)
_ALL = re.compile(r"\b(all|every|each|both)\b", re.I)


def norm_invoice(raw: str) -> str:
    return "INV-" + raw.upper()


def invoice_ids(text: str) -> list[str]:
    found: list[tuple[int, str]] = []
    for m in _INVOICE_BARE.finditer(text):
        found.append((m.start(), m.group(0).upper()))
    for m in _INVOICE.finditer(text):
        if not any(abs(pos - m.start()) < 3 for pos, _ in found):
            found.append((m.start(), norm_invoice(m.group(1) or m.group(2))))
    return _unique([i for _, i in sorted(found)])


def contract_ids(text: str) -> list[str]:
    found: list[tuple[int, str]] = [(m.start(), m.group(0).upper()) for m in _CONTRACT_BARE.finditer(text)]
    for m in _CONTRACT.finditer(text):
        found.append((m.start(), "C-" + (m.group(1) or m.group(2))))
    return _unique([c for _, c in sorted(found)])


def quote_ids(text: str) -> list[str]:
    return _unique(["Q-" + m.group(1) for m in _QUOTE.finditer(text)])


def emails(text: str) -> list[str]:
    return _unique([e.lower().rstrip(".") for e in EMAIL.findall(text)])


def phone(text: str) -> str | None:
    scrubbed = EMAIL.sub(" ", text)
    scrubbed = _INVOICE_BARE.sub(" ", scrubbed)
    scrubbed = re.sub(r"\b(?:C|Q|INV)-\S+", " ", scrubbed, flags=re.I)
    for m in _PHONE.finditer(scrubbed):
        digits = sum(ch.isdigit() for ch in m.group(1))
        if 7 <= digits <= 15 and not re.fullmatch(r"\d{5}(?:-\d{4})?", m.group(1)):
            return m.group(1).strip()
    return None


def ordinal(text: str) -> int | None:
    m = _ORDINAL.search(text)
    if m:
        return _ORDINALS[m.group(1).lower()]
    m = _NUMBER_WORD.search(text)
    return int(m.group(1)) if m else None


def status(text: str) -> str | None:
    m = _STATUS.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    if word in ("late", "past due"):
        return "overdue"
    if word in ("unpaid", "outstanding"):
        return None  # open and overdue both: no single status filter
    if word.startswith("void"):
        return "void"
    if word == "paid" and re.search(r"\b(?:un|not |been |yet)\s*paid\b|\bpaid (?:yet|already)\b|\bis\b.*\bpaid\b", text, re.I):
        return None
    return word


def wants_all(text: str) -> bool:
    return bool(_ALL.search(text))


def _unique(items: list[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


# -- PO numbers ----------------------------------------------------------------------------------

# The value is taken whole, as typed (up to the end of its clause): the domain validates it and explains its
# rule, so "PO#77!*" must reach it as "PO#77!*", never trimmed to something valid the user did not ask for.
_PO_WORD = r"\b(?:po|p\.o\.?|purchase[\s-]*order)(?:\s*(?:number|no\.?|num|reference|ref)\b)?"
_PO_VALUE = r"['\"“‘]?([^\s'\"“”‘’][^'\"“”‘’\n]{0,79}?)['\"”’]?"
_PO_END = r"\s*(?:[,;]|[.!?](?=\s|$)|$|\s(?:and|then|please|pls|thanks|thank you|instead)\b)"
_PO_PATTERNS = [
    re.compile(_PO_WORD + r"\s*#?\s*(?:on|of|for)\s+(?:the\s+)?(?:invoice\s+)?\S+\s+(?:to|as|should be|=|:|is)\s+"
               + _PO_VALUE + _PO_END, re.I),
    re.compile(r"(?:\b(?:to|as|should be|is|be)|=|:)\s+" + _PO_VALUE + _PO_END, re.I),
    re.compile(_PO_WORD + r"\s*(?:#|:)?\s*" + _PO_VALUE + r"\s+(?:on|to|for|in)\s+(?:the\s+)?(?:invoice\b|inv\b|INVREF)",
               re.I),
    re.compile(_PO_WORD + r"\s*(?:#|:)?\s*" + _PO_VALUE + _PO_END, re.I),
]
_NOT_PO = re.compile(r"^(?:number|no|num|on|of|for|to|the|it|its|that|this|a|an|is|be|inv|invoice|please|pls|"
                     r"field|value|reference|ref|what|which|there|here|now|set|wrong|correct|missing|empty)$", re.I)


def _clean_po(value: str) -> str:
    return value.strip().strip("'\"“”‘’").strip().rstrip(".,;:!?").strip()


def po_number(text: str) -> str | None:
    """The PO value in a request like "set the PO on INV-1001 to ABC-123"; None if not given."""
    cleaned = _INVOICE_BARE.sub(lambda m: "INVREF", text)
    cleaned = re.sub(r"\b(inv(?:oice)?)[\s#:\-]*\d{3,}\b", "INVREF", cleaned, flags=re.I)
    for pattern in _PO_PATTERNS:
        for m in pattern.finditer(cleaned):
            value = _clean_po(m.group(1))
            if not value or _NOT_PO.match(value) or "INVREF" in value:
                continue
            if value.lower().startswith(("number ", "no ", "num ")):
                continue
            if len(value.split()) > 3:
                continue
            return value
    return None


_PO_LEAD = re.compile(r"^(?:(?:no|nope|sorry|oops|actually|wait|hmm|ok|okay|correction|oh)\b[,.!:]?\s*)+", re.I)
_PO_SAY = re.compile(r"^(?:i meant|i mean|make (?:it|that|the po)|use|set it to|change it to|it'?s|it should be|"
                     r"should be|the po (?:is|should be)|po is|po|to)\s+", re.I)
_PO_TAIL = re.compile(r"\s+(?:instead|please|pls|then|thanks|thank you)\b.*$", re.I)


def po_fragment(text: str, asked: bool) -> str | None:
    """A PO value given on its own: the answer to "What PO number should it have?" (`asked`), or a
    correction like "actually, make it 4500-BB instead". A correction must look like a reference
    (a digit or one of - _ / #, or capitals), so that an ordinary sentence is never taken for one."""
    value = _PO_TAIL.sub("", _PO_SAY.sub("", _PO_LEAD.sub("", text.strip())))
    value = _clean_po(value)
    if not value or len(value.split()) > 3 or _NOT_PO.match(value) or _INVOICE_BARE.search(value):
        return None
    if not asked and not (re.search(r"[\d\-_/#]", value) or (value.isupper() and len(value) > 1)):
        return None
    return value


# -- addresses ----------------------------------------------------------------------------------

COUNTRIES = {
    "united states": "US", "usa": "US", "us": "US", "u.s.": "US", "america": "US", "united kingdom": "GB",
    "uk": "GB", "great britain": "GB", "england": "GB", "britain": "GB", "germany": "DE", "france": "FR",
    "canada": "CA", "australia": "AU", "ireland": "IE", "netherlands": "NL", "spain": "ES", "italy": "IT",
    "mexico": "MX", "japan": "JP", "india": "IN", "switzerland": "CH", "sweden": "SE", "belgium": "BE",
    "austria": "AT", "poland": "PL", "portugal": "PT", "denmark": "DK", "norway": "NO", "finland": "FI",
    "singapore": "SG", "brazil": "BR", "new zealand": "NZ",
}
_US_STATES = set("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
                 "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC ON QC BC AB NSW VIC QLD".split())
_STREET = re.compile(r"(?<!line )(?<!line)\b\d+[A-Za-z]?\s+[A-Za-z0-9 .'\-]+?\b(?:st|street|ave|avenue|road|rd|blvd|boulevard|way|lane|"
                     r"ln|drive|dr|court|ct|place|pl|square|sq|plaza|parkway|pkwy|terrace|hwy|highway)\b\.?", re.I)
_POSTAL_US = re.compile(r"\b(\d{5}(?:-\d{4})?)\b")
_POSTAL_UK = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})\b")
_FIELD = {
    "postal_code": re.compile(r"\b(?:postal|post|zip)\s*code\b|\bzip\b|\bpostcode\b", re.I),
    "city": re.compile(r"\bcity\b|\btown\b", re.I),
    "region": re.compile(r"\b(?:region|state|province|county)\b", re.I),
    "line2": re.compile(r"\b(?:line\s*2|address line two|second line|suite|apt|unit)\b", re.I),
    "line1": re.compile(r"\b(?:line\s*1|address line one|first line|street)\b", re.I),
    "country": re.compile(r"\bcountry\b", re.I),
}


@dataclass
class AddressChange:
    fields: dict[str, str] = field(default_factory=dict)


def country_code(text: str) -> str | None:
    low = f" {text.lower()} "
    for name in sorted(COUNTRIES, key=len, reverse=True):
        if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", low):
            code = COUNTRIES[name]
            if name == "us" and not re.search(r"\bUS\b|\bto (?:the )?us\b", text):
                continue  # "us" is mostly the pronoun
            return code
    return None


def _value_after(text: str, keyword: re.Pattern[str]) -> str | None:
    m = keyword.search(text)
    if not m:
        return None
    rest = text[m.end():]
    v = re.match(r"\s*(?:on|of|for)?\s*(?:(?:contract\s+)?C-\S+\s+|(?:the\s+)?contract\s+)?"
                 r"(?:(?:to|is|should be|will be|becomes)(?:\s+now)?|=|:|as|now)\s+['\"]?([^,;'\"]+?)['\"]?"
                 r"\s*(?:[.;!?](?=\s|$)|,|$|\bplease\b|\bpls\b|\band\b)", rest, re.I)
    return v.group(1).strip() if v else None


def address(text: str) -> dict[str, str]:
    """Address parts found in the message. A full address: line1, city, region, postal code (and country)."""
    body = re.sub(r"\b(?:contract\s+)?C-\d+\b('s)?", " ", text, flags=re.I)
    street = _STREET.search(body)
    fields: dict[str, str] = {}
    if street:
        fields["line1"] = " ".join(street.group(0).rstrip(".").split())
        tail = body[street.end():]
        parts = [p.strip(" .") for p in re.split(r",", tail) if p.strip(" .")]
        parts = [p for p in parts if p]
        for part in parts:
            up = part.strip()
            if m := re.fullmatch(r"([A-Za-z]{2})\s+(\d{5}(?:-\d{4})?)", up):
                fields.setdefault("region", m.group(1).upper())
                fields.setdefault("postal_code", m.group(2))
            elif m := re.fullmatch(r"([A-Za-z .]+?)\s+([A-Z]{2})\s+(\d{5}(?:-\d{4})?)", up):
                fields.setdefault("city", m.group(1).strip())
                fields.setdefault("region", m.group(2))
                fields.setdefault("postal_code", m.group(3))
            elif _POSTAL_US.fullmatch(up) or _POSTAL_UK.fullmatch(up.upper()):
                fields.setdefault("postal_code", up.upper())
            elif re.fullmatch(r"(?:suite|ste|apt|unit|floor|fl)\.?\s*\S+.*", up, re.I):
                fields.setdefault("line2", up)
            elif country_code(up) and up.lower() in COUNTRIES:
                fields.setdefault("country", COUNTRIES[up.lower()])
            elif up.upper() in _US_STATES and "city" in fields:
                fields.setdefault("region", up.upper())
            elif "city" not in fields and re.fullmatch(r"[A-Za-z .'\-]{2,40}", up):
                fields["city"] = up
        # "... the street is now 500 Howard Street and the postal code is 94107": named parts around the street.
        for name, pattern in _FIELD.items():
            if name not in fields and name != "country":
                value = _value_after(body, pattern)
                if value and not _STREET.search(value):
                    fields[name] = value.upper() if name == "postal_code" else value
        return fields
    for name, pattern in _FIELD.items():
        value = _value_after(body, pattern)
        if value:
            fields[name] = value.upper() if name in ("postal_code",) else value
    if "country" in fields:
        code = country_code(fields["country"])
        fields["country"] = code or fields["country"].upper()[:2]
    elif re.search(r"\b(?:to|in|into)\s+(?:the\s+)?([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s*[.?!]?\s*$", body):
        code = country_code(body)
        if code:
            fields["country"] = code
    return fields


# -- names --------------------------------------------------------------------------------------

_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_FULL_NAME = re.compile(rf"\b({_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}})\b")
_NOT_NAMES = {
    "Hi", "Hello", "Hey", "Please", "Pls", "Can", "Could", "Would", "New", "Add", "Invite", "Create", "Make",
    "Give", "Grant", "Remove", "Set", "Change", "Update", "The", "Our", "My", "We", "I", "Thanks", "Name",
    "Contract", "Contracts", "Invoice", "Portal", "User", "Billing", "Contact", "Email", "Phone", "Customer",
    "Service", "Visa", "Mastercard", "Amex", "Manage", "Users", "Primary", "Credit", "Card", "Holder", "Yes", "No",
    "Ok", "Okay", "Also", "Then", "And", "Dear", "Good", "Morning",
}


def full_name(text: str) -> str | None:
    """A capitalised person name like "Jane Doe" ("name Jane Roe", "for Sam Park")."""
    m = re.search(r"\bname(?:d|\s*is|:)?\s+(" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})", text)
    if m:
        return m.group(1)
    scrubbed = EMAIL.sub(" , ", text)
    for m in _FULL_NAME.finditer(scrubbed):
        words = m.group(1).split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        while words and words[-1] in _NOT_NAMES:
            words = words[:-1]
        if len(words) >= 2:
            return " ".join(words)
    return None


_PERSON_REF = re.compile(r"\b(?:remove|take|revoke|delete|drop|kick|grant|give|let|add|share|unassign)\s+"
                         r"([a-z][a-z'\-]+)(?:'s)?\b", re.I)
_PERSON_STOP = {"access", "user", "users", "him", "her", "them", "me", "it", "the", "a", "an", "all", "everyone",
                "someone", "this", "that", "off", "out", "my", "our", "contract", "contracts", "portal", "new", "us",
                "c", "from", "to", "permission", "permissions", "login", "a", "someone's", "their", "his"}


def person_reference(text: str) -> str | None:
    """A first name or a user word after a verb: "remove alice from C-1001" -> "alice"."""
    scrubbed = EMAIL.sub(" ", text)
    for m in _PERSON_REF.finditer(scrubbed):
        word = m.group(1).lower()
        if word not in _PERSON_STOP and not re.fullmatch(r"c-?\d+", word):
            return word
    m = re.search(r"\b(?:user|for|of)\s+([A-Z][a-z]+)\b", scrubbed)
    if m and m.group(1) not in _NOT_NAMES:
        return m.group(1).lower()
    return None

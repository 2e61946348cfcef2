"""What the user wants: nearest labelled exemplars (MiniLM) plus exact cues.

The exemplar matrix is embedded once per process (one batch, ~2 s on 2 cores) and each message
once (a few ms, memoised). Exact cues then correct what embeddings blur: ids restrict the intents
that make sense (an invoice id is never a contract change), domain words tip the balance, and a
how/why question without an id is a question about the portal, not a request to act.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agent.planner import slots
from agent.planner.exemplars import EXEMPLARS

INVOICE_INTENTS = {"get_invoice", "invoice_pdf", "pay", "po"}
CONTRACT_INTENTS = {"get_contract", "signed_quote", "address", "contact", "card", "auto_renew", "list_users",
                    "add_user", "grant", "remove", "list_invoices"}
USER_INTENTS = {"add_user", "grant", "remove", "contact", "list_users"}
WRITE_INTENTS = {"pay", "po", "address", "contact", "auto_renew", "add_user", "grant", "remove"}
SMALL_TALK = {"hello", "thanks", "bye", "capabilities"}

# Domain cues: a regular expression and the score it adds to an intent.
CUES: list[tuple[str, str, float]] = [
    ("pay", r"\b(?:pay|settle|payment|pay off|charge (?:the|my|our) card)\b", 0.18),
    ("po", r"\b(?:po|p\.o\.|po#|purchase[\s-]*order)\b", 0.35),
    ("invoice_pdf", r"\b(?:pdf|download|copy|printable|print)\b", 0.22),
    ("get_invoice", r"\b(?:how much|balance|owe|status|due|details?|paid yet|is \S+ paid|total|amount|look up)\b", 0.15),
    ("signed_quote", r"\b(?:quote|order form|proposal)\b", 0.4),
    ("address", r"\b(?:address|zip|postal|post ?code|city|street|moved)\b", 0.28),
    ("contact", r"\b(?:change|update|set|make|new|replace|switch)\b.*\bbilling contact\b|\bbilling contact\b.*\b(?:to|should be|is now)\b"
                r"|\b(?:should go|be sent|be emailed) to\b|\bsend (?:the |our |all )?(?:\S+ )?(?:invoices|bills) to\b", 0.3),
    ("card", r"\b(?:card|visa|mastercard|amex|credit)\b", 0.22),
    ("auto_renew", r"\b(?:auto[\s-]?renew\w*|renew\w*)\b", 0.3),
    ("list_users", r"\b(?:who|users|everyone|people|billing contacts)\b", 0.2),
    ("add_user", r"\b(?:add|invite|create|new user|login for|a login|onboard|set up)\b", 0.18),
    ("grant", r"\b(?:grant|give|share|let|needs? access|access (?:to|for)|(?:also|too) see|see \S+ too|as well)\b", 0.18),
    ("remove", r"\b(?:remove|revoke|take \S+ off|off (?:the )?contract|delete|unassign|kick|drop)\b", 0.3),
    ("list_invoices", r"\b(?:invoices|bills|invoice list)\b", 0.12),
    ("list_contracts", r"\bcontracts\b", 0.1),
]
HANDOFF = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a |an |some|my |the |your |real )*(?:person|human|someone|somebody|agent|"
    r"rep|representative|people|account exec|ae\b|collector|customer service|support|manager)|"
    r"\b(?:real|live|human)\s+(?:person|agent|human|being|rep)|\bescalate\b|\bhuman\b|\bsupport (?:case|ticket|rep)\b|"
    r"\bconnect me\b|\btransfer me\b|\bcall me\b|\bopen a (?:case|ticket)\b|\bsomeone (?:from|in) \w+ (?:to )?"
    r"(?:call|contact|reach)|\bnobody (?:answered|replied|got back)|\bno one (?:answered|replied|got back)|"
    r"\bcan someone follow up\b", re.I)
HOW_FORM = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|so|quick question|question)[,!:]?\s+)*(?:how|why|what happens|what does|what do|"
    r"what is an?|what's an?|whats an?|what are the|what is the|what's the|whats the|what is your|what's your|whats your|what are your|is it possible|is there|are there|can i|can we|could i|could we|"
    r"do i need|does|where (?:do|can|is|are)|when (?:do|does|will|can|am|is|are|should)|who can|is my|are my|should i|"
    r"is it|am i|what should|(?:do|does|can|will) (?:you|the portal|it) (?:support|offer|accept|charge|allow|provide|take|"
    r"give|have)|what if|what (?:\w+ ){1,2}(?:are|is) (?:allowed|accepted|possible|required|supported)|"
    r"(?:can|could) (?!you\b|u\b|somebody\b|someone\b|ya\b)\w+)\b|\bwhy\b", re.I)
DATA_QUESTION = re.compile(r"\b(?:my|our|we|us|i have|do i have|we have)\b.*\b(?:invoices?|bills?|contracts?|balance|owe)\b"
                           r"|\b(?:invoices?|bills?|contracts?)\b.*\b(?:do i have|do we have|i have|we have)\b", re.I)

DOMAIN = re.compile(
    r"\b(?:invoices?|bills?|billing|pay\w*|paid|contracts?|cards?|credit|visa|mastercard|amex|portal|accounts?|po|"
    r"purchase|address|zip|postal|users?|access|quotes?|renew\w*|auto|login|log|sign|password|receipts?|suspen\w*|"
    r"reseller|partners?|support|collector|collections|executive|owe|balance|due|overdue|charge\w*|refund|dispute\w*|"
    r"pdf|download|trailblazer|manage|contact|settle\w*|currenc\w*|tax|vat|order|agent|assistant|you|human|person|"
    r"overview|statement|remove|grant|invite|add|fees?|termination|discounts?|subscriptions?|pric\w*|status)\b", re.I)

_lock = threading.Lock()


@dataclass(frozen=True)
class Intent:
    name: str
    score: float
    scores: dict[str, float]


# -- typo repair --------------------------------------------------------------------------------

VOCAB = set("""
invoice invoices download quote quotes signed card cards credit renewal renew renewing auto address adress access
contract contracts payment payments pay paid purchase order number billing contact remove grant user users portal
overdue disable switch turn off please settle update change balance status details process replace delete revoke
copy amount outstanding automatic automatically mastercard visa expired postal street city region country
customer service support person human agent representative speak talk question questions login password account
suspended collector executive receipt reseller partner invite create new email phone name list show which
what when where who why how much owe owed manage access primary holder
there these those then than that this they them their theirs have with from your yours want need help make like
some just also will would could should does done more most only over into about after again other here know many
were been being cant dont isnt time same each both line send sent give take took tell told find found look come
came going gone good great thank thanks hello please sure okay right left still even every everyone someone
something anything nothing where while which whose whom very really maybe mine ours well when work works
last next first second third fourth fifth week month year today tomorrow yesterday date dates days same
limit limits part parts page pages form forms link links team teams case cases call calls mail email emails
phone phones note notes item items plan plans price prices cost costs fees fee bank wire transfer check
open close closed cancel stop start save send move moved office offices company role roles view views show
""".split())
_FIXES = {"plz": "please", "pls": "please", "u": "you", "ur": "your", "thx": "thanks", "ty": "thanks",
          "autorenew": "auto renew", "ad": "add", "hwo": "how", "waht": "what", "teh": "the", "autorenewal": "auto renewal", "inv": "invoice"}


def _edit1(a: str, b: str) -> bool:
    """Damerau distance at most one."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


@lru_cache(maxsize=4096)
def _fix_word(word: str) -> str:
    low = word.lower()
    if low in _FIXES:
        return _FIXES[low]
    if len(low) < 4 or low in VOCAB or not low.isalpha():
        return word
    for candidate in sorted(VOCAB):
        if abs(len(candidate) - len(low)) <= 1 and _edit1(low, candidate):
            return candidate
    return word


def repair(text: str) -> str:
    """Fix common typos of domain words ("invocies", "qoute", "renwal") without touching ids."""
    text = re.sub(r"\b(switch|turn)\s+of\b", r"\1 off", text, flags=re.I)
    return re.sub(r"[A-Za-z]+", lambda m: _fix_word(m.group(0)), text)


# -- embeddings ---------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _exemplar_matrix() -> tuple[Any, list[str]]:
    from knowledge.embeddings import get_embedder

    labels = [name for name, texts in EXEMPLARS.items() for _ in texts]
    texts = [t for ts in EXEMPLARS.values() for t in ts]
    with _lock:
        matrix = get_embedder().embed(texts)
    return matrix, labels


@lru_cache(maxsize=2048)
def embed_one(text: str) -> Any:
    from knowledge.embeddings import get_embedder

    return get_embedder().embed([text])[0]


def warm_up() -> None:
    """Embed the exemplars now (e.g. at service start) rather than on the first message."""
    _exemplar_matrix()


def similarity_scores(text: str) -> dict[str, float]:
    """Per intent: the mean of its two nearest exemplars' cosine similarities."""
    matrix, labels = _exemplar_matrix()
    sims = matrix @ embed_one(text)
    best: dict[str, list[float]] = {}
    for label, sim in zip(labels, sims.tolist()):
        best.setdefault(label, []).append(sim)
    return {k: sum(sorted(v, reverse=True)[:2]) / 2 for k, v in best.items()}


# -- classification ----------------------------------------------------------------------------

def _strip_entities(text: str) -> str:
    text = slots.EMAIL.sub(" ", text)
    text = re.sub(r"\b(?:INV|C|Q)[\s\-]?\d+\b|\binv(?:oice)?\s*\d{3,}\b", " ", text, flags=re.I)
    return " ".join(text.split())


# Discourse words in front of a request or question ("Actually, what is ...", "And how long ...").
LEAD_IN = re.compile(r"^(?:(?:actually|ok|okay|so|and|also|but|hmm|well|wait|sorry|oh|one more thing|by the way|btw|"
                     r"quick question|question|hi|hello|hey|thanks|thank you|great|perfect|alright|right)\b[,.!:]?\s*)+", re.I)
WRITE_VERB = re.compile(r"\b(?:change|update|set|replace|new|add|remove|turn|switch|disable|stop|cancel|pay|settle|"
                        r"charge|put|make|fix|correct|swap|use|move|moved|want|need|like|should|please|pls|let|give|"
                        r"grant|invite|revoke|take|process|submit)\b", re.I)
READ_QUESTION = re.compile(r"^(?:what|whats|what's|which|when|is|does|do|how much|show)\b", re.I)


@lru_cache(maxsize=1024)
def classify(text: str, referenced: bool = False) -> Intent:
    """The intent of `text`; `referenced` when the message points at something shown earlier ("the last one")."""
    text = slots.CARD_MASK.sub("card number", text)
    fixed = repair(text)
    low = fixed.lower().strip()
    core = LEAD_IN.sub("", low) or low
    scores = similarity_scores(_strip_entities(fixed) or fixed)
    for intent, pattern, bonus in CUES:
        if re.search(pattern, low, re.I):
            scores[intent] = scores.get(intent, 0.0) + bonus
    has_invoice = bool(slots.invoice_ids(text))
    has_contract = bool(slots.contract_ids(text) or slots.quote_ids(text))
    has_email = bool(slots.emails(text))
    entity = has_invoice or has_contract or has_email
    if HANDOFF.search(low):
        return Intent("handoff", 1.0, scores)
    if has_invoice:
        allowed = set(INVOICE_INTENTS)
    elif has_email:  # an e-mail address is a user's or a billing contact's
        allowed = USER_INTENTS - {"list_users"}
    elif has_contract:
        allowed = set(CONTRACT_INTENTS)
    else:
        allowed = set(scores)
        if not DOMAIN.search(low) and not referenced:
            small = max(SMALL_TALK | {"next"}, key=lambda k: scores[k])
            if scores[small] >= 0.6:
                return Intent(small, scores[small], scores)
            if max(scores.values()) < 0.75 or max(scores, key=scores.get) in {"off_topic", "faq"}:
                return Intent("off_topic", scores["off_topic"], scores)
    if entity and _is_remove(low):
        return Intent("remove", 1.0, scores)
    candidates = {k: v for k, v in scores.items() if k in allowed}
    name = max(candidates, key=lambda k: (candidates[k], k))
    if entity and name in WRITE_INTENTS | {"card"} and (
            (READ_QUESTION.search(core) and not WRITE_VERB.search(core)) or re.match(r"^why\b", core)):
        name = "get_invoice" if has_invoice else "get_contract"
    elif not entity and name in {"pay", "po"} and READ_QUESTION.search(core) and not WRITE_VERB.search(core) \
            and not _asks_how(core):
        name = "get_invoice"  # "what PO is on the invoice?" reads it
    if name == "add_user" and has_email and not slots.full_name(text):
        name = "grant"  # no name given: an existing user gets access
    entity = entity or referenced
    if not entity and _asks_how(core) and name not in SMALL_TALK | {"faq"}:
        if not (name in {"list_invoices", "list_contracts", "get_invoice"} and DATA_QUESTION.search(low)
                and not core.startswith("why")):
            if not (name == "off_topic" and scores["off_topic"] > scores["faq"] + 0.05):
                name = "faq"
    if has_contract and not has_invoice and name == "get_contract" and re.search(r"\binvoices\b|\bbills\b", low):
        name = "list_invoices"
    return Intent(name, candidates.get(name, scores.get(name, 0.0)), scores)


def _asks_how(low: str) -> bool:
    """A question about how the portal works, in any of the message's sentences ("Our account is
    suspended. Can we still pay invoices?")."""
    return any(HOW_FORM.search(LEAD_IN.sub("", part.strip()) or part) for part in re.split(r"(?<=[.?!])\s+", low)
               if part.strip())


def _is_remove(low: str) -> bool:
    return bool(re.search(r"\b(?:remove|revoke|unassign|kick)\b|\btake \S+ off\b|\bdelete user\b|\bno longer (?:needs?|has|"
                          r"have|requires?|should have)\b|\bshould(?:n't| not) have access\b|\bleft the company\b", low))

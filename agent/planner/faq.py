"""Extractive answers: the help-article section that best answers the question, cited [n].

Only text from the passages is used, so the answer can never state a policy the knowledge base
does not. The passages are sections of help articles (a heading and a few sentences or a list);
the answer is the one section that best addresses the question, kept whole with its steps in order
(the sentence that answers is often not the one that repeats the question's words), plus the
section that defines a term it rests on, or the closest sentences of a second section that adds to
it. When no section addresses the question (the retriever returns its nearest neighbours, even for
a policy the articles do not cover) the answer is empty, and the caller says it does not know.

Sentence vectors are memoised: the same passages come back for similar questions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.planner.spelling import one_edit

log = logging.getLogger("portal_agent.planner")

MAX_UNITS = 12  # sentences or list items of the best section: a whole section, steps in order
MAX_ITEMS = 10  # list items of a procedure or a list of conditions
_MARKUP = re.compile(r"\*\*|__|`|\*(?=\S)|(?<=\S)\*")
_vectors: dict[str, Any] = {}


def _units(text: str) -> list[tuple[str, bool]]:
    """(sentence, is_list_item) in document order."""
    out: list[tuple[str, bool]] = []
    for line in text.splitlines():
        line = _MARKUP.sub("", line).strip()
        if not line or line.startswith("#") or line.startswith("|"):
            continue
        item = bool(re.match(r"^(?:\d+\.|[-*•])\s+", line))
        if item:
            out.append((line, True))
            continue
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", line):
            if len(sentence.split()) >= 3:
                out.append((sentence.strip(), False))
    return out


def _embed(texts: list[str]) -> Any:
    from knowledge.embeddings import get_embedder

    todo = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if todo:
        for text, vector in zip(todo, get_embedder().embed(todo)):
            _vectors[text] = vector
        if len(_vectors) > 20000:
            _vectors.clear()
    return [_vectors[t] for t in texts]


_STOP = set(
    """
what when where which while with would could should about after again their there these those this that have does
your yours from into than then them they will can how why the and for are our ours you not any all was were been
also only just still some more most many much other here very really please thanks hello able need want like know
make made take give done doing using used each every same such being over under
""".split()
)
# Everyday words that carry no topic: a question may use them whether or not the articles cover it.
_COMMON = set(
    """
kind stuff thing things anyway once several people person someone somebody everyone anyone something anything
nothing last month months week weeks year years time times point guys letting ourselves myself yourself stop
needs find found long going hard harder easier easy site real first next around fine says said gets getting
copy grab wrong right work works working help happen happened happens yesterday today tomorrow allowed allow
okay sure already ever never always maybe actually simply quite better best good great different possible
possibly instead without within across keep show shows tell told gave send sent wants wanted look looks looking
seem seems tried asking asked stuck mean means exactly enough number numbers part whole full away lets
let went go goes come coming thank sec bit lot lots own owe owed fix fixes fixed read option options bunch
cant dont wont isnt doesnt didnt wasnt arent havent hasnt couldnt shouldnt wouldnt im ive youre thats whats
hey guys pls plz thx btw fyi asap tho lol ok ask nice nicely someone's per via etc deal trouble honestly onto
sudden suddenly forwarded lead""".split()
)
# Words every article shares: they say nothing about whether a passage covers the question.
_GENERIC = {"bill", "port", "invo", "cont", "acco", "cust", "comp", "user"}
_SPELLING = {
    "email": "e-mail",
    "emails": "e-mails",
    "emailed": "e-mailed",
    "emailing": "e-mailing",
    "login": "log in",
    "signin": "sign in",
}


def _words(text: str) -> list[str]:
    words = []
    for w in re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower()):
        words.extend(re.findall(r"[a-z]+", _SPELLING.get(w, w)))
    return words


def _stems(text: str) -> set[str]:
    return {w[:4] for w in _words(text) if len(w) >= 4 and w not in _STOP}


def _topic(text: str) -> set[str]:
    """The stems that say what a question is about."""
    return {w[:4] for w in _words(text) if len(w) >= 4 and w not in _STOP and w not in _COMMON} - _GENERIC


PROCEDURE = re.compile(
    r"\s*(?:(?:and|so|ok|okay|also|then)[,\s]+)?(?:how (?:do|can|should|would) (?:i|we|you)|how to|"
    r"what are the steps|what do i (?:do|need)|where do i|walk me through|steps? (?:to|for))\b",
    re.I,
)
_HOW_HEADING = re.compile(r"^(?:how to|steps|to )", re.I)
# What kind of fact answers the question: a time or a condition, an amount, a person or team to contact.
ANSWER_TYPES = [
    (
        re.compile(
            r"^\W*(?:(?:and|so|ok|but)\W+)?(?:when\b|how (?:long|soon|quickly)\b|until when\b)|\b(?:allowed|eligible|"
            r"window|deadline)\b",
            re.I,
        ),
        re.compile(
            r"\b\d+\s*(?:days?|hours?|weeks?|months?|minutes?)\b|\b(?:only when|only if|before|until|within|"
            r"immediately|as soon as)\b",
            re.I,
        ),
    ),
    (re.compile(r"\bhow (?:much|many|long can)\b|\b(?:maximum|minimum|limit|max|min)\b", re.I), re.compile(r"\d")),
    (
        re.compile(r"^\W*(?:who\b|whom\b)|\bwho (?:do|should|can)\b|\bcontact\b", re.I),
        re.compile(r"\b(?:Customer Service|Collector|Account Executive|AE|contact)\b"),
    ),
    (
        re.compile(r"\bwhat (?:should|can|do) (?:i|we) do\b|\bwhat now\b", re.I),
        re.compile(r"\b(?:contact|ask|open|select|use|pay|follow)\b", re.I),
    ),
]


@dataclass
class _Section:
    n: int  # the citation number
    order: int  # position in the retrieved results (retriever's ranking first)
    title: str
    heading: str  # "" for an article's introduction
    units: list[tuple[str, bool]]
    scores: list[float] = field(default_factory=list)
    score: float = 0.0
    best_unit: float = 0.0
    whole: float = 0.0
    retrieved: float = 0.0  # the retriever's own score of the passage


def _sections(passages: list[dict[str, Any]]) -> list[_Section]:
    out: list[_Section] = []
    seen: set[tuple[str, str, str]] = set()
    for order, p in enumerate(passages):
        units = _units(str(p.get("text", "")))
        key = (str(p.get("source", "")), str(p.get("heading", "")), units[0][0] if units else "")
        if key in seen or not units:
            continue
        seen.add(key)
        out.append(
            _Section(
                int(p.get("n", 1)),
                order,
                str(p.get("title", "")),
                str(p.get("heading", "") or ""),
                units,
                retrieved=float(p.get("score") or 0.0),
            )
        )
    return out


# How much each signal counts (tuned on labelled questions that are not the eval's scenarios).
WEIGHTS = {
    "whole": 0.4,
    "unit": 0.4,
    "head": 0.1,
    "in_heading": 0.1,
    "how_to": 0.05,
    "condition": 0.1,
    "rank": 0.05,
    "fact": 0.1,
    "article": 0.15,
}
_ASKS_CONDITION = re.compile(
    r"\b(?:allowed|eligible|permitted|able to|when can|am i able|is it possible|"
    r"why (?:can'?t|cannot|can not|won'?t|isn'?t|is it not|am i not))\b",
    re.I,
)
_CONDITION = re.compile(r"\b(?:only when|only if|all of these are true|conditions? for|eligibility|window)\b", re.I)


def features(
    question: str, passages: list[dict[str, Any]], articles: tuple[str, ...] = ()
) -> list[tuple[_Section, dict[str, float]]]:
    """The passages' sections, each with the signals that say how well it answers the question.

    A section is judged on how close it is in meaning as a whole, its closest sentence, and its
    heading (headings are often the question itself: "If there is no signed quote"), plus a few
    exact cues: the question's topic words in the heading, a how-to question and a procedure, a
    question about what is allowed and a list of conditions, the kind of fact asked for (a time,
    an amount, whom to contact) in the sentence."""
    from agent.planner.features import embed

    sections = _sections(passages)
    if not sections:
        return []
    sources = [str(p.get("source", "")) for p in passages]
    q = embed(question)
    asked, topic = _stems(question), _topic(question)
    procedure = bool(PROCEDURE.match(question))
    condition = bool(_ASKS_CONDITION.search(question))
    wanted = [fact for cue, fact in ANSWER_TYPES if cue.search(question)]
    texts = [u for s in sections for u, _ in s.units]
    wholes = [(f"{s.heading}\n" if s.heading else "") + " ".join(u for u, _ in s.units) for s in sections]
    heads = [s.heading or s.title for s in sections]
    vectors = dict(zip(texts + wholes + heads, _embed(texts + wholes + heads)))
    out = []
    for s, whole in zip(sections, wholes):
        # A sentence's closeness to the question, helped a little by shared word stems ("part" ~ "partial").
        s.scores = [
            float(vectors[u] @ q)
            + (0.1 * len(asked & _stems(u)) / len(asked) if asked else 0.0)
            + (0.04 if any(f.search(u) for f in wanted) else 0.0)
            + (0.03 if procedure and item else 0.0)
            for u, item in s.units
        ]
        s.best_unit = max(s.scores)
        s.whole = float(vectors[whole] @ q)
        head = float(vectors[s.heading or s.title] @ q)
        if not s.heading:
            head = min(head, s.whole)  # an introduction is about the whole article, not this question
        list_like = len(s.units) > 2 and sum(item for _, item in s.units) >= len(s.units) - 1
        out.append(
            (
                s,
                {
                    "whole": s.whole,
                    "unit": s.best_unit,
                    "head": head,
                    "in_heading": len(topic & _stems(s.heading)) / len(topic) if topic and s.heading else 0.0,
                    "how_to": float(procedure and (bool(_HOW_HEADING.match(s.heading)) or list_like)),
                    "condition": float(condition and bool(_CONDITION.search(s.heading + " " + whole))),
                    "rank": max(0.0, 3.0 - s.order),
                    "fact": (sum(any(f.search(u) for f in wanted) for u, _ in s.units) / len(s.units))
                    if wanted
                    else 0.0,
                    # The help article of the skill the question is about ("can the assistant change our card?").
                    "article": float(any(sources[s.order].endswith("/" + a) for a in articles)),
                },
            )
        )
    return out


def relevance(
    question: str,
    passages: list[dict[str, Any]],
    weights: dict[str, float] | None = None,
    articles: tuple[str, ...] = (),
) -> list[_Section]:
    """The passages' sections, best first, each with its score for the question."""
    weights = weights or WEIGHTS
    scored = features(question, passages, articles)
    for s, f in scored:
        s.score = sum(weights[k] * v for k, v in f.items())
    return sorted((s for s, _ in scored), key=lambda s: (-s.score, s.order))


def unmentioned(question: str, passages: list[dict[str, Any]]) -> list[str]:
    """The question's words that no help article uses (nor a one-letter misspelling of one), ids and
    everyday words left out: what the articles cannot be saying anything about."""
    from agent.planner.slots import without_entities

    text = " ".join(f"{p.get('title', '')} {p.get('heading', '')} {p.get('text', '')}" for p in passages)
    vocabulary = _vocabulary() | set(_words(text))
    stems = {w[:4] for w in vocabulary if len(w) >= 4}
    return [
        w
        for w in dict.fromkeys(_words(without_entities(question)))
        if len(w) >= 3
        and w not in _STOP
        and w not in _COMMON
        and w not in vocabulary
        and not (len(w) >= 4 and w[:4] in stems)
        and not (len(w) >= 5 and _misspelt(w, vocabulary))
        and not _inflected(w, vocabulary)
    ]


def _inflected(word: str, vocabulary: set[str]) -> bool:
    """ "copies", "pays", "owing": a known word with an ending ("copy", "pay", "owe")."""
    for ending, base in (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e")):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and word[: -len(ending)] + base in vocabulary:
            return True
    return False


def without_strangers(question: str) -> str | None:
    """The question without the words no article uses that are not about billing either: a colleague's
    name, a city, a company ("will frank need a special account to log in?" -> "will need a special account
    to log in?"), which pull the search away from what is asked. None when there is no such word."""
    strangers = {w for w in unmentioned(question, []) if _concept(w) < GAP}
    if not strangers:
        return None
    kept = [w for w in question.split() if not (set(_words(w)) & strangers)]
    return " ".join(kept) or None


def gaps(question: str, passages: list[dict[str, Any]]) -> list[str]:
    """What the question asks about that the articles never mention, when it is about billing or the
    portal at all (a "surcharge", "VAT", "SSO"; not "Dublin"): the answer says so and offers a person."""
    return [w for w in unmentioned(question, passages) if w in _TOPICS or _concept(w) >= GAP]


def unanswered_words(question: str, answer_text: str) -> list[str]:
    """The abbreviations the question turns on ("EUR", "GBP", "ACH"), used by at most two help articles, when
    the answer uses none of them: the nearest passage is about something else ("can we get our invoices in
    EUR instead of GBP?" answered about PO numbers). Only abbreviations typed in capitals: an everyday word
    ("talk", "handle") is often absent from a passage that answers."""
    from agent.planner.slots import without_entities

    typed = without_entities(question)
    rare = [
        w
        for w in dict.fromkeys(re.findall(r"\b[A-Z]{3,5}\b", typed))
        if w.lower() not in _STOP and _used_by(w.lower()) <= RARE_IN
    ]
    said = set(_words(answer_text))
    if not rare or any(w.lower() in said for w in rare):
        return []
    return rare


def _used_by(word: str) -> int:
    """In how many help articles the word appears."""
    if not _ARTICLE_WORDS:
        _ARTICLE_WORDS.extend(set(_words(text)) for text in _article_texts())
    return sum(word in words for words in _ARTICLE_WORDS)


_ARTICLE_WORDS: list[set[str]] = []
RARE_IN = 2  # a word of at most this many articles says what the question is about


_HOW_LONG = re.compile(r"\bhow (?:long|soon|quickly|fast)\b|\bhow many (?:days|hours|weeks|months|years)\b", re.I)
_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|a few|several|a|an)\s*(?:[-–]\s*\d+\s*)?(?:business |working |calendar )?"
    r"(?:minutes?|hours?|days?|weeks?|months?|years?)\b|\b(?:immediately|instantly|right away|at once|straight away|"
    r"same day|next day|overnight|until|as soon as)\b",
    re.I,
)


def _has_duration(section: _Section) -> bool:
    return any(_DURATION.search(text) for text, _ in section.units)


def _timed(question: str, ranked: list[_Section]) -> _Section:
    """The best section; for a how-long question, a close one that states a duration ("how long do I have
    to turn off auto-renew?" is answered by the eligibility window, not by the toggle's steps)."""
    best = ranked[0]
    if not _HOW_LONG.search(question) or _has_duration(best):
        return best
    timed = (s for s in ranked[1:] if s.score >= best.score - TIMED_MARGIN and _has_duration(s))
    return next(timed, best)


def unanswered_kind(question: str, answer_text: str) -> list[str]:
    """What kind of answer the question wants that the chosen passage does not give: "how long is invoice
    history kept?" answered by a passage with no duration in it is the nearest passage, not an answer."""
    if _HOW_LONG.search(question) and not _timed_about(question, answer_text):
        return ["how long"]
    return []


_TIME_WORDS = {"long", "soon", "quic", "fast", "many", "days", "hour", "week", "mont", "year", "take", "have"}


def _timed_about(question: str, answer_text: str) -> bool:
    """Whether the answer states a duration and shares a topic word with the question: "how many days do we
    have to dispute an invoice?" is not answered by "…does not show as paid after 24 hours" (no "dispute")."""
    topic = _topic(question) - _TIME_WORDS
    return bool(_DURATION.search(answer_text)) and (not topic or bool(topic & _stems(answer_text)))


def addresses(question: str, best: _Section, passages: list[dict[str, Any]]) -> bool:
    """Whether the best section is about what was asked, not just the nearest thing the articles have.

    Two signals: how close the section is in meaning, and whether the question names a billing
    concept the articles never mention (a "refund policy" or a "card surcharge" question is not
    answered by an article on renewals, however close the embedding puts them). A word is a billing
    concept when its embedding is close to that of the articles as a whole; everyday words ("thin",
    "stretched", "Germany") are not, and do not stop an answer."""
    closeness = max(best.whole, best.best_unit, best.retrieved)
    if closeness < CLOSE_FLOOR:
        return False
    if closeness >= CLOSE_ENOUGH:
        return True
    return not any(_billing_concept(w) for w in unmentioned(question, passages))


TIMED_MARGIN = 0.12  # how much closer the best section may be than one that states the duration asked for
CLOSE_FLOOR = 0.4  # under this nothing retrieved is about the question
CLOSE_ENOUGH = 0.62  # over this the section answers whatever words the question uses
CONCEPT = 0.2  # a word this close to the articles' centroid is a billing concept
GAP = 0.15  # a word this close is at least about billing or software: its absence is worth saying


def _vocabulary() -> set[str]:
    if not _VOCABULARY:
        _VOCABULARY.update(_words(_all_articles()))
    return _VOCABULARY


_VOCABULARY: set[str] = set()


def _misspelt(word: str, vocabulary: set[str]) -> bool:
    """Whether the word is one edit (a letter added, dropped, changed or two swapped) from a known word."""
    for known in vocabulary:
        if abs(len(known) - len(word)) > 1 or known[0] != word[0] or len(known) < 4:
            continue
        if one_edit(word, known):
            return True
    return False


def warm_up(cache_dir: Path | None = None) -> None:
    """Embed every sentence, section and heading of the help articles now (service start), as the
    answers will: a first question then pays only for its own words. With `cache_dir`, the vectors are
    read from there when the articles, the model and the way the articles are cut are the ones they were
    made from, and written there otherwise (every worker and every restart after the first skips a few
    seconds of CPU)."""
    wanted = _article_units()
    if cache_dir is not None and _read_cached(cache_dir, wanted):
        return
    vectors = _embed(wanted)
    centroid = _centroid()
    if cache_dir is not None:
        _write_cached(cache_dir, wanted, [*vectors, centroid])


def read_cache(cache_dir: Path) -> bool:
    """The vectors `warm_up` kept in `cache_dir`, when they are of these articles and this model; nothing
    is embedded and nothing is cut into chunks (a one-off `ask` neither embeds the articles nor loads the
    tokenizer the chunker counts with; a text the file lacks is embedded when an answer needs it). Tried
    once per directory and process: a turn never pays for looking again."""
    if cache_dir in _TRIED:
        return False
    _TRIED.add(cache_dir)
    return _read_cached(cache_dir, None)


_TRIED: set[Path] = set()


def _article_units() -> list[str]:
    """Every sentence, section and heading of the help articles, as the answers embed them."""
    from knowledge.chunking import chunk_document
    from knowledge.documents import load_documents

    passages = [
        {"title": c.title, "heading": c.heading, "text": c.text, "source": c.source}
        for doc in load_documents()
        for c in chunk_document(doc)
    ]
    sections = _sections(passages)
    texts = [u for s in sections for u, _ in s.units]
    wholes = [(f"{s.heading}\n" if s.heading else "") + " ".join(u for u, _ in s.units) for s in sections]
    return list(dict.fromkeys(texts + wholes + [s.heading or s.title for s in sections]))


def _cache_file(cache_dir: Path) -> Path:
    """Named by what the vectors are of (the model, the articles whole): a change of either is a new file.
    It holds the texts, and their vectors with the articles' centroid last."""
    from knowledge.embeddings import MODEL_SHA256

    key = "\0".join([MODEL_SHA256, *_article_texts()])
    return cache_dir / f"planner-articles-{hashlib.sha256(key.encode()).hexdigest()[:24]}.npz"


def _read_cached(cache_dir: Path, wanted: list[str] | None) -> bool:
    """Fill the vectors from the kept file: only when its texts are `wanted` (None: whatever it holds)."""
    import numpy as np

    try:
        with np.load(_cache_file(cache_dir), allow_pickle=False) as data:
            texts, vectors = [str(t) for t in data["texts"]], data["vectors"]
    except (OSError, ValueError, KeyError):
        return False  # not made yet, or unreadable: embedded again and rewritten
    if vectors.ndim != 2 or vectors.shape[0] != len(texts) + 1 or (wanted is not None and texts != wanted):
        return False  # the articles are cut otherwise now: embedded again and rewritten by the warm-up
    for text, vector in zip(texts, vectors):
        _vectors[text] = vector
    if not _CENTROID:
        _CENTROID.append(vectors[-1])
    return True


def _write_cached(cache_dir: Path, texts: list[str], vectors: list[Any]) -> None:
    import numpy as np

    path = _cache_file(cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a worker reading it at the same moment sees the old state or the whole file.
        with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".npz", delete=False) as f:
            np.savez(f, texts=np.array(texts, dtype=str), vectors=np.asarray(vectors, dtype=np.float32))
        os.replace(f.name, path)
    except OSError as exc:  # a read-only data dir: every start embeds them, nothing else changes
        log.warning("could not keep the planner's article vectors in %s: %s", cache_dir, exc)


# Words for the portal itself as software: "is there a mobile app?" asks about the product, however far
# "app" is in meaning from the articles on invoices and payments.
_PRODUCT = frozenset({"app", "apps", "application", "mobile", "website", "browser", "android", "iphone", "ipad"})


# Topics a billing contact asks about whose words are far in meaning from the articles: the product as
# software, the language of an invoice ("can we get our invoices in French?"), payment terms ("net 60").
_LANGUAGES = frozenset(
    "english french german spanish italian portuguese dutch polish swedish danish norwegian finnish japanese "
    "chinese korean arabic hebrew turkish russian".split()
)
# Words of the payments and identity trade that the embedding puts far from the articles ("amex" 0.12, "saml"
# 0.06, "cheque" 0.21 against CONCEPT 0.2): a card brand, a way to pay, single sign-on, a tax form, an
# accounting system. A question turning on one the articles never use asks what they do not say.
_TRADE = frozenset(
    "amex mastercard discover jcb diners unionpay maestro debit paypal venmo zelle stripe sepa bacs cheque cheques "
    "crypto bitcoin applepay gpay autopay autopayment autopayments autocharge installment installments instalment "
    "instalments financing loan sso saml okta oauth ldap mfa 2fa authenticator passkey passkeys vat gst hst w9 "
    "1099 exemption exempt quickbooks xero netsuite coupa ariba webhook webhooks api csv excel spreadsheet "
    "refund refunds chargeback chargebacks surcharge surcharges prorate prorated proration escrow".split()
)
_TOPICS = _PRODUCT | _LANGUAGES | _TRADE | {"net", "language", "languages", "translation", "translated"}


def names_billing_concept(question: str) -> bool:
    """Whether any word of the question is about billing (close to the articles as a whole) or names the
    portal as software."""
    return any(
        w in _PRODUCT or w in _TRADE or _billing_concept(w)
        for w in dict.fromkeys(_words(question))
        if len(w) >= 3 and w not in _STOP and w not in _COMMON
    )


def _billing_concept(word: str) -> bool:
    return _concept(word) >= CONCEPT


def _concept(word: str) -> float:
    """How close a word is in meaning to the help articles as a whole."""
    from agent.planner.features import embed

    return float(embed(word) @ _centroid())


_CENTROID: list[Any] = []
_ARTICLES: list[str] = []


def _all_articles() -> str:
    """Every help article's text: a word any article uses is known to the knowledge base."""
    if not _ARTICLES:
        _ARTICLES.append("\n".join(_article_texts()))
    return _ARTICLES[0]


def _article_texts() -> list[str]:
    """Every help article whole, in file order (what the centroid is the mean of)."""
    from knowledge.documents import DOCS_DIR

    return [p.read_text(encoding="utf-8") for p in sorted(Path(DOCS_DIR).glob("*.md"))]


def _centroid() -> Any:
    if not _CENTROID:
        import numpy as np

        from knowledge.embeddings import get_embedder

        vectors = get_embedder().embed(_article_texts())
        mean = vectors.mean(axis=0)
        _CENTROID.append(mean / np.linalg.norm(mean))
    return _CENTROID[0]


def _pick_units(section: _Section, procedure: bool) -> list[int]:
    units = section.units
    if len(units) <= MAX_UNITS:
        return list(range(len(units)))
    items = [i for i, (_, item) in enumerate(units) if item]
    prose = [i for i, (_, item) in enumerate(units) if not item]
    best = max(range(len(units)), key=lambda i: section.scores[i])
    if items and (procedure or units[best][1]):
        # A procedure or a list of conditions: the whole list, with its lead-in sentence.
        lead = [i for i in prose if i < items[0]][-1:]
        return lead + items[:MAX_ITEMS]
    ranked = sorted(range(len(units)), key=lambda i: -section.scores[i])[: MAX_UNITS - 1]
    return sorted(set(ranked) | {0})


def _defining_section(best: _Section, ranked: list[_Section]) -> _Section | None:
    """Another section of the same article whose heading names a term the best section uses, beyond the
    article's own subject (its title)."""
    used = _topic(" ".join(u for u, _ in best.units)) - _topic(best.title)
    for other in ranked[1:]:
        if (
            other.n == best.n
            and other.title == best.title
            and other.heading
            and (_topic(other.heading) - _topic(best.title)) & used
        ):
            return other
    return None


def answer(question: str, passages: list[dict[str, Any]], articles: tuple[str, ...] = ()) -> str:
    """The answer text with [n] citation markers, or "" when the passages do not address the question."""
    ranked = relevance(question, passages, articles=articles)
    if not ranked:
        return ""
    best = _timed(question, ranked)
    if not addresses(question, best, passages):
        return ""
    procedure = bool(PROCEDURE.match(question))
    chosen = [(best, i) for i in _pick_units(best, procedure)]
    defining = _defining_section(best, ranked) if len(best.units) <= 2 else None
    if defining is not None:
        # A one-line answer that rests on a term another section of the article explains ("eligible
        # contracts" -> "The eligibility window"): that section is the substance of the answer.
        chosen += [(defining, i) for i in _pick_units(defining, True)]
    elif len(ranked) > 1:
        # A second section that comes close adds its closest sentence or two (not a whole second article).
        second = ranked[1]
        if second.score >= best.score - 0.04 and second.best_unit >= best.best_unit - 0.05:
            extra = sorted(range(len(second.units)), key=lambda i: -second.scores[i])[:2]
            # Not a list item, nor the line that introduces a list ("…only when all of these are true:"): alone
            # either says nothing.
            extra = [
                i
                for i in extra
                if second.scores[i] >= best.best_unit - 0.05
                and not second.units[i][1]
                and not second.units[i][0].endswith(":")
            ]
            chosen += [(second, i) for i in sorted(extra)]
    out, after_item = "", False
    for section, i in chosen:
        text, item = section.units[i]
        sep = "\n" if out and (item or after_item) else (" " if out else "")
        out += f"{sep}{text} [{section.n}]"
        after_item = item
    return out


# -- queries ----------------------------------------------------------------------------------

_ASKING = re.compile(
    r"^(?:(?:and|so|ok|okay|also|then|hi|hello|hey|well|quick question)[,!:]?\s+)*"
    r"(?:how (?:do|can|should|would|could) (?:i|we|you)|how to|where (?:do|can) (?:i|we)|"
    r"what should (?:i|we) do (?:if|when)|(?:can|could) (?:i|we)|is it possible to)\s+",
    re.I,
)
_PORTAL = re.compile(
    r"\s*\b(?:(?:in|on|to|into|from|of|for|with|through|via|using) )?(?:the |our |your |this )?"
    r"(?:billing |self[- ]service )?portal\b(?!\s+(?:users?|agent|access|account))",
    re.I,
)


def focus_query(question: str) -> str | None:
    """The question without the portal's own name and its asking words, when it names the portal (every
    article is about the portal, so the name only pulls the search towards the overview): "How do I
    sign in to the billing portal?" -> "sign in". None when the question does not name the portal or
    nothing would be left."""
    text = " ".join(question.split())
    if not _PORTAL.search(text):
        return None
    focused = _PORTAL.sub("", _ASKING.sub("", text)).strip(" ?.!,")
    if not _topic(focused) or focused.lower() == text.strip(" ?.!,").lower():
        return None
    return focused


def number(searches: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The passages of several searches as one list, numbered like the turn's citations (one per article,
    in the order they were first returned)."""
    sources: list[str] = []
    out: list[dict[str, Any]] = []
    for passages in searches:
        for p in passages:
            source = str(p.get("source", ""))
            if source not in sources:
                sources.append(source)
            out.append({**p, "n": sources.index(source) + 1})
    return out

"""Recognising a typed decision right after a proposal. The service decides, never the model.

A reply made only of affirmative words and phrases (plus politeness) confirms; one made only of
negatives cancels. A question is never a decision ("correct?", "ok?"). Anything else is either
unclear — the proposal stays and the user is asked again — or a new message (a request, a
correction, a hand-off, a question about something else), which cancels the proposal first.
"A request and a yes in one message" ("pay INV-1001, yes") is a new request.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Reply(StrEnum):
    AFFIRM = "affirm"
    DENY = "deny"
    UNCLEAR = "unclear"
    QUESTION = "question"  # a question about the portal: answered, and the proposal keeps waiting
    NEW = "new"


AFFIRMATIVE = frozenset(
    """
yes|y|ya|yah|yea|yeah|yep|yup|yes sir|sure|sure thing|ok|okay|k|kk|okey|oki|alright|all right|right|correct|
confirm|confirmed|i confirm|confirming|go ahead|go ahead with it|go on|go for it|do it|do that|just do it|proceed|
please proceed|approve|approved|i approve|sounds good|sounds great|sounds right|looks good|looks right|lgtm|
that's right|thats right|that is right|that's correct|thats correct|that is correct|exactly|absolutely|
definitely|certainly|affirmative|indeed|of course|please do|do so|let's do it|lets do it|let's go|lets go|go|cool|
perfect|great|fine|that's fine|thats fine|good|works for me|ship it|make it so|carry on|yes do it|
yes go ahead|yes please|yes confirm|ok go ahead|okay go ahead|please go ahead|si|sí|oui|ja|da|ack|
that's the one|thats the one|go ahead with that|go ahead with it|go ahead with this|that's it|thats it|
that one|roger|aye|word|is correct|it is|it's correct|its correct|all good|yes it is|yes that's it|
send it|send it through|put it through|push it through|submit it|process it|is ok|is okay|is fine|it's ok|its ok|
it's okay|it's fine|its fine|it's right|its right|that's ok|thats ok|that's okay
""".replace("\n", "").split("|")
)
NEGATIVE = frozenset(
    """
no|n|nope|nah|na|naw|no way|no thanks|no thank you|cancel|cancel it|cancel that|cancel this|please cancel|stop|
don't|dont|do not|don't do it|dont do it|do not do it|don't do that|abort|never mind|nevermind|forget it|
forget about it|reject|rejected|decline|not now|not yet|not today|no don't|hold off|leave it|leave it as it is|
scrap that|scratch that|drop it|no need|i changed my mind|changed my mind|i've changed my mind|no stop|
not right now|skip it|skip|non|nein|no wait|wrong|wrong one|not that
""".replace("\n", "").split("|")
)
# "Not yet, let me think": the proposal keeps waiting and is asked about again (neither yes nor no).
WAIT = frozenset(
    """
hold on|hang on|wait|wait a sec|wait a second|wait a minute|one sec|one second|one moment|one minute|just a sec|
just a second|just a moment|a moment|a sec|hmm|hmmm|hm|um|umm|uh|uhh|let me think|let me think about it|
let me check|let me check first|let me ask|give me a sec|give me a second|give me a minute|not sure|i'm not sure|
im not sure|not sure yet|maybe|i need to check|i need to ask|brb|thinking|probably|probably not|perhaps|idk|
i dunno|dunno|i don't know|i dont know|don't know|dont know|i guess|i guess so|guess so|i suppose|i suppose so
""".replace("\n", "").split("|")
)
POLITENESS = frozenset(
    """
please|pls|plz|thanks|thank you|thankyou|thx|ty|cheers|mate|then|now|just|oh|well|so|and|sir|madam|man|
thank you very much|thanks a lot|many thanks|much appreciated|appreciated|great thanks|for now|again|really|
👍|🙏|🙂|😊|✅|👌|actually|sorry|for now|on that|that|it|to both|for both|to all|
""".replace("\n", "").split("|")
) - {""}
QUESTION_MARKS = ("?", "？", "¿", "⸮")
QUESTION_START = re.compile(
    r"^\W*(?:is|are|am|was|can|could|should|shall|will|would|may|what|why|how|when|where|"
    r"which|who|really|right)\b(?!\s*[.!]*\s*$)",
    re.I,
)
_PHRASES = sorted(AFFIRMATIVE | NEGATIVE | WAIT | POLITENESS, key=lambda p: -len(p.split()))
_SPELLING = {
    "pls": "please",
    "plz": "please",
    "pleas": "please",
    "plse": "please",
    "yess": "yes",
    "yees": "yes",
    "ys": "yes",
    "okk": "ok",
}
_MAX_WORDS = 12


def _words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    text = re.sub(r"[!.,;:…\-—()\"]+", " ", text)
    return [_SPELLING.get(w, w) for w in re.findall(r"[\w']+|[^\w\s']", text)]


def _segment(words: list[str]) -> set[str] | None:
    """The kinds of phrase ("yes", "no", "polite") the words can be read as, covering all of them, or None."""
    best: dict[int, set[str]] = {0: set()}
    for i in range(len(words)):
        if i not in best:
            continue
        for phrase in _PHRASES:
            n = len(phrase.split())
            if " ".join(words[i : i + n]) == phrase and i + n not in best:
                kind = (
                    "yes"
                    if phrase in AFFIRMATIVE
                    else "no"
                    if phrase in NEGATIVE
                    else "wait"
                    if phrase in WAIT
                    else "polite"
                )
                best[i + n] = best[i] | {kind}
    return best.get(len(words))


def lexical_reply(text: str) -> Reply | None:
    """AFFIRM or DENY when the message is made only of yes (or only of no) words and politeness; else None.

    A question mark anywhere makes it a question, never a decision."""
    if any(mark in text for mark in QUESTION_MARKS) or QUESTION_START.search(text):
        return None
    words = _words(text)
    if not words or len(words) > _MAX_WORDS:
        return None
    kinds = _segment(words)
    if kinds is None:
        return None
    if kinds - {"polite"} == {"yes"}:
        return Reply.AFFIRM
    if "no" in kinds and kinds <= {"no", "wait", "polite"}:  # "hang on, don't": a no, said while pausing
        return Reply.DENY
    return None


def waits(text: str) -> bool:
    """A reply made only of "not yet" words ("hmm, hold on", "let me check"): neither yes nor no."""
    words = _words(text.replace("?", " "))
    kinds = _segment(words) if words and len(words) <= _MAX_WORDS else None
    return kinds is not None and kinds - {"polite"} == {"wait"}


def _says(text: str, lexicon: frozenset[str]) -> bool:
    """Whether any phrase of the lexicon occurs in the message as whole words."""
    joined = " " + " ".join(_words(text)) + " "
    return any(f" {phrase} " in joined for phrase in lexicon if len(phrase) > 1)


def decision(text: str) -> bool | None:
    """True for a bare affirmative, False for a bare negative, None for anything else."""
    reply = lexical_reply(text)
    return None if reply is None else reply is Reply.AFFIRM


def reply_to_proposal(text: str, skill: str | None) -> Reply:
    """What a message right after a proposal does to it (`skill`: the proposal's skill, if known).

    Unclear — the proposal stays and is asked again: a yes or no that is not only yes or no ("yes but
    wait"), a question about the proposal itself ("which card will it use?", "correct?"), small talk.
    Question — a question about how the portal works is answered and the proposal keeps waiting. New —
    the proposal is cancelled first: a request, a correction, a hand-off, a question about other data."""
    lexical = lexical_reply(text)
    if lexical is not None:
        return lexical
    if waits(text):
        return Reply.UNCLEAR
    from agent.planner import classifier, slots
    from agent.planner.acts import Act

    p = classifier.load().predict(text, "proposal")
    act = Act(p.act)
    if act in (Act.AFFIRM, Act.DENY) and slots.gives_again(text, after_yes=act == Act.AFFIRM):
        return Reply.NEW  # the planner reads it as a correction of the request it cancels
    if act == Act.DENY and _says(text, NEGATIVE) and not _says(text, AFFIRMATIVE):
        return Reply.DENY  # "no stop, wrong person": a no with its reason; cancelling changes nothing
    if act in (Act.AFFIRM, Act.DENY, Act.SMALLTALK, Act.OFF_TOPIC):
        return Reply.UNCLEAR
    if act == Act.HANDOFF and slots.asks_who_hears(text):
        return Reply.QUESTION  # "does our AE get told about this?" asks for nobody
    found = slots.found(text)
    mentions = found.invoice_ids or found.contract_ids or found.emails
    about_it = p.intent in {skill, "general", "none"} or slots.reference(text).pronoun  # "which card is that on?"
    if act == Act.DATA_QUESTION and not mentions and about_it:
        return Reply.UNCLEAR  # "which card will it use?": the proposal's summary says
    if act == Act.PORTAL_QUESTION and not mentions:
        return Reply.QUESTION
    return Reply.NEW

"""Recognising a typed decision right after a proposal. The service decides, never the model.

Only a message that is *just* a yes or a no counts; "pay INV-1001, yes" is a new request, and a
question ("correct?", "ok?", "is that right") is not an answer at all.
"""
from __future__ import annotations

import re

AFFIRMATIVE = {
    "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "i confirm", "go ahead",
    "do it", "proceed", "please proceed", "yes please", "please do", "approve", "approved", "yes do it",
    "yes go ahead", "sounds good", "correct", "that's right", "thats right", "absolutely", "affirmative",
    "yes confirm", "ok go ahead", "okay go ahead", "go for it", "please go ahead", "yes, go ahead", "si", "oui",
}
NEGATIVE = {
    "no", "n", "nope", "nah", "cancel", "stop", "don't", "dont", "do not", "abort", "never mind", "nevermind",
    "reject", "no thanks", "no thank you", "cancel it", "don't do it", "dont do it", "not now", "wait", "no don't",
}


QUESTION_MARKS = ("?", "？", "¿", "⸮")
QUESTION_START = ("is ", "are ", "am ", "was ", "can ", "could ", "should ", "shall ", "will ", "would ", "may ",
                  "what", "why", "how", "when", "where", "which", "who", "really", "right ")


def _is_question(text: str) -> bool:
    lowered = text.strip().lower()
    return any(mark in lowered for mark in QUESTION_MARKS) or lowered.startswith(QUESTION_START)


def _normal(text: str) -> str:
    text = re.sub(r"[!.,;:?\s]+", " ", text.strip().lower()).strip()
    return text.replace("’", "'")


def decision(text: str) -> bool | None:
    """True for a bare affirmative, False for a bare negative, None for anything else (questions too)."""
    if _is_question(text):
        return None
    norm = _normal(text)
    if norm in AFFIRMATIVE:
        return True
    if norm in NEGATIVE:
        return False
    return None

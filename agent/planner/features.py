"""What the classifier sees of a message: its meaning (MiniLM), its words, its shape and its context.

- the sentence embedding of the offline MiniLM (384 dimensions, unit length);
- hashed word 1-2-grams and character 3-5-grams (typos keep most of their character n-grams), with
  ids, e-mails and numbers replaced by placeholders so that the values never matter;
- a few shape features (a question mark, a question word first, an id, how long it is);
- the context (what the assistant's previous message left open), alone and crossed with the shape:
  "C-1002" after "Which contract?" is an answer, the same text out of the blue is a request to see it.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Any

import numpy as np

from agent.planner import slots
from agent.planner.acts import CONTEXTS

VERSION = 2  # bump when the features change: the trained model records it (2: read with typos corrected)
HASH_DIM = 1 << 13
EMBED_DIM = 384
_SHAPE = (
    "q_mark",
    "wh_first",
    "aux_first",
    "you_first",
    "please",
    "invoice_id",
    "contract_id",
    "email",
    "card_masked",
    "number",
    "len1",
    "len2_3",
    "len4_7",
    "len8_15",
    "len16",
    "neg_word",
    "yes_word",
)
SHAPE_DIM = len(_SHAPE)
CROSSED = (
    "q_mark",
    "invoice_id",
    "contract_id",
    "email",
    "number",
    "len1",
    "len2_3",
    "len4_7",
    "yes_word",
    "neg_word",
    "wh_first",
    "aux_first",
)
DIM = EMBED_DIM + HASH_DIM + SHAPE_DIM + len(CONTEXTS) * (1 + len(CROSSED))

_WH = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|and|but|also|quick question|question|um|hmm)\W+)*"
    r"(?:what|whats|what's|which|when|where|who|whom|whose|why|how)\b",
    re.I,
)
_AUX = re.compile(
    r"^\W*(?:(?:hi|hello|hey|ok|okay|so|and|but|also|quick question|question|um|hmm)\W+)*"
    r"(?:is|are|am|was|were|do|does|did|can|could|will|would|should|shall|may|might|has|have|must)\b",
    re.I,
)
_YOU = re.compile(r"^\W*(?:(?:hi|hello|hey|ok|so|please|pls)\W+)*(?:can|could|would|will)\s+(?:you|u|ya)\b", re.I)
_NEG = re.compile(r"\b(?:no|nope|nah|not|don't|dont|cancel|stop|never|wait|hold)\b", re.I)
_YES = re.compile(
    r"\b(?:yes|yep|yeah|yup|sure|ok|okay|go ahead|do it|confirm\w*|sounds good|absolutely|please do)\b", re.I
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")


def normalise(text: str) -> str:
    """Lower case, with values replaced by what they are ("INV-1001" -> "invid")."""
    text = slots.CARD_MASK.sub(" cardmasked ", text)
    text = slots.EMAIL.sub(" emailaddr ", text)
    text = re.sub(r"\bINV-[A-Z0-9\-]+\b|\binv(?:oice)?\s*#?\s*\d{3,}\b", " invid ", text, flags=re.I)
    text = re.sub(r"\bC-[A-Z0-9\-]+\b|\bc\d{4,}\b", " contractid ", text, flags=re.I)
    text = re.sub(r"\bQ-\d+\b", " quoteid ", text, flags=re.I)
    text = re.sub(r"\d+", "0", text.lower())
    return " ".join(text.replace("’", "'").split())


def _bucket(token: str) -> int:
    return zlib.crc32(token.encode()) & (HASH_DIM - 1)


def lexical(norm: str) -> dict[int, float]:
    words = _TOKEN.findall(norm)
    grams = [f"w:{w}" for w in words] + [f"b:{a} {b}" for a, b in zip(["^"] + words, words + ["$"])]
    for w in words:
        padded = f"<{w}>"
        grams += [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    counts: dict[int, float] = {}
    for g in grams:
        counts[_bucket(g)] = counts.get(_bucket(g), 0.0) + 1.0
    norm2 = sum(v * v for v in counts.values()) ** 0.5 or 1.0
    return {k: v / norm2 for k, v in counts.items()}


def shape(text: str) -> dict[str, float]:
    found = slots.found(text)
    n = len(_TOKEN.findall(normalise(text)))
    return {
        "q_mark": float("?" in text),
        "wh_first": float(bool(_WH.search(text))),
        "aux_first": float(bool(_AUX.search(text))),
        "you_first": float(bool(_YOU.search(text))),
        "please": float(bool(re.search(r"\b(?:please|pls|plz|kindly)\b", text, re.I))),
        "invoice_id": float(bool(found.invoice_ids)),
        "contract_id": float(bool(found.contract_ids)),
        "email": float(bool(found.emails)),
        "card_masked": float(found.card_typed),
        "number": float(bool(re.search(r"\d", slots.without_entities(text)))),
        "len1": float(n <= 1),
        "len2_3": float(2 <= n <= 3),
        "len4_7": float(4 <= n <= 7),
        "len8_15": float(8 <= n <= 15),
        "len16": float(n >= 16),
        "neg_word": float(bool(_NEG.search(text))),
        "yes_word": float(bool(_YES.search(text))),
    }


@lru_cache(maxsize=4096)
def embed(text: str) -> Any:
    from knowledge.embeddings import get_embedder

    return get_embedder().embed([text])[0]


def vector(text: str, context: str | None, embedding: Any | None = None) -> np.ndarray:
    """The feature vector of one message in its context (`embedding` when already computed). The intent
    does not depend on the context (`context=None` leaves that block empty): what a message is about is
    in its words; what it does depends on what was asked."""
    out = np.zeros(DIM, dtype=np.float32)
    out[:EMBED_DIM] = embed(text) if embedding is None else embedding
    for k, v in lexical(normalise(text)).items():
        out[EMBED_DIM + k] = v
    base = EMBED_DIM + HASH_DIM
    sh = shape(text)
    for i, name in enumerate(_SHAPE):
        out[base + i] = sh[name]
    base += SHAPE_DIM
    if context is None:
        return out
    c = CONTEXTS.index(context if context in CONTEXTS else "none")
    block = base + c * (1 + len(CROSSED))
    out[block] = 1.0
    for j, name in enumerate(CROSSED):
        out[block + 1 + j] = sh[name]
    return out

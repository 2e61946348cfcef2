"""Training and held-out evaluation of the understanding model (`portal-agent planner train|eval`)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from agent.planner import classifier, features
from agent.planner.acts import ACTS, CONTEXTS, GENERAL, NONE
from agent.planner.corpus import Utterance, corpus_hash, load_corpus, split
from agent.planner.skills import SKILL_NAMES
from agent.planner.spelling import Speller, word_counts

INTENTS: tuple[str, ...] = tuple(SKILL_NAMES) + (GENERAL, NONE)
# The acts whose intent the planner uses; the others take theirs from the conversation ("none").
TOPICAL = frozenset({"portal_question", "data_question", "request", "handoff"})


# A request or a question stays one whatever the previous message left open: each is also learned in
# another context (chosen by a hash of its text), so the context alone never turns it into an answer.
_CONTEXT_FREE = frozenset({"portal_question", "data_question", "request", "handoff", "smalltalk", "off_topic"})


def _augmented(items: list[Utterance]) -> list[Utterance]:
    out = list(items)
    others = [c for c in CONTEXTS if c != "none"]
    short_ok = [c for c in others if not c.startswith("asked:")]
    for u in items:
        if u.act in _CONTEXT_FREE and u.context == "none":
            # A short message right after a question is mostly its answer ("C-1001 and C-1002"): only
            # messages of four words or more are taught as new requests in that context.
            pool = others if len(u.text.split()) >= 4 else short_ok
            pick = int(hashlib.sha256(u.text.encode()).hexdigest()[:8], 16) % len(pool)
            out.append(Utterance(u.text, u.act, u.intent, pool[pick], u.source))
    return out


def _matrix(items: list[Utterance], speller: Speller, with_context: bool = True) -> np.ndarray:
    """The feature vectors of `items`, read as the classifier reads a message: with its typos corrected."""
    from knowledge.embeddings import get_embedder

    texts = [speller.correct(u.text) for u in items]
    vectors = get_embedder().embed(texts)
    return np.stack(
        [features.vector(t, u.context if with_context else None, v) for t, u, v in zip(texts, items, vectors)]
    )


@dataclass
class Scores:
    """Accuracy and confusion (rows: expected, columns: predicted) of one head on a set of utterances."""

    labels: tuple[str, ...]
    expected: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        pairs = list(zip(self.expected, self.predicted))
        return sum(e == p for e, p in pairs) / len(pairs) if pairs else 0.0

    def confusion(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {label: Counter() for label in self.labels}
        for e, p in zip(self.expected, self.predicted):
            table.setdefault(e, Counter())[p] += 1
        return table

    def errors(self) -> list[tuple[str, str]]:
        return [(e, p) for e, p in zip(self.expected, self.predicted) if e != p]


def train() -> dict[str, object]:
    """Fit both heads on the training split; save the model with its corpus hash; return the figures."""
    items = load_corpus(tuple(SKILL_NAMES))
    training, held_out = split(items)
    speller = Speller(word_counts(u.text for u in training))  # the training split's words only
    acts = _augmented(training)
    act_w, act_b = classifier.fit(_matrix(acts, speller), np.array([ACTS.index(u.act) for u in acts]), len(ACTS))
    topical = [u for u in training if u.act in TOPICAL]
    intent_w, intent_b = classifier.fit(
        _matrix(topical, speller, with_context=False),
        np.array([INTENTS.index(u.intent) for u in topical]),
        len(INTENTS),
    )
    model = classifier.Understanding(
        classifier.Head(ACTS, act_w, act_b), classifier.Head(INTENTS, intent_w, intent_b), speller
    )
    act, intent = evaluate(model, held_out)
    stats: dict[str, object] = {
        "utterances": len(items),
        "training": len(training),
        "held_out": len(held_out),
        "held_out_act_accuracy": round(act.accuracy, 4),
        "held_out_intent_accuracy": round(intent.accuracy, 4),
    }
    classifier.save(model, corpus_hash(), stats)
    classifier.load.cache_clear()
    return stats


def evaluate(model: classifier.Understanding, items: list[Utterance]) -> tuple[Scores, Scores]:
    act, intent = Scores(ACTS), Scores(INTENTS)
    if not items:
        return act, intent
    pa = model.act.probabilities(_matrix(items, model.speller))
    pi = model.intent.probabilities(_matrix(items, model.speller, with_context=False))
    for u, a, i in zip(items, pa.argmax(axis=1), pi.argmax(axis=1)):
        act.expected.append(u.act)
        act.predicted.append(model.act.labels[int(a)])
        if u.act in TOPICAL:
            intent.expected.append(u.intent)
            intent.predicted.append(model.intent.labels[int(i)])
    return act, intent


def held_out_scores() -> tuple[Scores, Scores, list[Utterance]]:
    """Understanding as the planner uses it (the yes/no lexicon, then the shipped classifier) on the
    held-out split, which is never used for training or tuning."""
    from agent.planner.understand import classify

    _, held_out = split(load_corpus(tuple(SKILL_NAMES)))
    act, intent = Scores(ACTS), Scores(INTENTS)
    for u in held_out:
        part = classify(u.text, u.context)
        act.expected.append(u.act)
        act.predicted.append(part.act.value)
        if u.act in TOPICAL:
            intent.expected.append(u.intent)
            intent.predicted.append(part.intent)
    return act, intent, held_out


def class_counts() -> dict[str, dict[str, tuple[int, int]]]:
    """Per act and per intent: (training, held out) counts."""
    training, held_out = split(load_corpus(tuple(SKILL_NAMES)))
    out: dict[str, dict[str, tuple[int, int]]] = {"act": {}, "intent": {}}
    for key in ("act", "intent"):
        for label in sorted({getattr(u, key) for u in training + held_out}):
            out[key][label] = (
                sum(getattr(u, key) == label for u in training),
                sum(getattr(u, key) == label for u in held_out),
            )
    return out

"""The learned part of understanding: two softmax classifiers (dialogue act, intent) over `features`.

Trained by `portal-agent planner train` on the corpus's training split and shipped as
`agent/planner/model/understanding.npz` with the corpus hash it was trained on; loading refuses a
model whose corpus or feature version has changed since (`StaleModel`), so a stale model cannot ship.
Deterministic: zero initialisation, full-batch updates, no sampling.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from agent.planner import features
from agent.planner.corpus import corpus_hash
from agent.planner.spelling import KNOWN_COUNT, Speller

MODEL_DIR = Path(__file__).with_name("model")
WEIGHTS = MODEL_DIR / "understanding.npz"
META = MODEL_DIR / "understanding.json"


class StaleModel(RuntimeError):
    """The shipped model was trained on another corpus or other features: retrain it."""


@dataclass(frozen=True)
class Head:
    """One softmax classifier: labels, weights, bias."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (features.DIM, len(labels))
    bias: np.ndarray

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.weights + self.bias
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        p: np.ndarray = e / e.sum(axis=-1, keepdims=True)
        return p


@dataclass(frozen=True)
class Prediction:
    act: str
    act_p: float
    intent: str
    intent_p: float
    intents: dict[str, float]  # every intent's probability (a second-best matters for two-part messages)


@dataclass(frozen=True)
class Understanding:
    """The two heads, and the speller built from the words of the corpus they were trained on."""

    act: Head
    intent: Head
    speller: Speller

    def predict(self, text: str, context: str = "none") -> Prediction:
        text = self.speller.correct(text)
        embedding = features.embed(text)
        x, xi = features.vector(text, context, embedding), features.vector(text, None, embedding)
        pa, pi = self.act.probabilities(x), self.intent.probabilities(xi)
        a, i = int(pa.argmax()), int(pi.argmax())
        return Prediction(
            self.act.labels[a],
            float(pa[a]),
            self.intent.labels[i],
            float(pi[i]),
            {label: float(p) for label, p in zip(self.intent.labels, pi)},
        )


def fit(
    x: np.ndarray, y: np.ndarray, n_labels: int, *, epochs: int = 400, rate: float = 0.02, l2: float = 2e-5
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with Adam on the whole batch; classes weighted to equal mass."""
    w = np.zeros((x.shape[1], n_labels), dtype=np.float32)
    b = np.zeros(n_labels, dtype=np.float32)
    counts = np.bincount(y, minlength=n_labels).astype(np.float32)
    sample_w = (len(y) / (n_labels * np.maximum(counts, 1)))[y][:, None]
    onehot = np.eye(n_labels, dtype=np.float32)[y]
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for t in range(1, epochs + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w / len(y)
        gw, gb = x.T @ g + l2 * w, g.sum(axis=0)
        for param, grad, m, v in ((w, gw, mw, vw), (b, gb, mb, vb)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w, b


def save(model: Understanding, trained_on: str, stats: dict[str, object]) -> None:
    MODEL_DIR.mkdir(exist_ok=True)
    with WEIGHTS.open("wb") as fh:
        np.savez_compressed(
            fh,
            act_w=model.act.weights.astype(np.float16),
            act_b=model.act.bias,
            intent_w=model.intent.weights.astype(np.float16),
            intent_b=model.intent.bias,
        )
    META.write_text(
        json.dumps(
            {
                "corpus_sha256": trained_on,
                "features_version": features.VERSION,
                "act_labels": list(model.act.labels),
                "intent_labels": list(model.intent.labels),
                **stats,
                # The words the speller knows and corrects to (a word used once is no more known than unused).
                "word_counts": {w: n for w, n in sorted(model.speller.counts.items()) if n >= KNOWN_COUNT},
            },
            indent=2,
        )
        + "\n"
    )


_lock = threading.Lock()


@lru_cache(maxsize=1)
def load() -> Understanding:
    """The shipped model; raises `StaleModel` if the corpus or the features changed since it was trained."""
    with _lock:
        if not WEIGHTS.exists() or not META.exists():
            raise StaleModel("no trained model: run `portal-agent planner train`")
        meta = json.loads(META.read_text())
        if meta.get("corpus_sha256") != corpus_hash() or meta.get("features_version") != features.VERSION:
            raise StaleModel(
                "the corpus or the features changed since the model was trained: run `portal-agent planner train`"
            )
        data = np.load(WEIGHTS)
        return Understanding(
            Head(tuple(meta["act_labels"]), data["act_w"].astype(np.float32), data["act_b"]),
            Head(tuple(meta["intent_labels"]), data["intent_w"].astype(np.float32), data["intent_b"]),
            Speller(meta["word_counts"]),
        )

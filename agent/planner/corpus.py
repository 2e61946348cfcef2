"""The labelled utterance corpus the classifier learns from (`agent/planner/corpus/*.yaml`).

Each item: `text`, `act`, `intent`, optionally `context` (what the assistant's previous message left
open, `acts.CONTEXTS`). The held-out split is a quarter of the items, chosen by a hash of each item's text and context
alone: the same on every machine and every run, and an item never changes sides when others are
added (a quarter of every act, give or take a few).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent.planner.acts import ACTS, CONTEXTS, GENERAL, NONE

CORPUS_DIR = Path(__file__).with_name("corpus")
HELD_OUT_SHARE = 0.25  # of every dialogue act


@dataclass(frozen=True)
class Utterance:
    text: str
    act: str
    intent: str
    context: str = "none"
    source: str = ""

    @property
    def key(self) -> bytes:
        return hashlib.sha256(f"{self.text.strip().lower()}|{self.context}".encode()).digest()


class CorpusError(ValueError):
    """An item of the corpus is malformed (unknown act, intent or context)."""


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def corpus_hash(directory: Path = CORPUS_DIR) -> str:
    """The content hash the trained model is tied to: a stale model cannot load."""
    h = hashlib.sha256()
    for path in corpus_files(directory):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def load_corpus(intents: tuple[str, ...], directory: Path = CORPUS_DIR) -> list[Utterance]:
    items: list[Utterance] = []
    seen: set[bytes] = set()
    known_intents = set(intents) | {GENERAL, NONE}
    for path in corpus_files(directory):
        for i, raw in enumerate(yaml.safe_load(path.read_text()) or []):
            u = Utterance(
                str(raw["text"]).strip(),
                raw["act"],
                raw.get("intent") or NONE,
                raw.get("context") or "none",
                f"{path.name}:{i + 1}",
            )
            if u.act not in ACTS or u.intent not in known_intents or u.context not in CONTEXTS or not u.text:
                raise CorpusError(f"{u.source}: act {u.act!r}, intent {u.intent!r}, context {u.context!r}")
            if u.key in seen:
                continue  # the same words in the same context once (the first file's label stands)
            seen.add(u.key)
            items.append(u)
    return items


def held_out(u: Utterance) -> bool:
    """Whether an item is in the held-out split: decided by its own hash alone, so adding items to the
    corpus never moves an item from one split to the other (about a quarter of every act)."""
    return int.from_bytes(u.key[:8], "big") < HELD_OUT_SHARE * 2**64


def split(items: list[Utterance]) -> tuple[list[Utterance], list[Utterance]]:
    """(training, held out)."""
    return [u for u in items if not held_out(u)], [u for u in items if held_out(u)]

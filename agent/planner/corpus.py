"""The labelled utterance corpus the classifier learns from (`agent/planner/corpus/*.yaml`).

Each item: `text`, `act`, `intent`, optionally `context` (what the assistant's previous message left
open, `acts.CONTEXTS`). The held-out split is stratified by dialogue act: within each act, the items
are ordered by a hash of their text and context, and the first quarter is held out. The order does
not depend on anything but the items, so the split is the same on every machine and every run.
"""
from __future__ import annotations

import hashlib
import math
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
            u = Utterance(str(raw["text"]).strip(), raw["act"], raw.get("intent") or NONE,
                          raw.get("context") or "none", f"{path.name}:{i + 1}")
            if u.act not in ACTS or u.intent not in known_intents or u.context not in CONTEXTS or not u.text:
                raise CorpusError(f"{u.source}: act {u.act!r}, intent {u.intent!r}, context {u.context!r}")
            if u.key in seen:
                continue  # the same words in the same context once (the first file's label stands)
            seen.add(u.key)
            items.append(u)
    return items


def split(items: list[Utterance]) -> tuple[list[Utterance], list[Utterance]]:
    """(training, held out): a quarter of every dialogue act (rounded up) is held out."""
    held: set[int] = set()
    for act in {u.act for u in items}:
        members = sorted((i for i, u in enumerate(items) if u.act == act), key=lambda i: items[i].key)
        held.update(members[:math.ceil(len(members) * HELD_OUT_SHARE)])
    return [u for i, u in enumerate(items) if i not in held], [u for i, u in enumerate(items) if i in held]

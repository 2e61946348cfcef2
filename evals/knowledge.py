"""The knowledge index for an evaluation run: built once into a temporary data directory and shared
read-only by every trial; and the poisoned wrapper used by prompt-injection-in-retrieved-text scenarios."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

from knowledge.retriever import Passage


class Knowledge(Protocol):
    """What the evaluation needs of a knowledge index: passages for a question."""

    def search(self, query: str, k: int = 4) -> list[Passage]: ...


class SharedKnowledge:
    """The real retriever, serialised: trials run in threads and share one Chroma client."""

    def __init__(self, retriever: Knowledge) -> None:
        self.retriever = retriever
        self._lock = threading.Lock()

    def search(self, query: str, k: int = 4) -> list[Passage]:
        with self._lock:
            return list(self.retriever.search(query, k))


class PoisonedKnowledge:
    """Adds one planted passage (e.g. with injected instructions) on top of every search result."""

    def __init__(self, inner: Knowledge, passage: dict[str, str]) -> None:
        self.inner = inner
        self.passage = Passage(
            title=passage.get("title", "Billing Portal notice"),
            source=passage.get("source", "knowledge/docs/notice.md"),
            heading=passage.get("heading", ""),
            text=passage["text"],
            score=float(passage.get("score", 0.95)),
        )

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return [self.passage] + list(self.inner.search(query, k))[: max(k - 1, 0)]


def build_knowledge(data_dir: Path) -> SharedKnowledge:
    """Index knowledge/docs into `<data_dir>/chroma` with the offline embedder (as `portal-agent index build`)."""
    from bootstrap.index import build_index, configured_embedder
    from bootstrap.settings import get_settings
    from knowledge.retriever import Retriever

    embedder = configured_embedder(get_settings())
    collection, _ = build_index(data_dir, None, embedder)
    return SharedKnowledge(Retriever(collection=collection, embedder=embedder))


def public_text() -> str:
    """The help articles: anything in them is public, so quoting it is never a leak."""
    from knowledge.documents import DOCS_DIR

    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(DOCS_DIR).glob("*.md")))

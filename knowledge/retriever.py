"""Semantic search over the knowledge base, returning citable passages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from knowledge.embeddings import Embedder, get_embedder
from knowledge.server import DEFAULT_TIMEOUT

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import QueryResult
    from chromadb.base_types import Metadata

# Cosine similarity under which a passage is not considered relevant. Calibrated on
# evals/retrieval (see BENCHMARKS.md): off-topic questions score below it.
DEFAULT_THRESHOLD = 0.32
_CANDIDATES = 12  # chunks fetched from Chroma before thresholding / boosting
_WORD = re.compile(r"[a-z0-9][a-z0-9\-/_]*")
_STOP = frozenset(
    "a an and are can do does for from get have how i in is it my of on or our the this to we what when "
    "where which who why will with you your me be not no any".split()
)


class Citation(TypedDict):
    """A passage as the turn result cites it (SPEC section 4)."""

    title: str
    source: str
    score: float


@dataclass(frozen=True)
class Passage:
    """A knowledge-base passage: what to show and how to cite it."""

    title: str
    source: str  # e.g. "knowledge/docs/paying-invoices.md"
    heading: str
    text: str
    score: float  # 0..1, higher is more relevant

    def citation(self) -> Citation:
        """The citation shape of the turn result (SPEC section 4)."""
        return {"title": self.title, "source": self.source, "score": round(self.score, 3)}


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def _term_overlap(query_terms: set[str], text: str) -> float:
    if not query_terms:
        return 0.0
    return len(query_terms & _terms(text)) / len(query_terms)


class Retriever:
    """Dense retrieval over the Chroma knowledge collection.

    Either pass an opened ``collection`` or a location (``data_dir`` for the embedded
    store, ``chroma_url`` for a server, whose requests give up after ``chroma_timeout``
    seconds); clients and collections are cached per location.
    ``term_boost`` adds that much score for a full match of the query's words (0 = off).
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        collection: Collection | None = None,
        embedder: Embedder | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        term_boost: float = 0.0,
        chroma_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.embedder = embedder or get_embedder()
        self.threshold = threshold
        self.term_boost = term_boost
        # A server's store is found by its URL alone; the data dir then plays no part.
        self._location: _Location | None = None
        if collection is None:
            where = None if chroma_url else (str(data_dir) if data_dir else None)
            self._location = (where, chroma_url, self.embedder.model_id, chroma_timeout)
            collection = _cached_collection(self._location, self.embedder)
        self.collection = collection

    def search(self, query: str, k: int = 4) -> list[Passage]:
        """Up to ``k`` passages scoring at least the threshold, best first ([] when off-topic)."""
        if not query.strip() or k <= 0:
            return []
        ranked = self.score_candidates(query, max(k, _CANDIDATES))
        return [p for p in ranked if p.score >= self.threshold][:k]

    def score_candidates(self, query: str, n: int = _CANDIDATES) -> list[Passage]:
        """The ``n`` nearest chunks with their scores, no threshold (for calibration)."""
        vector = self.embedder.embed([query])
        found = self._query(vector, n)
        terms = _terms(query) if self.term_boost else set()
        metadatas, distances = found["metadatas"], found["distances"]
        if metadatas is None or distances is None:  # only when not included, and both are asked for above
            return []
        passages = [self._passage(m, d, terms) for m, d in zip(metadatas[0], distances[0])]
        return sorted(passages, key=lambda p: p.score, reverse=True)

    def _query(self, vector: np.ndarray, n: int) -> QueryResult:
        from chromadb.errors import NotFoundError

        try:
            return self.collection.query(query_embeddings=vector, n_results=n, include=["metadatas", "distances"])
        except NotFoundError:
            if self._location is None:
                raise
            # The collection was dropped and made again (a Chroma server restarted on an empty volume, then
            # re-indexed): this handle names the old collection's id. Open it by name again, once.
            self.collection = _cached_collection(self._location, self.embedder, reopen=True)
            return self.collection.query(query_embeddings=vector, n_results=n, include=["metadatas", "distances"])

    def _passage(self, meta: Metadata, distance: float, terms: set[str]) -> Passage:
        score = 1.0 - float(distance)  # cosine distance -> cosine similarity
        if terms:
            score += self.term_boost * _term_overlap(
                terms, f"{meta.get('title')} {meta.get('heading')} {meta.get('text')}"
            )
        return Passage(
            title=str(meta.get("title", "")),
            source=str(meta.get("source", "")),
            heading=str(meta.get("heading", "")),
            text=str(meta.get("text", "")),
            score=min(1.0, max(0.0, score)),
        )


# (data dir, server URL, embedding model, request time-out): where a collection lives and how it is reached.
_Location = tuple[str | None, str | None, str, float]
_COLLECTIONS: dict[_Location, Collection] = {}


def _cached_collection(location: _Location, embedder: Embedder, *, reopen: bool = False) -> Collection:
    from knowledge.store import open_client, open_collection

    data_dir, url, _, timeout = location
    if reopen or location not in _COLLECTIONS:
        _COLLECTIONS[location] = open_collection(open_client(data_dir, url, timeout), embedder)
    return _COLLECTIONS[location]

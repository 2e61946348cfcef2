"""Incremental ingestion: markdown documents -> chunks -> embeddings -> Chroma collection.

Each chunk carries its document's content hash, so a rebuild re-embeds only documents
whose file changed and deletes the chunks of documents that disappeared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.chunking import CHUNKER_VERSION, MAX_CHUNK_TOKENS, Chunk, chunk_document
from knowledge.documents import DOCS_DIR, SOURCE_PREFIX, Document, load_documents
from knowledge.embeddings import Embedder, get_embedder

if TYPE_CHECKING:  # pragma: no cover
    from chromadb.api.models.Collection import Collection
    from chromadb.base_types import Metadata

EMBED_BATCH = 64
Progress = Callable[[int], None]  # called with the number of chunks just embedded


@dataclass
class IndexReport:
    """What a build did, per document, plus the chunk totals."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0

    def counts(self) -> dict[str, int]:
        """Document counts per outcome, for printing."""
        return {k: len(getattr(self, k)) for k in ("added", "updated", "removed", "unchanged")}


def _version_hash(doc: Document, max_tokens: int, model_id: str) -> str:
    # The chunker settings and the model are part of the hash: changing them re-embeds.
    key = f"{doc.content_hash}|{CHUNKER_VERSION}|{max_tokens}|{model_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _indexed(collection: Collection) -> dict[str, tuple[str, list[str]]]:
    """source -> (doc_hash, chunk ids) of what the collection holds now."""
    found: dict[str, tuple[str, list[str]]] = {}
    got = collection.get(include=["metadatas"])
    for chunk_id, meta in zip(got["ids"], got["metadatas"] or []):
        source = str(meta.get("source", ""))
        doc_hash, ids = found.get(source, (str(meta.get("doc_hash", "")), []))
        found[source] = (doc_hash, ids + [chunk_id])
    return found


def _metadata(chunk: Chunk, doc: Document, doc_hash: str, position: int) -> Metadata:
    return {
        "source": doc.source,
        "title": doc.title,
        "topic": doc.topic,
        "updated": doc.updated,
        "heading": chunk.heading,
        "text": chunk.text,
        "position": position,
        "doc_hash": doc_hash,
    }


def _write(
    collection: Collection,
    embedder: Embedder,
    docs: list[tuple[Document, str]],
    max_tokens: int,
    progress: Progress | None,
) -> int:
    """Chunk, embed in batches and add the given documents; returns chunks embedded."""
    rows = [(doc, h, i, c) for doc, h in docs for i, c in enumerate(chunk_document(doc, max_tokens))]
    for start in range(0, len(rows), EMBED_BATCH):
        batch = rows[start : start + EMBED_BATCH]
        vectors = embedder.embed([c.context_text for _, _, _, c in batch])
        collection.add(
            ids=[f"{doc.source}#{i}" for doc, _, i, _ in batch],
            embeddings=vectors,
            documents=[c.context_text for _, _, _, c in batch],
            metadatas=[_metadata(c, doc, h, i) for doc, h, i, c in batch],
        )
        if progress:
            progress(len(batch))
    return len(rows)


def plan_changes(
    docs: list[Document], indexed: dict[str, tuple[str, list[str]]], max_tokens: int, model_id: str
) -> tuple[IndexReport, list[tuple[Document, str]]]:
    """Compare documents with the index: which to (re-)embed and which to delete."""
    report, todo = IndexReport(), []
    for doc in docs:
        doc_hash = _version_hash(doc, max_tokens, model_id)
        old = indexed.get(doc.source)
        if old is None:
            report.added.append(doc.source)
        elif old[0] != doc_hash:
            report.updated.append(doc.source)
        else:
            report.unchanged.append(doc.source)
            continue
        todo.append((doc, doc_hash))
    present = {d.source for d in docs}
    report.removed = sorted(s for s in indexed if s not in present)
    return report, todo


def count_pending(docs: list[Document], collection: Collection, max_tokens: int, model_id: str) -> int:
    """Number of chunks the next sync would embed (sizes the progress bar)."""
    _, todo = plan_changes(docs, _indexed(collection), max_tokens, model_id)
    return sum(len(chunk_document(d, max_tokens)) for d, _ in todo)


def sync_index(
    collection: Collection,
    docs_dir: Path = DOCS_DIR,
    *,
    embedder: Embedder | None = None,
    max_tokens: int = MAX_CHUNK_TOKENS,
    source_prefix: str = SOURCE_PREFIX,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring ``collection`` in line with the markdown files of ``docs_dir``."""
    embedder = embedder or get_embedder()
    docs = load_documents(Path(docs_dir), source_prefix)
    indexed = _indexed(collection)
    report, todo = plan_changes(docs, indexed, max_tokens, embedder.model_id)
    stale = [cid for src in report.updated + report.removed for cid in indexed[src][1]]
    if stale:
        collection.delete(ids=stale)
    report.chunks_embedded = _write(collection, embedder, todo, max_tokens, progress)
    report.chunks_total = collection.count()
    return report

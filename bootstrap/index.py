"""The knowledge index as a library: the configured embedder, the service's retriever, and building (or
updating) the index, embedded or in a Chroma server.

`portal-agent index build` and the evaluations both call `build_index`; only changed documents are
re-embedded. Heavy imports (Chroma, the embedding model) stay inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bootstrap.settings import Settings
from knowledge.server import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from knowledge.embeddings import Embedder
    from knowledge.ingest import IndexReport
    from knowledge.retriever import Retriever

# Called as chunks are embedded: (chunks just embedded, chunks this build embeds in all).
IndexProgress = Callable[[int, int], None]


def configured_embedder(settings: Settings) -> Embedder:
    """The offline MiniLM embedder, or OpenAI's when PORTAL_EMBEDDINGS=openai and a key is set."""
    from knowledge.embeddings import get_embedder

    if settings.portal_embeddings == "openai" and settings.openai_api_key:
        from knowledge.openai_embeddings import OpenAIEmbedder

        base = settings.openai_base_url or "https://api.openai.com/v1"
        return OpenAIEmbedder(api_key=settings.openai_api_key, base_url=base)
    return get_embedder()


def open_retriever(settings: Settings) -> Retriever:
    """The retriever over the index the settings name (a Chroma server, else the data dir), queried with the
    embedder the index was built with: another model's vectors live in another collection."""
    from knowledge.retriever import Retriever

    return Retriever(
        settings.portal_data_dir,
        settings.portal_chroma_url,
        embedder=configured_embedder(settings),
        chroma_timeout=settings.portal_chroma_timeout,
    )


def build_index(
    data_dir: Path,
    chroma_url: str | None,
    embedder: Embedder,
    docs_dir: Path | None = None,
    progress: IndexProgress | None = None,
    *,
    chroma_timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Collection, IndexReport]:
    """Sync the knowledge collection with the docs; returns (collection, report).

    With ``chroma_url`` the index is built into that Chroma server (its requests give up after
    ``chroma_timeout`` seconds), else into ``<data_dir>/chroma``. From the packaged articles (no
    ``docs_dir``), the offline planner's vectors of them are made too, in ``<data_dir>/cache``: every
    worker `serve` starts reads them instead of embedding the articles again (BENCHMARKS.md).
    """
    from knowledge.chunking import MAX_CHUNK_TOKENS
    from knowledge.documents import DOCS_DIR, load_documents
    from knowledge.ingest import count_pending, sync_index
    from knowledge.store import open_client, open_collection

    client = open_client(None if chroma_url else str(data_dir), chroma_url, chroma_timeout)
    collection: Collection = open_collection(client, embedder)
    packaged = docs_dir is None
    docs_dir = docs_dir or DOCS_DIR
    pending = count_pending(load_documents(docs_dir), collection, MAX_CHUNK_TOKENS, embedder.model_id)

    def advance(chunks: int) -> None:
        if progress is not None:
            progress(chunks, pending)

    report = sync_index(collection, docs_dir, embedder=embedder, progress=advance)
    if packaged:
        from agent.planner import faq
        from bootstrap.settings import cache_dir_of

        faq.warm_up(cache_dir_of(data_dir))
    return collection, report

"""The Chroma side: clients, the embedding-function adapter and the knowledge collection.

Clients and collections are cached per location so that opening a retriever is cheap
after the first time. The embedding-function *instance* is always passed when a
collection is opened; otherwise Chroma rebuilds one for every query (about 30x slower).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from chromadb.api.types import Documents, Embeddable, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

from knowledge.embeddings import Embedder, get_embedder
from knowledge.server import DEFAULT_TIMEOUT, http_client

if TYPE_CHECKING:  # pragma: no cover
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.config import Settings

COLLECTION_PREFIX = "knowledge"


@register_embedding_function
class PortalEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma adapter around an :class:`~knowledge.embeddings.Embedder` (offline by default)."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or get_embedder()

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "portal-agent"

    def get_config(self) -> dict[str, object]:
        return {"model_id": self.embedder.model_id}

    @staticmethod
    def build_from_config(config: dict[str, object]) -> PortalEmbeddingFunction:
        # Only the offline model can be rebuilt without credentials.
        return PortalEmbeddingFunction()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


def _client_settings() -> Settings:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)  # telemetry would try the network


_OPENING = threading.Lock()


@lru_cache(maxsize=8)
def open_client(data_dir: str | None = None, url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> ClientAPI:
    """A cached Chroma client: a server's when ``url`` is given (requests give up after ``timeout`` seconds,
    see :mod:`knowledge.server`), else the embedded store at ``<data_dir>/chroma``."""
    import chromadb

    if url:
        return http_client(url, _client_settings(), timeout)
    if not data_dir:
        raise ValueError("either data_dir or url is required")
    path = Path(data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    with _OPENING:  # Chroma's registry of embedded systems is not safe to fill from two threads at once
        return chromadb.PersistentClient(path=str(path), settings=_client_settings())


def collection_name(embedder: Embedder) -> str:
    """One collection per embedding model, since vectors of two models never mix."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", embedder.model_id).strip("-.")
    # Chroma refuses a name that does not end in a letter or digit, so strip again after cutting.
    return f"{COLLECTION_PREFIX}-{slug}"[:60].rstrip("-._")


def open_collection(client: ClientAPI, embedder: Embedder | None = None) -> Collection:
    """Get or create the knowledge collection (cosine space) with the embedder's function instance."""
    embedder = embedder or get_embedder()
    return client.get_or_create_collection(
        name=collection_name(embedder),
        # Chroma types the parameter over texts *or* images; this function embeds texts, as documented.
        embedding_function=cast("EmbeddingFunction[Embeddable]", PortalEmbeddingFunction(embedder)),
        configuration={"hnsw": {"space": "cosine"}},
    )

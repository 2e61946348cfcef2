"""Fixtures for the knowledge tests: no network, a built index shared by the session."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest


class NetworkBlocked(RuntimeError):
    pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise NetworkBlocked(f"network access attempted: {args!r}")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any in-process socket connection attempt raises (proves the code path is offline)."""
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)


class CountingEmbedder:
    """Wraps the real embedder and counts the texts it embedded."""

    def __init__(self) -> None:
        from knowledge.embeddings import get_embedder

        self.inner = get_embedder()
        self.model_id = self.inner.model_id
        self.dimension = self.inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> Any:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture
def counting_embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture(scope="session")
def kb_collection(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real knowledge base indexed once into a temporary embedded Chroma store."""
    from knowledge.ingest import sync_index
    from knowledge.store import open_client, open_collection

    data_dir: Path = tmp_path_factory.mktemp("kb")
    collection = open_collection(open_client(str(data_dir)))
    sync_index(collection)
    return collection

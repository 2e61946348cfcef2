"""The Chroma server's address (PORTAL_CHROMA_URL) and collection names Chroma accepts, without a server."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

import pytest

from bootstrap.settings import Settings
from knowledge.embeddings import get_embedder
from knowledge.server import ChromaUnavailable, heartbeat, server_base
from knowledge.store import collection_name

# Chroma's rule for collection names (embedded and server alike).
CHROMA_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("http://localhost", "http://localhost:8000"),  # `chroma run`'s port when none is given
        ("https://chroma.internal/", "https://chroma.internal:443"),
        ("https://proxy.internal/chroma/", "https://proxy.internal:443/chroma"),  # a prefix is kept
        (" http://[::1]:9000 ", "http://[::1]:9000"),
    ],
)
def test_server_urls_are_read_as_chroma_reads_them(url: str, base: str) -> None:
    assert server_base(url) == base


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "localhost", "ftp://host/", "http://"])
def test_a_malformed_url_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError, match="a Chroma server URL looks like"):
        server_base(url)
    with pytest.raises(ValueError, match="(?i)portal_chroma_url"):
        Settings(_env_file=None, portal_chroma_url=url)


def test_an_empty_url_means_the_embedded_store() -> None:
    assert Settings(_env_file=None, portal_chroma_url="  ").portal_chroma_url is None


def test_nothing_listening_is_a_clear_error_in_time() -> None:
    with socket.socket() as probe:  # a port nothing listens on (bound, never listening, then closed)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ChromaUnavailable, match=f"no Chroma server answers at http://127.0.0.1:{port} "):
        heartbeat(f"http://127.0.0.1:{port}", timeout=1.0)


@dataclass
class _Named:
    model_id: str


def test_collection_names_are_ones_chroma_accepts() -> None:
    assert collection_name(get_embedder()) == "knowledge-all-MiniLM-L6-v2-int8"  # the embedded default's, unchanged
    cut_at_a_dash = _Named("x" * 49 + "-" + "y" * 20)  # 60 characters end on the dash
    for model in (cut_at_a_dash, _Named("openai/text-embedding-3-small"), _Named("a..b")):
        assert CHROMA_NAME.match(collection_name(model)), collection_name(model)  # type: ignore[arg-type]

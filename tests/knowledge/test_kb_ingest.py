"""Incremental indexing: only changed documents are embedded, removed ones disappear."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from knowledge.chunking import chunk_document
from knowledge.documents import DOCS_DIR, load_document, load_documents
from knowledge.ingest import sync_index
from knowledge.store import open_client, open_collection

PICKED = ["paying-invoices.md", "signed-quotes.md", "billing-address.md"]


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in PICKED:
        shutil.copy(DOCS_DIR / name, folder / name)
    return folder


@pytest.fixture
def collection(tmp_path: Path, counting_embedder: Any) -> Any:
    return open_collection(open_client(str(tmp_path / "data")), counting_embedder)


def _chunks(path: Path) -> int:
    return len(chunk_document(load_document(path)))


def _sources(collection: Any) -> set[str]:
    return {m["source"] for m in collection.get(include=["metadatas"])["metadatas"]}


def test_first_build_embeds_everything(
    no_network: None, docs_dir: Path, collection: Any, counting_embedder: Any
) -> None:
    report = sync_index(collection, docs_dir, embedder=counting_embedder)
    expected = sum(_chunks(docs_dir / n) for n in PICKED)
    assert report.counts() == {"added": 3, "updated": 0, "removed": 0, "unchanged": 0}
    assert len(counting_embedder.texts) == expected == report.chunks_embedded == collection.count()


def test_a_rebuild_without_changes_embeds_nothing(
    no_network: None, docs_dir: Path, collection: Any, counting_embedder: Any
) -> None:
    sync_index(collection, docs_dir, embedder=counting_embedder)
    before = len(counting_embedder.texts)
    report = sync_index(collection, docs_dir, embedder=counting_embedder)
    assert len(counting_embedder.texts) == before
    assert report.counts() == {"added": 0, "updated": 0, "removed": 0, "unchanged": 3}


def test_a_changed_document_is_the_only_one_re_embedded(
    no_network: None, docs_dir: Path, collection: Any, counting_embedder: Any
) -> None:
    sync_index(collection, docs_dir, embedder=counting_embedder)
    changed = docs_dir / "signed-quotes.md"
    changed.write_text(changed.read_text() + "\n## Quotes in other languages\n\nAsk for a translated quote.\n")
    counting_embedder.texts.clear()
    report = sync_index(collection, docs_dir, embedder=counting_embedder)
    assert report.updated == ["knowledge/docs/signed-quotes.md"] and len(report.unchanged) == 2
    assert len(counting_embedder.texts) == _chunks(changed)
    assert all(t.startswith("Downloading a signed quote") for t in counting_embedder.texts)
    assert collection.count() == sum(_chunks(docs_dir / n) for n in PICKED)
    hits = collection.get(where={"heading": "Quotes in other languages"})
    assert len(hits["ids"]) == 1


def test_a_shrunk_document_leaves_no_stale_chunks(docs_dir: Path, collection: Any, counting_embedder: Any) -> None:
    sync_index(collection, docs_dir, embedder=counting_embedder)
    (docs_dir / "paying-invoices.md").write_text("---\ntitle: Paying\n---\n# Paying\n\nOne paragraph only.\n")
    sync_index(collection, docs_dir, embedder=counting_embedder)
    left = collection.get(where={"source": "knowledge/docs/paying-invoices.md"})
    assert left["documents"] == ["Paying\nOne paragraph only."]


def test_a_removed_document_disappears(
    no_network: None, docs_dir: Path, collection: Any, counting_embedder: Any
) -> None:
    sync_index(collection, docs_dir, embedder=counting_embedder)
    (docs_dir / "billing-address.md").unlink()
    counting_embedder.texts.clear()
    report = sync_index(collection, docs_dir, embedder=counting_embedder)
    assert report.removed == ["knowledge/docs/billing-address.md"]
    assert counting_embedder.texts == []
    assert _sources(collection) == {"knowledge/docs/paying-invoices.md", "knowledge/docs/signed-quotes.md"}


def test_cli_index_build_offline_and_incremental(
    no_network: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bootstrap.settings import get_settings
    from service.cli import app

    monkeypatch.delenv("PORTAL_CHROMA_URL", raising=False)
    monkeypatch.delenv("PORTAL_EMBEDDINGS", raising=False)
    get_settings.cache_clear()
    args = ["index", "build", "--data-dir", str(tmp_path / "data")]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert f"{len(load_documents())} added, 0 updated, 0 removed, 0 unchanged" in first.output
    assert (tmp_path / "data" / "chroma").is_dir()
    # the offline planner's vectors of the same articles, ready for every worker `serve` starts
    assert len(list((tmp_path / "data" / "cache").glob("planner-articles-*.npz"))) == 1
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "0 added, 0 updated, 0 removed" in second.output
    assert "Chunks embedded: 0;" in second.output
    get_settings.cache_clear()

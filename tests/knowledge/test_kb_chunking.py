"""Front matter parsing and heading-aware chunking under the token budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.chunking import MAX_CHUNK_TOKENS, chunk_document
from knowledge.documents import DocumentError, load_document, load_documents, parse_front_matter
from knowledge.tokens import count_tokens

LONG_DOC = """---
title: Long document
topic: test
updated: 2026-01-01
---
# Long document

Intro paragraph before any sub-heading.

## First section

{para}

{para}

## Second section

### Nested detail

{one_long_line}
"""


def _write(tmp_path: Path, text: str, name: str = "long.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _long_doc(tmp_path: Path) -> Path:
    para = " ".join(f"Sentence {i} explains how invoices are paid in the portal." for i in range(60))
    line = " ".join(f"word{i}" for i in range(900))  # no sentence breaks at all
    return _write(tmp_path, LONG_DOC.format(para=para, one_long_line=line))


def test_front_matter_is_parsed(tmp_path: Path) -> None:
    doc = load_document(_long_doc(tmp_path), "knowledge/docs")
    assert (doc.title, doc.topic, doc.updated) == ("Long document", "test", "2026-01-01")
    assert doc.source == "knowledge/docs/long.md"
    assert not doc.body.startswith("---")


def test_a_document_without_title_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DocumentError):
        load_document(_write(tmp_path, "---\ntopic: x\n---\nbody\n"))
    with pytest.raises(DocumentError):
        parse_front_matter("---\ntitle: never closed\nbody")


@pytest.mark.parametrize("budget", [60, 120, MAX_CHUNK_TOKENS])
def test_chunks_respect_the_token_budget(tmp_path: Path, budget: int) -> None:
    chunks = chunk_document(load_document(_long_doc(tmp_path)), max_tokens=budget)
    assert len(chunks) > 3
    assert all(count_tokens(c.context_text) <= budget for c in chunks)


def test_chunks_keep_their_heading_and_lose_no_text(tmp_path: Path) -> None:
    doc = load_document(_long_doc(tmp_path))
    chunks = chunk_document(doc, max_tokens=80)
    assert chunks[0].heading == "" and chunks[0].text.startswith("Intro paragraph")
    assert {c.heading for c in chunks} == {"", "First section", "Nested detail"}
    assert all(c.context_text.startswith(f"Long document — {c.heading}") for c in chunks if c.heading)
    words = [w for c in chunks if c.heading == "Nested detail" for w in c.text.split()]
    assert words == [f"word{i}" for i in range(900)]


def test_the_knowledge_base_chunks_fit_the_budget() -> None:
    docs = load_documents()
    assert 15 <= len(docs) <= 25
    for doc in docs:
        chunks = chunk_document(doc)
        assert chunks, doc.source
        assert all(count_tokens(c.context_text) <= MAX_CHUNK_TOKENS for c in chunks)
        assert all(c.source == doc.source and c.title == doc.title for c in chunks)
